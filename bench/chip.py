"""One LFE5U-85F: the largest core ``make synth`` placed and routed on the chip, and what runs
on it.

The core is the largest ECP5 ``eie_top`` of the last sweep (``docs/synthesis.json``) that
routed, at speed grade -6 (and its -8 Fmax where the sweep has it), with the sweep's
configuration (the 85F capacities). Against it:

* each paper layer: whether its weights fit the core's memories (the reason when not, from
  the same check ``eie run`` makes); if not, a *what-if*: its cycles on a core of the same PE
  count with memories large enough, at the same Fmax, labelled so and never the headline;
* the demo network (LeNet-300-100 on Fashion-MNIST, trained and compressed with
  ``configs/lenet-300-100.json`` for this core, as ``make demo`` does for 4 PEs): whether it
  fits, its cycles per image on the array cycle model (which equals the RTL's CYCLES on every
  regression) over test images, its time per image at the Fmax, and the CPU running the same
  compressed network (float32, batch 1: numpy dense, scipy CSR and CSC on the non-zero
  inputs) timed in the same run.
"""

from __future__ import annotations

import json
from itertools import cycle
from pathlib import Path

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.encode import coo_column_lengths
from eie_gen.errors import InputError
from eie_gen.golden.array_model import run_timing
from eie_gen.image import decode_weights
from eie_gen.placement import LayerNeeds, capacity_problem, check_fits

from eie_gen.bench.cpu import time_call
from eie_gen.bench.paper import SyntheticLayer, measure_layer

__all__ = ["chip_core", "paper_layer_on_chip", "network_cpu_seconds", "demo_on_chip"]

DEMO_RECIPE = "configs/lenet-300-100.json"
DEMO_TIMED_IMAGES = 1000


def chip_core(synthesis_json="docs/synthesis.json") -> dict | None:
    """The largest ECP5 eie_top of the sweep that routed at -6: ``n_pe``, ``config``, the
    Fmax at -6 and (where swept) -8, the seeds, the sweep's date and design hash; and the
    larger PE counts the sweep tried that did not route (with why)."""
    path = Path(synthesis_json)
    if not path.exists():
        return None
    sweep = json.loads(path.read_text())
    runs = [r for r in sweep.get("runs", []) if r.get("target") == "ecp5"]
    routed = [r for r in runs if r.get("speed") in (None, "6") and r.get("fmax_mhz")]
    if not routed:
        return None
    best = max(routed, key=lambda r: r["n_pe"])
    at8 = [r for r in runs if r.get("speed") == "8" and r.get("fmax_mhz")
           and r["key"]["config"] == best["key"]["config"]]
    larger = sorted({r["n_pe"] for r in runs if r["n_pe"] > best["n_pe"]})
    return {"n_pe": best["n_pe"], "config": best["key"]["config"],
            "device": best.get("device"), "fmax_mhz": best["fmax_mhz"],
            "fmax_mhz_8": at8[0]["fmax_mhz"] if at8 else None, "seeds": best.get("seeds"),
            "resources": best.get("resources") or {}, "date": sweep.get("date"),
            "design": best["key"].get("design"), "source": str(path),
            "not_routed": [{"n_pe": n, "why": next(
                (r.get("reason") or r.get("error") or "did not route"
                 for r in runs if r["n_pe"] == n), "did not route")} for n in larger]}


def paper_layer_on_chip(layer: SyntheticLayer, config: EIEConfig) -> dict:
    """Whether ``layer`` fits ``config`` (its entries counted with padding, as the encoder
    lays them out), and its cycles there or, if it does not fit, on a core of the same PE
    count with large enough memories (a what-if)."""
    lengths = coo_column_lengths(layer.rows, layer.cols, layer.shape, config.n_pe)
    needs = LayerNeeds(layer.shape[0], layer.shape[1], 0,
                       tuple(int(e) for e in lengths.sum(axis=1)))
    problem = capacity_problem([needs], config)
    timing = measure_layer(layer, config.n_pe, config.fifo_depth, config=config)
    return {"layer": layer.spec.name, "fits": problem is None, "why_not": problem,
            "entries_per_pe_max": max(needs.pe_entries), "layer_cycles": timing["layer_cycles"]}


