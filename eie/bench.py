"""``make bench``: what a PE costs in cycles and on an FPGA, measured in one run.

Cycle figures come from the generated PE run in the Amaranth simulator on workloads chosen to
stress the matrix read (long columns, single-entry columns, padding, random layers). Each is
reported against two baselines computed in the same run: the ideal count (one entry per
cycle, one broadcast per cycle: ``max(entries, broadcasts)``) and the PE cycle model. Area and
Fmax come from Yosys and nextpnr on ECP5, with the block each block RAM, LUT-RAM and DSP cell
was mapped from.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from golden.config import EIEConfig
from golden.encode import column_lengths
from golden.fileio import atomic_write_text
from golden.image import image_from_indices
from golden.pe_model import pe_cycles
from golden.placement import place

__all__ = ["pe_workloads", "measure_pe", "measure_array", "run_bench", "to_markdown",
           "THROUGHPUT_TARGET", "CLOCK_NS"]

CLOCK_NS = 10                 # the testbenches' clock period

THROUGHPUT_TARGET = 0.98      # entries per cycle on long columns (issue #3)


def pe_workloads(cfg: EIEConfig, seed: int = 1) -> list[dict]:
    """Layers as PE 0 of ``cfg`` sees them, with one input each."""
    rng = np.random.default_rng(seed)
    n_pe, depth = cfg.n_pe, cfg.act_depth
    rows = n_pe * depth
    cols = min(n_pe * depth, cfg.ptr_depth - 1, cfg.spmat_entries // depth)
    out = []

    def add(name, what, idx, x):
        out.append({"name": name, "what": what, "indices": idx, "x": x})

    dense = np.ones((rows, cols), np.int64)
    add("long_columns", f"{depth} entries per column, every input non-zero", dense,
        np.ones(cols, np.int64))
    single = np.zeros((rows, cols), np.int64)
    single[rng.integers(0, min(depth, 16), cols) * n_pe, np.arange(cols)] = 1   # no padding
    add("single_entry_columns", "one entry per column: the broadcast rate limits", single,
        np.ones(cols, np.int64))
    pad = np.zeros((rows, cols), np.int64)
    pad[(depth - 1) * n_pe, :] = 3
    add("padding", f"one weight in local row {depth - 1}: {(depth - 1) // 16} padding "
        "entries before it", pad, np.ones(cols, np.int64))
    for density in (0.1, 0.3):
        idx = rng.integers(1, 16, (rows, cols))
        idx[rng.random(idx.shape) >= density] = 0
        x = rng.integers(1, 100, cols)
        x[rng.random(cols) < 0.5] = 0
        add(f"random_{int(density * 100)}pct", f"weights {density:.0%} dense, inputs 50 % "
            "non-zero", idx, x)
    return out


def measure_pe(cfg: EIEConfig, workloads, progress=None) -> list[dict]:
    """Run each workload on the generated PE (Amaranth simulator) and on the cycle model."""
    from amaranth.sim import Simulator  # noqa: PLC0415 (slow import)

    from hw.pe import ProcessingElement  # noqa: PLC0415
    from sim.io import AmaranthIO  # noqa: PLC0415
    from sim.pe_driver import PEDriver, broadcasts_for  # noqa: PLC0415

    say = progress or (lambda msg: None)
    results = []
    for w in workloads:
        say(f"PE: {w['name']}")
        cb = np.arange(16)
        image = image_from_indices([w["indices"]], [cb], n_pe=cfg.n_pe, act_bits=cfg.act_bits,
                                   weight_bits=cfg.weight_bits, acc_bits=cfg.acc_bits,
                                   entries_per_word=cfg.entries_per_word)
        placement = place(image, cfg)
        items = broadcasts_for(w["x"])
        dut = ProcessingElement(cfg)
        got = {}

        async def bench(ctx):
            drv = PEDriver(AmaranthIO(ctx, dut), cfg)
            await drv.load(placement.pes[0])
            await drv.layer(placement.layers[0])
            start = time.perf_counter()
            got["cycles"] = await drv.broadcast(items)
            got["seconds"] = time.perf_counter() - start

        sim = Simulator(dut)
        sim.add_clock(1e-8)
        sim.add_testbench(bench)
        sim.run()
        lengths = column_lengths(image.layers[0].ptr[0])[np.nonzero(w["x"])[0]]
        model = pe_cycles(lengths, cfg.fifo_depth)
        entries, cycles = model.entries, got["cycles"]
        ideal = max(entries, len(items))
        results.append({
            "name": w["name"], "what": w["what"], "broadcasts": len(items), "entries": entries,
            "rtl_cycles": cycles, "model_cycles": model.cycles, "ideal_cycles": ideal,
            "entries_per_cycle": entries / cycles if cycles else 0.0,
            "rtl_over_ideal": cycles / ideal if ideal else None,
            "rtl_over_model": cycles / model.cycles if model.cycles else None,
            "amaranth_sim_cycles_per_s": cycles / got["seconds"] if got["seconds"] else None,
        })
    return results


def _sim_stats(results_xml: Path) -> tuple[float, float]:
    """(simulated ns, wall seconds) of the cocotb run in ``results_xml``."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415
    case = ET.parse(results_xml).getroot().find(".//testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    return float(props["sim_time_duration"]), float(case.get("time"))


def measure_array(sims=("verilator", "icarus"), seed: int = 3, progress=None) -> dict:
    """A random 3-layer model on 4 PEs: the core's CYCLES against the array model, load
    balance, and how many clock cycles per second each simulator runs eie_top at."""
    from golden.array_model import run_timing  # noqa: PLC0415
    from golden.compress import CompressOptions, compress, random_network  # noqa: PLC0415
    from golden.placement import config_for_image  # noqa: PLC0415
    from sim.rtl_run import run_rtl  # noqa: PLC0415

    say = progress or (lambda msg: None)
    rng = np.random.default_rng(seed)
    weights = random_network([256, 192, 128, 10], seed)
    layers = [(weights[f"W{L}"], weights[f"b{L}"]) for L in range(3)]
    image, _ = compress(layers, EIEConfig(n_pe=4), CompressOptions(density=(0.1, 0.1, 0.25)))
    x = np.asarray(rng.integers(-100, 100, (2, 256)))
    x[rng.random(x.shape) < 0.5] = 0
    cfg = config_for_image(image)
    timings = [run_timing(image, cfg, a) for a in x]
    out = {"model": "random 256-192-128-10, weights 10/10/25 % dense, inputs 50 % non-zero, "
                    "4 PEs", "config": cfg.slug,
           "model_cycles": [t.cycles for t in timings],
           "load_balance": [round(t.load_balance, 4) for t in timings], "sims": {}}
    for sim in sims:
        say(f"array: {sim}")
        build = Path("build") / "bench" / f"array-{sim}"
        start = time.perf_counter()
        y, cycles = run_rtl(image, cfg, x, sim, build)
        wall = time.perf_counter() - start
        sim_ns, sim_s = _sim_stats(build.resolve() / "results.xml")
        out["sims"][sim] = {
            "rtl_cycles": cycles,
            "rtl_over_model": [c / m for c, m in zip(cycles, out["model_cycles"])],
            "simulated_cycles": int(sim_ns / CLOCK_NS),
            "cycles_per_second": sim_ns / CLOCK_NS / sim_s if sim_s else None,
            "wall_seconds_with_build": wall,
        }
    return out


def run_bench(out_dir, *, config: EIEConfig | None = None, seeds: int = 3,
              progress=None) -> dict:
    """Measure, then write ``out_dir/results.json`` and ``out_dir/results.md``."""
    from synth.flow import synthesize  # noqa: PLC0415

    cfg = config or EIEConfig()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg: None)
    throughput = measure_pe(cfg, pe_workloads(cfg), progress)
    array = measure_array(progress=progress)
    long = next(r for r in throughput if r["name"] == "long_columns")
    say("PE: ECP5 synthesis and place-and-route")
    rep = synthesize("pe", cfg, "ecp5", Path("build") / "synth" / f"pe-{cfg.slug}-ecp5",
                     seeds=seeds, progress=progress)
    mapping = rep["mapping"] or {}
    results = {
        "config": cfg.to_dict(),
        "pe_throughput": {
            "long_column_entries_per_cycle": long["entries_per_cycle"],
            "target": THROUGHPUT_TARGET,
            "meets_target": long["entries_per_cycle"] >= THROUGHPUT_TARGET,
            "workloads": throughput,
        },
        "pe_ecp5": {
            "device": rep["device"],
            "resources": rep["resources"],
            "fmax_mhz": rep["fmax_mhz"],
            "fmax_mhz_per_seed": rep["fmax_mhz_per_seed"],
            "mapping": mapping,
            "multiplier_in_dsp": "MULT18X18D" in mapping.get("arith", {}),
            "pointer_and_matrix_in_bram": all(
                "DP16KD" in mapping.get(name, {})
                for name in ("ptr_read.ptr_even", "ptr_read.ptr_odd", "spmat_read.spmat")),
            "tools": rep["tools"],
        },
        "array": array,
    }
    atomic_write_text(out / "results.json", json.dumps(results, indent=2) + "\n")
    atomic_write_text(out / "results.md", to_markdown(results))
    return results


