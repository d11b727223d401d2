"""The end-to-end report of a compressed classifier: accuracy at every stage (float, pruned,
shared, fixed point on the golden model, the RTL), Deep Compression's size table, per-PE load
and cycles, the recipe and the targets (JSON and Markdown)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from eie_gen.compress.pipeline import quantize_inputs
from eie_gen.compress.plots import load_png
from eie_gen.errors import MismatchError
from eie_gen.fileio import atomic_write_bytes, atomic_write_text
from eie_gen.golden.mismatch import describe_mismatch, first_difference
from eie_gen.golden.model import run_dense, run_golden
from eie_gen.image import ModelImage

__all__ = ["evaluation_report", "evaluation_markdown", "cycle_summary", "golden_check",
           "rtl_check", "write_evaluation", "evaluation_title", "TARGET_COMPRESSION",
           "TARGET_LOSS"]

TARGET_COMPRESSION = 40.0      # Deep Compression's LeNet-300-100 ratio on MNIST
TARGET_LOSS = 0.5              # accuracy points lost against the float model, at most


def evaluation_report(*, model: dict, golden_test: float, n_test: int, float_test=None,
                      compress_summary=None, rtl=None, cycles=None) -> dict:
    """Assemble the report. ``model``: :func:`eie_gen.compress.report.image_report`; ``rtl``:
    the RTL check (``sim``, ``images``, ``equal_outputs``, ``equal_predictions``, ``accuracy``,
    ``first_mismatch``); ``cycles``: per-image RTL and array-model cycles with per-layer
    means."""
    loss = None if float_test is None else 100 * (float_test - golden_test)
    ratio = model["total"]["compression"]
    targets = {"compression": {"goal": f">= {TARGET_COMPRESSION:g}x", "value": ratio,
                               "reached": ratio >= TARGET_COMPRESSION}}
    if loss is not None:
        targets["accuracy_loss_points"] = {"goal": f"<= {TARGET_LOSS:g}", "value": loss,
                                           "reached": loss <= TARGET_LOSS}
    return {"accuracy": {"float_test": float_test, "golden_test": golden_test,
                         "test_images": n_test, "loss_points": loss},
            "stages": (compress_summary or {}).get("stages", []),
            "sensitivity": (compress_summary or {}).get("sensitivity", []),
            "recipe": (compress_summary or {}).get("recipe"),
            "model": model, "rtl": rtl, "cycles": cycles, "targets": targets}


def _pct(v):
    return "n/a" if v is None else f"{100 * v:.2f}%"


def evaluation_markdown(rep: dict, title: str, plots: dict) -> str:
    from eie_gen.compress.report import to_markdown as model_markdown  # noqa: PLC0415
    out = [f"# {title}\n"]
    acc = rep["accuracy"]
    out.append("## Accuracy\n")
    out.append("| stage | validation | test |\n|---|---|---|")
    for s in rep["stages"]:
        out.append(f"| {s['stage']} | {_pct(s['val'])} | {_pct(s['test'])} |")
    if not rep["stages"]:
        out.append(f"| float | | {_pct(acc['float_test'])} |")
    out.append(f"| **fixed point, golden model, whole test set ({acc['test_images']} images)** "
               f"| | **{_pct(acc['golden_test'])}** |")
    rtl = rep.get("rtl")
    if rtl:
        out.append(f"| RTL ({rtl['sim']}), first {rtl['images']} test images | | "
                   f"{_pct(rtl['accuracy'])} (golden on the same images: "
                   f"{_pct(rtl['golden_accuracy'])}) |")
    out.append("")
    if acc["loss_points"] is not None:
        out.append(f"Accuracy lost against the float model: **{acc['loss_points']:.2f} "
                   f"points** (test set).\n")
    out.append(f"The golden model's raw outputs equal the dense numpy reference (built from "
               f"the decoded image) on all {acc['test_images']} test images.\n")
    if rtl:
        verdict = ("equal on every image" if rtl["equal_outputs"] == rtl["images"]
                   else f"DIFFERENT: {rtl['first_mismatch']}")
        out.append(f"RTL against the golden model on {rtl['images']} images: raw outputs "
                   f"{verdict}; predictions equal on {rtl['equal_predictions']} of "
                   f"{rtl['images']}.\n")
    out.append("## Targets\n\n| target | goal | reached value | met |\n|---|---|---|---|")
    for name, t in rep["targets"].items():
        value = (f"{t['value']:.1f}× ({rep['model']['total']['compression_fixed_pointers']:.1f}× "
                 f"with the pointers at fixed width)" if name == "compression"
                 else f"{t['value']:.2f}")
        out.append(f"| {name.replace('_', ' ')} | {t['goal']} | {value} | "
                   f"{'yes' if t['reached'] else 'no'} |")
    out.append("")
    out.append("## Compression (Deep Compression's table, with EIE's storage)\n")
    body = model_markdown(rep["model"]).split("\n", 2)[2]       # drop the heading
    out.append(body)
    cyc = rep.get("cycles")
    if cyc:
        out.append("## Cycles and load per PE\n")
        out.append(f"Over the {cyc['images']} RTL images: {cyc['rtl_mean']:.0f} cycles per "
                   f"image on average (min {cyc['rtl_min']}, max {cyc['rtl_max']}); the array "
                   f"model predicted every image's count "
                   f"{'exactly' if cyc['model_equal'] == cyc['images'] else 'NOT exactly'} "
                   f"({cyc['model_equal']} of {cyc['images']}).\n")
        out.append("| layer | non-zero inputs (mean) | broadcast cycles (mean) | write-back "
                   "| load balance (busiest PE's entries / broadcast phase) |\n"
                   "|---|---|---|---|---|")
        for r in cyc["layers"]:
            out.append(f"| {r['layer']} | {r['broadcasts']:.1f} | {r['broadcast_cycles']:.1f} "
                       f"| {r['writeback_cycles']} | {r['load_balance']:.3f} |")
        out.append("")
    out.append("## Plots\n")
    for caption, name in plots.items():
        out.append(f"![{caption}]({name})\n")
    if rep.get("recipe"):
        out.append("## Recipe\n\n```json")
        out.append(json.dumps(rep["recipe"], indent=2))
        out.append("```\n")
    return "\n".join(out) + "\n"


def cycle_summary(timings: list, rtl_cycles: list) -> dict:
    """``timings``: :class:`eie_gen.golden.array_model.RunTiming` per image; ``rtl_cycles``: the
    core's CYCLES for the same images."""
    n_layers = len(timings[0].layers) if timings else 0
    layers = []
    for L in range(n_layers):
        lt = [t.layers[L] for t in timings]
        busy = sum(x.broadcast_cycles for x in lt)
        layers.append({"layer": L,
                       "broadcasts": float(np.mean([x.broadcasts for x in lt])),
                       "broadcast_cycles": float(np.mean([x.broadcast_cycles for x in lt])),
                       "writeback_cycles": int(lt[0].writeback_cycles),
                       "load_balance": (sum(x.ideal for x in lt) / busy) if busy else 1.0,
                       "cycles": float(np.mean([x.cycles for x in lt]))})
    predicted = [t.cycles for t in timings]
    return {"images": len(timings), "rtl": list(rtl_cycles), "model": predicted,
            "model_equal": int(sum(int(a == b) for a, b in zip(rtl_cycles, predicted))),
            "rtl_mean": float(np.mean(rtl_cycles)) if rtl_cycles else 0.0,
            "rtl_min": int(min(rtl_cycles)) if rtl_cycles else 0,
            "rtl_max": int(max(rtl_cycles)) if rtl_cycles else 0,
            "layers": layers}


