"""Benchmark layers as model images, run on the generated eie_top: the paper's layers (at 64
PEs) and a sparse 1x1 convolution, bit-exact against golden and cycle-exact against the array
model, plus how fast each simulator runs the core."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from eie_gen.golden.array_model import run_timing
from eie_gen.config import EIEConfig
from eie_gen.image import ModelImage, image_from_indices, write_image
from eie_gen.golden.model import run_golden
from eie_gen.placement import config_for_image

from eie_gen.bench.cpu import time_call
from eie_gen.bench.paper import SyntheticLayer

__all__ = ["layer_image", "layer_input", "rtl_config", "run_layer_rtl", "conv1x1", "sim_speed"]


def layer_image(layer: SyntheticLayer, n_pe: int, seed: int = 0) -> ModelImage:
    """The layer as a one-layer image: codebook indices 1..15 at its positions, a random
    16-bit codebook, a shift that keeps typical sums inside the activation range."""
    rng = np.random.default_rng(seed)
    idx = np.zeros(layer.shape, dtype=np.int8)
    idx[layer.rows, layer.cols] = rng.integers(1, 16, layer.nnz)
    cb = np.concatenate([[0], rng.integers(-(1 << 12), 1 << 12, 15)])
    per_row = max(1.0, layer.nnz / layer.shape[0] * layer.spec.act_density)
    # |input| < 2^10, |weight| < 2^12, random signs: a sum of n products is ~sqrt(n) 2^21.
    shift = int(min(31, 10 + math.ceil(math.log2(per_row) / 2)))
    return image_from_indices([idx], [cb], n_pe=n_pe, shifts=[shift], relus=[False])


def layer_input(layer: SyntheticLayer, seed: int = 0) -> np.ndarray:
    """Raw 16-bit inputs, non-zero exactly where the layer's ``x_nonzero`` says."""
    rng = np.random.default_rng(seed + 1)
    mag = rng.integers(1, 1 << 10, layer.spec.inputs)
    return np.where(layer.x_nonzero, mag * rng.choice([-1, 1], layer.spec.inputs), 0)


def rtl_config(images, fifo_depth: int = 8) -> EIEConfig:
    """One accelerator that holds every one of ``images`` (so one build serves them all)."""
    configs = [config_for_image(image, fifo_depth=fifo_depth) for image in images]
    fields = configs[0].to_dict()
    for c in configs[1:]:
        for k, v in c.to_dict().items():
            if isinstance(v, int) and k not in ("n_pe", "fifo_depth"):
                fields[k] = max(fields[k], v)
    return EIEConfig(**fields)


def run_layer_rtl(layer: SyntheticLayer, n_pe: int, build_dir, sim: str = "verilator",
                  fifo_depth: int = 8, config: EIEConfig | None = None,
                  image: ModelImage | None = None, progress=None) -> dict:
    """One input through the layer (as ``image``, default :func:`layer_image`) on the
    generated core (``config``, default the smallest that holds it); RTL against golden and
    the array model."""
    from eie_gen.sim.rtl_run import run_rtl  # noqa: PLC0415 (cocotb, Verilator)

    image = layer_image(layer, n_pe) if image is None else image
    x = layer_input(layer)
    cfg = config or config_for_image(image, fifo_depth=fifo_depth)
    want, _ = run_golden(image, x, warn=False)
    model = run_timing(image, cfg, x).cycles
    start = time.perf_counter()
    # Backdoor load: half a million AXI writes would take hours of simulated loading.
    y, cycles = run_rtl(image, cfg, x[None, :], sim, build_dir, progress, backdoor=True)
    wall = time.perf_counter() - start
    y = np.asarray(y).reshape(-1)
    bad = np.flatnonzero(y != want)
    return {"layer": layer.spec.name, "sim": sim, "config": cfg.slug, "n_pe": n_pe,
            "rtl_cycles": cycles[0], "model_cycles": model,
            "bit_exact": not bad.size, "cycle_exact": cycles[0] == model,
            "first_mismatch": (None if not bad.size else
                               f"output {int(bad[0])}: RTL {int(y[bad[0]])}, golden "
                               f"{int(want[bad[0]])}"),
            "wall_seconds_with_build": wall}