def to_markdown(results: dict) -> str:
    t, s = results["pe_throughput"], results["pe_ecp5"]
    lines = ["# EIE generator benchmarks", "",
             "## PE throughput (generated RTL, Amaranth simulator)", "",
             f"Long columns: **{t['long_column_entries_per_cycle']:.4f} entries per cycle** "
             f"(target {t['target']}, {'met' if t['meets_target'] else 'NOT met'}), pipeline "
             "fill and drain included.", "",
             "| workload | broadcasts | entries | RTL cycles | model | ideal | entries/cycle "
             "| RTL / ideal | RTL / model |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in t["workloads"]:
        lines.append(f"| {r['name']} | {r['broadcasts']} | {r['entries']} | {r['rtl_cycles']} "
                     f"| {r['model_cycles']} | {r['ideal_cycles']} | "
                     f"{r['entries_per_cycle']:.3f} | {r['rtl_over_ideal']:.3f} | "
                     f"{r['rtl_over_model']:.3f} |")
    res = s["resources"]
    fmax = f"{s['fmax_mhz']:.1f} MHz" if s["fmax_mhz"] else "n/a"
    lines += ["", "Ideal: `max(entries, broadcasts)`, one entry and one broadcast per cycle.",
              "", f"## One PE on {s['device']}", "",
              "| LUT4 | FF | carry | DSP | BRAM (DP16KD) | LUT-RAM | Fmax (median) |",
              "|---|---|---|---|---|---|---|",
              f"| {res['lut']} | {res['ff']} | {res['carry']} | {res['dsp']} | {res['bram']} | "
              f"{res['lutram']} | {fmax} |", "",
              f"Multiplier in a DSP: {'yes' if s['multiplier_in_dsp'] else 'NO'}. Pointer and "
              f"matrix memories in block RAM: "
              f"{'yes' if s['pointer_and_matrix_in_bram'] else 'NO'}.", "",
              "| block | cells |", "|---|---|"]
    for owner, cells in s["mapping"].items():
        lines.append(f"| {owner} | " + ", ".join(f"{n} {t}" for t, n in cells.items()) + " |")
    a = results.get("array")
    if a:
        lines += ["", f"## The accelerator ({a['model']}; {a['config']})", "",
                  f"Array cycle model: {a['model_cycles']} cycles per input; load-balance "
                  f"efficiency {a['load_balance']} (busiest PE's entries / broadcast phase).",
                  "", "| simulator | RTL cycles | RTL / model | clock cycles per second "
                  "| wall s (with build) |", "|---|---|---|---|---|"]
        for sim, r in a["sims"].items():
            ratio = ", ".join(f"{v:.4f}" for v in r["rtl_over_model"])
            lines.append(f"| {sim} | {r['rtl_cycles']} | {ratio} | "
                         f"{r['cycles_per_second']:.0f} | {r['wall_seconds_with_build']:.1f} |")
    return "\n".join(lines) + "\n"