def golden_check(image: ModelImage, dataset) -> tuple[np.ndarray, np.ndarray, float]:
    """The whole test set on the golden model, checked against the dense reference built
    from the decoded image: ``(raw inputs, golden outputs, test accuracy)``. Raises
    :class:`MismatchError` naming the first disagreement."""
    xq = quantize_inputs(image, dataset.test_x)             # the raw integers the core takes
    y_gold, _ = run_golden(image, xq, warn=False)
    dense = run_dense(image, xq)
    first = first_difference(y_gold, dense)
    if first is not None:
        n, i = first
        raise MismatchError("golden model and dense reference disagree: " + describe_mismatch(
            image, image.n_layers - 1, n, y_gold[n, i], dense[n, i], output=i,
            names=("golden", "dense")))
    return xq, y_gold, float((y_gold.argmax(axis=1) == dataset.test_y).mean())


def rtl_check(image: ModelImage, sim: str, y_rtl, y_gold, labels, config_slug: str) -> dict:
    """The RTL's outputs on the first ``len(y_rtl)`` test images against golden: counts of
    equal outputs and predictions, both accuracies, and the first mismatch (or None)."""
    y_rtl = np.asarray(y_rtl, dtype=np.int64).reshape(len(labels), image.output_size)
    y_gold = y_gold[:len(labels)]
    same = np.all(y_rtl == y_gold, axis=1)
    first = first_difference(y_rtl, y_gold)
    if first is not None:
        n, i = first
        first = describe_mismatch(image, image.n_layers - 1, n, y_rtl[n, i], y_gold[n, i],
                                  output=i)
    pred = y_gold.argmax(1)
    return {"sim": sim, "images": len(labels), "equal_outputs": int(same.sum()),
            "equal_predictions": int((y_rtl.argmax(1) == pred).sum()),
            "accuracy": float((y_rtl.argmax(1) == labels).mean()),
            "golden_accuracy": float((pred == labels).mean()),
            "first_mismatch": first, "config": config_slug}


def write_evaluation(out: Path, rep: dict, image: ModelImage, config_json: str, title: str):
    """``report.json``, ``report.md``, ``load.png`` and the accelerator's ``config.json`` in
    ``out``, the plots that ``eie compress --report-dir`` left there linked from the page."""
    plots = {"Work per PE": "load.png"}
    for caption, name in (("Pruning sensitivity", "sensitivity.png"),
                          ("Weights and shared values", "weights.png")):
        if (out / name).is_file():
            plots[caption] = name
    per_pe = [r["entries_per_pe"] for r in rep["model"]["layers"]]
    cycles = rep.get("cycles")
    atomic_write_bytes(out / "load.png", load_png(
        per_pe, {"layers": [r["cycles"] for r in cycles["layers"]]} if cycles else None))
    atomic_write_text(out / "report.json", json.dumps(rep, indent=2) + "\n")
    atomic_write_text(out / "config.json", config_json + "\n")   # for eie generate
    atomic_write_text(out / "report.md", evaluation_markdown(rep, title, plots))


def evaluation_title(image: ModelImage, data: str) -> str:
    sizes = [image.input_size] + [layer.rows for layer in image.layers]
    return f"{data}: {'-'.join(str(n) for n in sizes)} on {image.n_pe} PEs"