def conv1x1(out_dir, *, pixels: int = 14 * 14, channels: int = 256, weight_density: float = 0.15,
            act_density: float = 0.5, n_pe: int = 64, sim: str = "golden", seed: int = 0,
            progress=None) -> dict:
    """A MobileNetV2-style pointwise layer (``channels`` -> ``channels``, ``pixels`` pixels)
    as a batch of matrix-vector products, one per pixel, run through ``eie run`` (as a user
    would: the command, on files); CPU baselines on the same weights and inputs."""
    import scipy.sparse as sp  # noqa: PLC0415

    say = progress or (lambda msg: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    idx = rng.integers(1, 16, (channels, channels))
    idx[rng.random(idx.shape) >= weight_density] = 0
    cb = np.concatenate([[0], rng.integers(-(1 << 12), 1 << 12, 15)])
    image = image_from_indices([idx], [cb], n_pe=n_pe, shifts=[18], relus=[True])
    x = rng.integers(1, 1 << 10, (pixels, channels))
    x[rng.random(x.shape) >= act_density] = 0                 # post-ReLU activations
    model, xin, yout, cyc = (out / n for n in ("conv1x1.npz", "x.npy", "y.npy", "cycles.json"))
    write_image(image, model)
    np.save(xin, x)
    cmd = [sys.executable, "-m", "eie_gen.cli", "run", str(model), "--input", str(xin), "-o",
           str(yout), "--sim", sim, "--check", "--cycles", str(cyc)]
    say(f"conv1x1: eie run --sim {sim} on {pixels} pixels")
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"eie run failed: {proc.stderr.strip() or proc.stdout.strip()}")
    cycles = json.loads(cyc.read_text())
    w = np.asarray(cb, dtype=np.float32)[idx]
    xf = x.astype(np.float32)
    csr = sp.csr_matrix(w)
    cpu = {
        "dense_gemm": time_call(lambda: xf @ w.T),                 # all pixels at once
        "dense_gemv_per_pixel": time_call(lambda: [w @ v for v in xf]),
        "csr_spmm": time_call(lambda: (csr @ xf.T).T),
    }
    return {"pixels": pixels, "channels": channels, "weight_density": weight_density,
            "act_density": act_density, "n_pe": n_pe, "sim": sim,
            "config": config_for_image(image).slug, "nnz": int(np.count_nonzero(idx)),
            "cycles_total": int(sum(cycles["cycles"])), "cycles_per_pixel": cycles["cycles"],
            "model_cycles_total": int(sum(cycles["model"])), "cpu_seconds": cpu,
            "eie_run_wall_seconds": wall}


def sim_speed(image: ModelImage, xs, sims=("verilator", "icarus", "amaranth"),
              build_root="build/bench", progress=None) -> dict:
    """Clock cycles per second of each simulator on the same core and inputs (the driver's
    load and runs included), and the wall time with the build."""
    from eie_gen.sim.rtl_run import run_amaranth, run_rtl  # noqa: PLC0415

    say = progress or (lambda msg: None)
    cfg = config_for_image(image)
    want, _ = run_golden(image, xs, warn=False)
    out = {"config": cfg.slug, "sims": {}}
    for sim in sims:
        say(f"simulator speed: {sim}")
        build = Path(build_root) / f"speed-{sim}"
        start = time.perf_counter()
        if sim == "amaranth":
            stats: dict = {}
            y, cycles = run_amaranth(image, cfg, np.asarray(xs), stats)
            simulated, run_s = stats["clock_cycles"], stats["seconds"]
        else:
            y, cycles = run_rtl(image, cfg, xs, sim, build)
            simulated, run_s = _cocotb_stats(build.resolve() / "results.xml")
        wall = time.perf_counter() - start
        out["sims"][sim] = {"rtl_cycles": list(cycles),
                            "bit_exact": bool(np.array_equal(np.asarray(y).reshape(want.shape),
                                                             want)),
                            "simulated_cycles": simulated,
                            "cycles_per_second": simulated / run_s if run_s else None,
                            "wall_seconds_with_build": wall}
    return out


CLOCK_NS = 10                 # the testbenches' clock period


def _cocotb_stats(results_xml: Path) -> tuple[int, float]:
    """(simulated cycles, wall seconds) of the cocotb run in ``results_xml``."""
    import xml.etree.ElementTree as ET  # noqa: PLC0415
    case = ET.parse(results_xml).getroot().find(".//testcase")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    return int(float(props["sim_time_duration"]) / CLOCK_NS), float(case.get("time"))