def _float_layers(image) -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """The compressed network in float32 (decoded weights and biases times their scales),
    network order."""
    out = []
    for L, layer in enumerate(image.layers):
        w = decode_weights(image, L, network_order=True).astype(np.float32) * layer.w_scale
        b = np.asarray(layer.bias, dtype=np.float32) * float(image.act_scale[L + 1])
        if layer.row_order is not None:
            b = b[np.argsort(layer.row_order)]
        out.append((w, b, bool(layer.relu)))
    return out


def network_cpu_seconds(layers, xs) -> dict:
    """Seconds per input of the network ``layers`` ((W, b, relu), float32) at batch 1, cycling
    through the inputs ``xs``: numpy dense, scipy CSR, and scipy CSC on each layer's non-zero
    inputs. The three are checked against each other."""
    import scipy.sparse as sp  # noqa: PLC0415 (only the benchmarks need scipy)

    csr = [sp.csr_matrix(w) for w, _, _ in layers]
    csc = [sp.csc_matrix(w) for w, _, _ in layers]
    xs = np.asarray(xs, dtype=np.float32)

    def forward(x, kind):
        for (w, b, relu), s, c in zip(layers, csr, csc):
            if kind == "dense":
                x = w @ x + b
            elif kind == "csr":
                x = s @ x + b
            else:
                nz = np.flatnonzero(x)
                x = c[:, nz] @ x[nz] + b
            if relu:
                x = np.maximum(x, 0)
        return x

    for x in xs[:8]:
        ref = forward(x, "dense")
        for kind in ("csr", "csc_skip"):
            if not np.allclose(forward(x, kind), ref, rtol=1e-3, atol=1e-4):
                raise AssertionError(f"CPU kernel {kind} disagrees with the dense network")
    out = {}
    for kind in ("dense", "csr", "csc_skip"):
        inputs = cycle(xs)
        out[kind] = time_call(lambda kind=kind, inputs=inputs: forward(next(inputs), kind))
    return out


def demo_on_chip(config: EIEConfig, recipe_path=DEMO_RECIPE, n_images: int = DEMO_TIMED_IMAGES,
                 epochs: int = 15, progress=None) -> dict:
    """Train and compress the demo network for ``config`` (Fashion-MNIST, the demo's recipe),
    check that it fits, and measure its cycles per image and the CPU's time on it."""
    from eie_gen.compress.datasets import load_fashion_mnist  # noqa: PLC0415
    from eie_gen.compress.pipeline import Recipe, deep_compress, quantize_inputs  # noqa: PLC0415
    from eie_gen.compress.train import TrainOptions, init_mlp, train  # noqa: PLC0415
    say = progress or (lambda msg: None)
    data = load_fashion_mnist()
    say(f"demo network: training 784-300-100-10 ({epochs} epochs)")
    net = train(init_mlp([784, 300, 100, 10], 0), data.train_x, data.train_y,
                TrainOptions(epochs=epochs).check(), val=(data.val_x, data.val_y))
    say(f"demo network: Deep Compression for {config.n_pe} PEs ({recipe_path})")
    result = deep_compress(net, data, config, Recipe.load(recipe_path), progress=say)
    image = result.image
    out = {"recipe": str(recipe_path), "weights": int(sum(
        np.count_nonzero(decode_weights(image, L)) for L in range(image.n_layers))),
        "entries_per_pe_max": int(max(sum(int(layer.ptr[k, -1]) for layer in image.layers)
                                      for k in range(image.n_pe))),
        "test_accuracy": next((s["test"] for s in reversed(result.stages)
                               if s.get("test") is not None), None)}
    try:
        check_fits(image, config)
        out["fits"], out["why_not"] = True, None
    except InputError as e:
        out["fits"], out["why_not"] = False, str(e)
    xs = data.test_x[:n_images].reshape(min(n_images, len(data.test_x)), -1)
    xq = quantize_inputs(image, xs)
    say(f"demo network: cycles of {len(xq)} test images on the array model")
    cycles = np.array([run_timing(image, config, x).cycles for x in xq])
    out["images"] = int(len(xq))
    out["cycles_mean"], out["cycles_min"], out["cycles_max"] = (
        float(cycles.mean()), int(cycles.min()), int(cycles.max()))
    say("demo network: the CPU on the same network")
    out["cpu_seconds"] = network_cpu_seconds(_float_layers(image), xs[:256])
    return out
