"""One PE: what it costs in cycles and on an FPGA, measured in one run (part of ``make bench``).

Cycle figures come from the generated PE run in the Amaranth simulator on workloads chosen to
stress the matrix read (long columns, single-entry columns, padding, random layers). Each is
reported against two baselines computed in the same run: the ideal count (one entry per
cycle, one broadcast per cycle: ``max(entries, broadcasts)``) and the PE cycle model. Area and
Fmax come from Yosys and nextpnr on ECP5, with the block each block RAM, LUT-RAM and DSP cell
was mapped from.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.encode import column_lengths
from eie_gen.image import image_from_indices
from eie_gen.golden.pe_model import pe_cycles
from eie_gen.placement import place

__all__ = ["pe_workloads", "measure_pe", "pe_ecp5", "THROUGHPUT_TARGET"]

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
    from eie_gen.hw.pe import ProcessingElement  # noqa: PLC0415
    from eie_gen.sim.amaranth import simulate  # noqa: PLC0415
    from eie_gen.sim.io import AmaranthIO  # noqa: PLC0415
    from eie_gen.sim.bfm.pe import PEDriver, broadcasts_for  # noqa: PLC0415

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

        simulate(dut, bench)
        lengths = column_lengths(image.layers[0].ptr[0])[np.nonzero(w["x"])[0]]
        model = pe_cycles(lengths, cfg.queue_slots)
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


def pe_ecp5(cfg: EIEConfig, seeds: int = 3, progress=None) -> dict:
    """One PE synthesized, placed and routed for ECP5: cells, Fmax, what went where."""
    from eie_gen.synth.flow import synthesize  # noqa: PLC0415

    rep = synthesize("pe", cfg, "ecp5", Path("build") / "synth" / f"pe-{cfg.slug}-ecp5",
                     seeds=seeds, progress=progress)
    mapping = rep["mapping"] or {}
    return {
        "device": rep["device"],
        "resources": rep["resources"],
        "fmax_mhz": rep["fmax_mhz"],
        "fmax_mhz_per_seed": rep["fmax_mhz_per_seed"],
        "mapping": mapping,
        "multiplier_in_dsp": "MULT18X18D" in mapping.get("arith", {}),
        "pointer_and_matrix_in_bram": all(
            "DP16KD" in mapping.get(name, {})
            for name in ("ptr_read.ptr.mem", "matrix.spmat")),
        "tools": rep["tools"],
    }
