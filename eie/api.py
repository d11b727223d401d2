"""The Python API behind the ``eie`` command: each function reads its inputs, calls the
golden model, hw, sim or synth, and writes its outputs atomically (all checks first)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import eie_gen
from eie_gen.compress.deep import CompressOptions, compress as _compress, random_network, \
    read_weights
from eie_gen.compress.report import image_report, to_json, to_markdown
from eie_gen.config import EIEConfig
from eie_gen.errors import InputError, MismatchError
from eie_gen.fileio import atomic_write_bytes, atomic_write_text, load_npy
from eie_gen.golden.mismatch import describe_mismatch, first_difference
from eie_gen.golden.model import first_mismatch, run_golden
from eie_gen.image import ModelImage, read_image, write_image
from eie_gen.placement import check_fits, config_for_image

__all__ = ["compress", "compress_network", "run", "run_model", "RunResult", "evaluate",
           "evaluate_model", "Evaluation", "report", "generate", "synth", "synth_sweep",
           "bench", "random_weights", "train", "random_input", "formal", "export", "regress",
           "SIMS", "MismatchError"]

SIMS = ("golden", "amaranth", "icarus", "verilator")


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def _npz_bytes(arrays: dict) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def compress(weights_path, out_path, config: EIEConfig, *, density=None, calib_path=None,
             kmeans_iters: int | None = None, seed: int = 0, data: str | None = None,
             data_dir=None, recipe_path=None, report_dir=None, balance_rows: bool | None = None,
             progress=None):
    """Compress ``weights_path`` (W0, b0, W1, ...) into a model image.

    Without ``data``: one-shot pruning to ``density``, weight sharing and encoding. With
    ``data="fashion-mnist"``: the Deep Compression pipeline with retraining
    (:mod:`eie_gen.compress.pipeline`), run as ``recipe_path`` (JSON) says, ``density`` and
    ``kmeans_iters`` overriding it; ``balance_rows`` (load-aware row assignment) overrides
    either when given; ``report_dir`` then receives ``compress.json``,
    ``sensitivity.csv``, ``sensitivity.png`` and ``weights.png``."""
    say = progress or (lambda msg: None)
    layers = read_weights(weights_path)
    say(f"read {len(layers)} layers: " + " -> ".join(
        [str(layers[0][0].shape[1])] + [str(w.shape[0]) for w, _ in layers]))
    if kmeans_iters is not None and kmeans_iters < 1:
        raise InputError(f"k-means iterations must be at least 1, not {kmeans_iters}")
    if data is not None:
        return _compress_with_data(layers, out_path, config, density=density,
                                   kmeans_iters=kmeans_iters, seed=seed, data=data,
                                   data_dir=data_dir, recipe_path=recipe_path,
                                   report_dir=report_dir, balance_rows=balance_rows, say=say)
    if recipe_path is not None or report_dir is not None:
        raise InputError("--recipe and --report-dir need --data (retraining needs a data set)")
    calib = load_npy(calib_path, "calibration array") if calib_path is not None else None
    image, notes = compress_network(layers, config, density=density, calib=calib,
                                    kmeans_iters=kmeans_iters, seed=seed,
                                    balance_rows=bool(balance_rows), progress=progress)
    write_image(image, out_path)
    return image, notes


def compress_network(layers, config: EIEConfig, *, density=None, calib=None,
                     kmeans_iters: int | None = None, seed: int = 0, balance_rows: bool = False,
                     progress=None) -> tuple[ModelImage, list]:
    """One-shot Deep Compression of float ``layers`` (``[(W, b), ...]``, ``W`` rows x cols):
    prune each layer to ``density`` (a fraction per layer; None keeps every non-zero), share
    its weights in a 16-entry codebook, fix the point from ``calib`` (float inputs, batch x
    inputs) and encode; ``balance_rows``: load-aware row assignment. Returns the image and
    per-layer notes (kept weights, fraction bits, shift).

    >>> image, notes = compress_network([(w0, b0), (w1, b1)], EIEConfig(n_pe=4),
    ...                                 density=(0.1, 0.25))          # doctest: +SKIP
    """
    say = progress or (lambda msg: None)
    if kmeans_iters is not None and kmeans_iters < 1:
        raise InputError(f"k-means iterations must be at least 1, not {kmeans_iters}")
    if calib is not None:
        calib = np.asarray(calib)
        if calib.dtype.kind not in "fiu":
            raise InputError(f"calibration data must be numeric, not {calib.dtype}")
    options = CompressOptions(density=None if density is None else tuple(density),
                              kmeans_iters=kmeans_iters or 30, balance_rows=balance_rows)
    image, notes = _compress(layers, config, options, calib=calib, seed=seed)
    for n in notes:
        say(f"layer {n['layer']}: kept {n['kept']} of {n['size']} weights "
            f"({100 * n['kept'] / n['size']:.1f}%), 15-entry codebook, "
            f"weight fraction bits {n['weight_frac_bits']}, shift {n['shift']}")
    return image, notes


DATASETS = ("fashion-mnist",)


def _load_data(data: str, data_dir):
    from eie_gen.compress.datasets import load_fashion_mnist  # noqa: PLC0415
    if data not in DATASETS:
        raise InputError(f"unknown data set {data!r}; choose one of {', '.join(DATASETS)}")
    return load_fashion_mnist(data_dir)


def _out_dir(path, create: bool = True) -> Path:
    """``path`` as an output directory (created unless ``create`` is false)."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a directory")
    if create:
        out.mkdir(parents=True, exist_ok=True)
    return out


def _check_parent(path) -> Path:
    """Fail before any work when ``path`` could not be written: its directory is missing."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"cannot write {path}: directory {parent} does not exist")
    return path


def _compress_with_data(layers, out_path, config, *, density, kmeans_iters, seed, data,
                        data_dir, recipe_path, report_dir, balance_rows, say):
    from dataclasses import replace  # noqa: PLC0415

    from eie_gen.compress.pipeline import Recipe, deep_compress  # noqa: PLC0415
    from eie_gen.compress.plots import sensitivity_png, weights_png  # noqa: PLC0415
    recipe = Recipe.load(recipe_path) if recipe_path else Recipe()
    overrides = {"seed": seed}
    if density is not None:
        overrides["density"] = tuple(density)
    if kmeans_iters is not None:
        overrides["kmeans_iters"] = kmeans_iters
    if balance_rows is not None:
        overrides["balance_rows"] = balance_rows
    recipe = replace(recipe, **overrides).check()
    recipe.densities(len(layers))                   # the count must match, before any work
    _check_parent(out_path)
    dataset = _load_data(data, data_dir)
    say(f"{data}: {len(dataset.train_y)} training, {len(dataset.val_y)} validation, "
        f"{len(dataset.test_y)} test images")
    result = deep_compress(layers, dataset, config, recipe, progress=say)
    if report_dir is not None:
        out = _out_dir(report_dir)
        csv = "layer,density,validation_accuracy\n" + "".join(
            f"{r['layer']},{r['density']},{r['val']:.4f}\n" for r in result.sensitivity)
        atomic_write_text(out / "sensitivity.csv", csv)
        atomic_write_bytes(out / "sensitivity.png", sensitivity_png(
            result.sensitivity, recipe.densities(len(layers))))
        atomic_write_bytes(out / "weights.png", weights_png(
            result.pruned_weights, [c for c, _ in result.shared]))
        atomic_write_text(out / "compress.json", json.dumps(result.summary(), indent=2) + "\n")
        say(f"wrote {out}/compress.json, sensitivity.csv, sensitivity.png, weights.png")
    write_image(result.image, out_path)
    return result.image, result.stages


def train(out_path, *, data: str = "fashion-mnist", data_dir=None, sizes=(784, 300, 100, 10),
          epochs: int = 15, lr: float = 0.05, batch: int = 128, seed: int = 0,
          progress=None) -> dict:
    """Train a float ReLU MLP (numpy) on ``data``; write ``W0, b0, ...`` to ``out_path``."""
    from eie_gen.compress.train import (  # noqa: PLC0415
        TrainOptions, accuracy, init_mlp, train as _train)
    say = progress or (lambda msg: None)
    opts = TrainOptions(epochs=epochs, lr=lr, batch=batch, seed=seed).check()
    if epochs < 1:
        raise InputError(f"epochs must be at least 1, not {epochs}")
    _check_parent(out_path)
    dataset = _load_data(data, data_dir)
    sizes = list(sizes)
    if sizes[0] != dataset.n_inputs or sizes[-1] != 10 or min(sizes) < 1:
        raise InputError(f"layer sizes must start with {dataset.n_inputs} (pixels) and end "
                         f"with 10 (classes), not {sizes}")
    say(f"training {'-'.join(map(str, sizes))} on {len(dataset.train_y)} {data} images "
        f"({epochs} epochs)")
    net = _train(init_mlp(sizes, seed), dataset.train_x, dataset.train_y, opts, progress=say,
                 val=(dataset.val_x, dataset.val_y))
    result = {"validation": accuracy(net, dataset.val_x, dataset.val_y),
              "test": accuracy(net, dataset.test_x, dataset.test_y)}
    arrays = {}
    for L, (w, b) in enumerate(net):
        arrays[f"W{L}"], arrays[f"b{L}"] = w, b
    atomic_write_bytes(out_path, _npz_bytes(arrays))
    return result


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate_model` measured: ``report`` (the dict of ``report.json``), the
    accelerator ``config`` the RTL ran on, and the first RTL mismatch (None when equal)."""
    report: dict
    config: EIEConfig
    mismatch: str | None


def evaluate_model(image: ModelImage, dataset, *, float_layers=None, rtl: int = 0,
                   sim: str = "verilator", config: EIEConfig | None = None,
                   compress_summary: dict | None = None, build_dir=None,
                   progress=None) -> Evaluation:
    """Accuracy of a compressed classifier on the whole test set of ``dataset`` (golden model,
    checked against the dense reference), of the float network ``float_layers``, and of the
    RTL on the first ``rtl`` test images (compared with golden bit for bit; cycles against
    the array model). Raises :class:`MismatchError` when golden and dense disagree; an RTL
    mismatch is returned in ``mismatch``, for the report to show it."""
    from eie_gen.compress.evaluation import (cycle_summary, evaluation_report,  # noqa: PLC0415
                                             golden_check, rtl_check)
    from eie_gen.compress.train import accuracy  # noqa: PLC0415
    from eie_gen.golden.array_model import run_timing  # noqa: PLC0415
    say = progress or (lambda msg: None)
    _check_rtl_options(sim, rtl)
    if rtl > len(dataset.test_y):
        raise InputError(f"the test set has {len(dataset.test_y)} images, not {rtl}")
    cfg = _config_for(image, config)
    say(f"golden model: {len(dataset.test_y)} test images")
    xq, y_gold, golden_acc = golden_check(image, dataset)
    say(f"golden model: test accuracy {100 * golden_acc:.2f}%")
    say(f"golden model equals the dense reference on all {len(xq)} test images")
    float_acc = None
    if float_layers is not None:
        float_acc = accuracy([(w.astype(np.float32), b.astype(np.float32))
                              for w, b in float_layers], dataset.test_x, dataset.test_y)
        say(f"float model: test accuracy {100 * float_acc:.2f}%")
    rtl_result = cycles = None
    if rtl:
        res = run_model(image, xq[:rtl], sim=sim, config=cfg, build_dir=build_dir,
                        progress=progress)
        rtl_result = rtl_check(image, sim, res.y, y_gold, dataset.test_y[:rtl], cfg.slug)
        say(f"{sim}: {rtl_result['equal_outputs']} of {rtl} images equal to golden bit for "
            f"bit, accuracy {100 * rtl_result['accuracy']:.2f}%")
        cycles = cycle_summary([run_timing(image, cfg, a) for a in xq[:rtl]], res.cycles)
    rep = evaluation_report(model=image_report(image), golden_test=golden_acc,
                            n_test=len(dataset.test_y), float_test=float_acc,
                            compress_summary=compress_summary, rtl=rtl_result, cycles=cycles)
    return Evaluation(rep, cfg, rtl_result["first_mismatch"] if rtl_result else None)


def evaluate(model_path, *, data: str = "fashion-mnist", data_dir=None, float_path=None,
             rtl: int = 0, sim: str = "verilator", config: EIEConfig | None = None,
             report_dir=None, progress=None) -> dict:
    """:func:`evaluate_model` on files: writes ``report.json``, ``report.md``, ``load.png``
    and the accelerator's ``config.json`` to ``report_dir`` (with ``compress.json`` from
    ``eie compress --report-dir`` folded in when it is there) and returns the report. Raises
    :class:`MismatchError` (after writing the report) when the RTL differs from golden."""
    from eie_gen.compress.evaluation import evaluation_title, write_evaluation  # noqa: PLC0415
    say = progress or (lambda msg: None)
    _check_rtl_options(sim, rtl)
    image = read_image(model_path)
    float_layers = read_weights(float_path) if float_path else None
    cfg = _config_for(image, config)                 # before the data set is loaded
    dataset = _load_data(data, data_dir)
    if image.input_size != dataset.n_inputs or image.output_size != 10:
        raise InputError(f"{model_path} maps {image.input_size} inputs to "
                         f"{image.output_size} outputs; {data} needs {dataset.n_inputs} to 10")
    out = _out_dir(report_dir) if report_dir else None
    summary = None
    if out is not None and (out / "compress.json").is_file():
        summary = json.loads((out / "compress.json").read_text())
    ev = evaluate_model(image, dataset, float_layers=float_layers, rtl=rtl, sim=sim,
                        config=cfg, compress_summary=summary, progress=progress)
    if out is not None:
        write_evaluation(out, ev.report, image, ev.config.to_json(),
                         evaluation_title(image, data))
        say(f"wrote {out}/report.md, report.json, load.png")
    if ev.mismatch:
        bad = rtl - ev.report["rtl"]["equal_outputs"]
        raise MismatchError(f"{sim} RTL and golden disagree on {bad} of {rtl} images; first: "
                            f"{ev.mismatch}")
    return ev.report


@dataclass(frozen=True)
class RunResult:
    """What :func:`run_model` returns: outputs ``y`` (int64, ``(batch, outputs)`` in the
    network's order), per input the ``cycles`` (the core's CYCLES, or the array model's for
    golden) and the array model's ``predicted`` cycles, the ``config`` it ran on."""
    y: np.ndarray
    cycles: list
    predicted: list
    config: EIEConfig
    sim: str


def _check_rtl_options(sim: str, rtl: int):
    if sim not in SIMS or sim == "golden":
        raise InputError(f"unknown RTL simulator {sim!r}; choose one of {', '.join(SIMS[1:])}")
    if rtl < 0:
        raise InputError(f"the RTL image count must not be negative, not {rtl}")


def _check_run_options(sim: str, backdoor: bool, waves, target: str = "generic"):
    from eie_gen.hw.targets import TARGETS  # noqa: PLC0415
    if sim not in SIMS:
        raise InputError(f"unknown simulator {sim!r}; choose one of {', '.join(SIMS)}")
    if target not in TARGETS:
        raise InputError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    if target != "generic" and sim not in ("icarus", "verilator"):
        raise InputError(f"--target {target} needs --sim icarus or verilator (the Amaranth "
                         f"simulator runs the generic netlist only)")
    if backdoor and sim not in ("icarus", "verilator"):
        raise InputError("--backdoor needs --sim icarus or verilator")
    if waves is not None and sim == "golden":
        raise InputError("--waves needs an RTL simulator: --sim amaranth, icarus or verilator")
    if waves is not None and Path(waves).exists() and not Path(waves).is_dir():
        raise InputError(f"--waves {waves}: not a directory")


def _config_for(image: ModelImage, config: EIEConfig | None) -> EIEConfig:
    """``config``, or the smallest accelerator that holds ``image``; checked to fit."""
    cfg = config or config_for_image(image)
    check_fits(image, cfg)
    return cfg


def run_model(image: ModelImage, x, *, sim: str = "golden", config: EIEConfig | None = None,
              check: bool = False, backdoor: bool = False, waves=None, build_dir=None,
              progress=None, target: str = "generic") -> RunResult:
    """Run ``image`` on raw integer inputs ``x`` (shape ``(n,)`` or ``(batch, n)``).

    Parameters
    ----------
    sim : golden (the bit-exact model; cycles from the array cycle model), or amaranth,
        icarus, verilator (the generated eie_top; cycles read from the core).
    config : the accelerator (default: the smallest that holds the image).
    check : first compare golden with the dense reference, and an RTL result with golden;
        raise :class:`MismatchError` naming layer, PE, row and input of the first difference.
    backdoor : write the PEs' memories straight into the simulator instead of through
        AXI4-Lite (icarus, verilator; large models).
    waves : a directory (RTL only) for the waveform (``eie_top.fst`` from Icarus,
        ``eie_top.vcd`` otherwise) and ``eie_top.gtkw``, signals grouped per PE.
    build_dir : where the simulator builds (default ``build/run/<sim>-<config>[-<target>]``).
    target : the netlist (icarus, verilator): generic, or ecp5 with its DP16KD instances and
        our simulation model of them (:mod:`eie_gen.hw.targets`).

    >>> res = run_model(image, x, sim="icarus", check=True)          # doctest: +SKIP
    >>> res.y, res.cycles
    """
    from eie_gen.golden.array_model import run_timing  # noqa: PLC0415
    from eie_gen.golden.model import check_input  # noqa: PLC0415
    _check_run_options(sim, backdoor, waves, target)
    xs = check_input(image, x)
    cfg = _config_for(image, config)
    if check:
        mismatch = first_mismatch(image, xs)
        if mismatch:
            raise MismatchError(f"golden model and dense reference disagree: {mismatch}")
    y_gold, _ = run_golden(image, xs)
    predicted = [run_timing(image, cfg, a).cycles for a in xs]
    if sim == "golden":
        return RunResult(y_gold, list(predicted), predicted, cfg, sim)
    from eie_gen.sim.rtl_run import run_rtl  # noqa: PLC0415 (Amaranth, cocotb)
    name = f"{sim}-{cfg.slug}" + ("" if target == "generic" else f"-{target}")
    build = Path(build_dir) if build_dir else Path("build") / "run" / name
    y, cycles = run_rtl(image, cfg, xs, sim, build, progress, backdoor=backdoor, waves=waves,
                        target=target)
    y = np.asarray(y, dtype=np.int64).reshape(y_gold.shape)
    first = first_difference(y, y_gold) if check else None
    if first is not None:
        n, i = first
        raise MismatchError(f"{sim} RTL and golden disagree: " + describe_mismatch(
            image, image.n_layers - 1, n, y[n, i], y_gold[n, i], output=i))
    return RunResult(y, list(cycles), predicted, cfg, sim)


def run(model_path, input_path, out_path, *, sim: str = "golden", check: bool = False,
        config: EIEConfig | None = None, cycles_path=None, backdoor: bool = False,
        progress=None, waves=None, target: str = "generic"):
    """:func:`run_model` on files: X from ``input_path`` (``.npy``), Y written to ``out_path``
    as int16 with X's leading shape; ``cycles_path``: also the cycles as JSON (with the
    simulator and the accelerator's configuration). Returns ``(y, cycles, predicted)``.

    >>> y, cycles, predicted = run("model.npz", "x.npy", "y.npy", sim="icarus",
    ...                            check=True, waves="build/waves")   # doctest: +SKIP
    """
    _check_run_options(sim, backdoor, waves, target)
    image = read_image(model_path)
    x = load_npy(input_path, "input")
    _check_parent(out_path)
    if cycles_path is not None:
        _check_parent(cycles_path)
    res = run_model(image, x, sim=sim, check=check, config=config, backdoor=backdoor,
                    waves=waves, progress=progress, target=target)
    y = res.y.reshape(np.asarray(x).shape[:-1] + (image.output_size,))
    atomic_write_bytes(out_path, _npy_bytes(y.astype(np.int16)))
    if cycles_path is not None:
        atomic_write_text(cycles_path, json.dumps(
            {"sim": sim, "target": target, "config": res.config.to_dict(),
             "cycles": [int(c) for c in res.cycles],
             "model": [int(c) for c in res.predicted]}, indent=1) + "\n")
    return y, res.cycles, res.predicted


def report(model_path, json_path=None, md_path=None) -> tuple[dict, str]:
    """The compression report of a model image (sizes raw -> pruned -> quantized -> Huffman,
    bits per weight, index and pointer overhead, padding, load balance per layer): ``(dict,
    Markdown)``, also written to ``json_path`` / ``md_path`` when given."""
    rep = image_report(read_image(model_path))
    md = to_markdown(rep)
    if json_path:
        atomic_write_text(json_path, to_json(rep))
    if md_path:
        atomic_write_text(md_path, md)
    return rep, md


def generate(config: EIEConfig, out_dir, top: str = "eie_top",
             target: str = "generic") -> list[Path]:
    """Write ``DIR/<top>.v`` for ``target`` and the resolved ``DIR/config.json``; a target
    that instantiates vendor primitives (ecp5: DP16KD) also gets our simulation models of them
    in ``DIR/sim_models/`` (for simulators only: synthesis tools have the real ones). For
    eie_top also what a project needs around it: the host port's ``address-map.md`` and
    ``eie_regs.h`` (C), the instance template ``eie_top_inst.vh``, the wrapper ``eie_axi.v``
    (AXI port names, active-low reset) and the FuseSoC core ``eie.core``
    (docs/integration.md). Returns the paths.

    >>> from eie_gen.config import EIEConfig
    >>> [p.name for p in generate(EIEConfig(n_pe=2), "build/rtl")]     # doctest: +SKIP
    ['eie_top.v', 'config.json', 'address-map.md', 'eie_regs.h', 'eie_top_inst.vh', 'eie_axi.v',
     'eie.core']
    """
    from eie_gen.hw.tops import to_verilog  # noqa: PLC0415 (Amaranth import is slow)
    from eie_gen.sim.runner import model_sources  # noqa: PLC0415
    text = to_verilog(top, config, target)     # fails before anything is written
    texts = {f"{top}.v": text, "config.json": config.to_json() + "\n"}
    texts.update({f"sim_models/{p.name}": p.read_text() for p in model_sources(target)})
    if top == "eie_top":
        from eie_gen.addrmap import to_c_header  # noqa: PLC0415
        from eie_gen.addrmap import to_markdown as map_markdown  # noqa: PLC0415
        from eie_gen.hw.integration import (  # noqa: PLC0415
            WRAPPER, axi_wrapper, fusesoc_core, instance_template)
        texts.update({"address-map.md": map_markdown(config), "eie_regs.h": to_c_header(config),
                      "eie_top_inst.vh": instance_template(config),
                      f"{WRAPPER}.v": axi_wrapper(config),
                      "eie.core": fusesoc_core(config, eie_gen.__version__)})
    out = _out_dir(out_dir)
    files = []
    for name, body in texts.items():
        files.append(out / name)
        files[-1].parent.mkdir(exist_ok=True)
        atomic_write_text(files[-1], body)
    return files


def export(model_path, out_path, config: EIEConfig | None = None) -> int:
    """Write the bus writes that load the model image at ``model_path`` into an eie_top of
    ``config`` (default: the smallest that holds it) as a C header ``static const uint32_t
    eie_model_writes[N][2]`` of (byte offset, word), and ``eie_model_writes_output[p]``, the
    network output that stored row ``p`` holds; for a host other than the Python driver
    (docs/integration.md). Returns N.

    >>> export("build/model.npz", "build/eie_model.h")              # doctest: +SKIP
    """
    from eie_gen.placement import host_writes, to_c_writes  # noqa: PLC0415
    image = read_image(model_path)
    _check_parent(out_path)
    cfg = config or config_for_image(image)
    writes = host_writes(image, cfg)
    atomic_write_text(out_path, to_c_writes(
        writes, "eie_model_writes", f"the model {Path(model_path).name} for eie_top ({cfg.slug})",
        image.output_size, image.output_order))
    return len(writes)


def synth(config: EIEConfig, target: str, out_path, *, top: str = "eie_top", seeds: int = 3,
          workdir=None, breakdown: bool = False, progress=None, generic: bool = False,
          speed: str | None = None, router: str | None = None,
          placer: str | None = None) -> dict:
    """Synthesize ``top`` (eie_top, or a unit: pe, codebook) for ``target`` (ecp5, ice40,
    xilinx) with Yosys, and place and route ecp5/ice40 with nextpnr over ``seeds``; write the
    report (``resources``: lut, ff, bram, dsp; ``fmax_mhz``: median over seeds; per-seed
    results; the device-fit check) to ``out_path`` as JSON and return it. ``breakdown``: also
    resources per unit from a synthesis that keeps the hierarchy (``report["breakdown"]``,
    and ``<out_path>.md`` with its table). The netlist is the target's (ecp5: with DP16KD
    instances), or the generic one with ``generic``; ``speed``: the ECP5 speed grade (6, the
    default, or 8); ``router``: nextpnr's (router1, its default, or router2); ``placer``:
    nextpnr's (heap, its default, or static). Work files go to ``workdir`` (default
    ``build/synth/...``)."""
    from eie_gen.synth.flow import synthesize  # noqa: PLC0415
    out_path = _check_parent(out_path)
    name = (f"{top}-{config.slug}-{target}" + ("-generic" if generic else "")
            + (f"-speed{speed}" if speed and str(speed) != "6" else "")
            + (f"-{router}" if router and router != "router1" else "")
            + (f"-{placer}" if placer and placer != "heap" else ""))
    workdir = workdir or Path("build") / "synth" / name
    rep = synthesize(top, config, target, workdir, seeds=seeds, breakdown=breakdown,
                     progress=progress, generic=generic, speed=speed, router=router,
                     placer=placer)
    atomic_write_text(out_path, json.dumps(rep, indent=2) + "\n")
    if breakdown:
        from eie_gen.synth.breakdown import to_markdown as table  # noqa: PLC0415
        atomic_write_text(out_path.with_suffix(".md"), (
            f"# {top} on {rep['device']}: resources per unit ({config.slug})\n\n"
            "Synthesized without flattening: each unit's own cells, per instance.\n\n"
            + table(rep["breakdown"])))
    return rep


def synth_sweep(out_dir, *, doc=None, targets=None, pes=None, seeds: int = 3,
                jobs: int | None = None, pnr_timeout: float | None = 1500.0, reuse: bool = True,
                progress=None, scheduler: str | None = None, speeds=None) -> dict:
    """Synthesize eie_top over PE counts, targets and ECP5 speed grades ``speeds`` (default
    6) (``eie_gen.synth.sweep``; on local processes,
    or on a Dask distributed cluster at ``scheduler``); write
    ``out_dir/results.json``, ``results.md`` and ``synthesis.png``, and with ``doc`` also that
    Markdown page with its plot beside it (``docs/synthesis.md`` + ``docs/synthesis.png``)."""
    from eie_gen.synth.flow import TARGETS  # noqa: PLC0415
    from eie_gen.synth.sweep import SWEEP_PES, plot, run_sweep, to_markdown  # noqa: PLC0415
    out = _out_dir(out_dir, create=False)
    doc = _check_parent(doc) if doc else None
    if jobs is not None and jobs < 1:
        raise InputError(f"jobs must be at least 1, not {jobs}")
    pes = tuple(pes or SWEEP_PES)
    if min(pes) < 1:
        raise InputError(f"PE counts must be positive, not {list(pes)}")
    if pnr_timeout is not None and pnr_timeout <= 0:
        raise InputError(f"the place-and-route timeout must be positive, not {pnr_timeout}")
    speeds = tuple(speeds or ("6",))
    result = run_sweep(out, targets=tuple(targets or TARGETS), pes=pes, seeds=seeds,
                       jobs=jobs, pnr_timeout=pnr_timeout, reuse=reuse, progress=progress,
                       scheduler=scheduler, speeds=speeds)
    plot(result, out / "synthesis.png")
    atomic_write_text(out / "results.md", to_markdown(result, "synthesis.png"))
    if doc is not None:
        png = doc.with_suffix(".png")
        atomic_write_bytes(png, (out / "synthesis.png").read_bytes())
        atomic_write_text(doc, to_markdown(result, png.name))
        # The numbers behind the page, for tools (make bench reads the measured ECP5 Fmax).
        atomic_write_text(doc.with_suffix(".json"), json.dumps(result, indent=1) + "\n")
    return result


def bench(out_dir, config: EIEConfig | None = None, *, seeds: int = 3, doc=None,
          doc_plots=None, sections=None, scale: float = 1.0, rtl_layers=None,
          render_only: bool = False, progress=None) -> dict:
    """``make bench``: see :mod:`eie_gen.bench.run`. ``config`` is the PE section's configuration.
    ``render_only``: write the page again from ``out_dir/results.json``."""
    from eie_gen.bench.paper import layer_by_name  # noqa: PLC0415
    from eie_gen.bench.run import (  # noqa: PLC0415 (Amaranth, simulators)
        SECTIONS, render, run_bench)
    out = _out_dir(out_dir, create=False)
    if render_only:
        try:
            return render(out, doc=_check_parent(doc) if doc else None, doc_plots=doc_plots)
        except FileNotFoundError as e:
            raise InputError(str(e)) from None
    if seeds < 1:
        raise InputError(f"seeds must be at least 1, not {seeds}")
    if not 0.0 < scale <= 1.0:
        raise InputError(f"scale must be in (0, 1], not {scale}")
    sections = tuple(sections) if sections else SECTIONS
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise InputError(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    rtl_layers = tuple(rtl_layers) if rtl_layers else ("Alex-8", "NT-We")
    for name in rtl_layers:
        try:
            layer_by_name(name)
        except KeyError as e:
            raise InputError(str(e.args[0])) from None
    if doc is not None:
        doc = _check_parent(doc)
    return run_bench(out, doc=doc, doc_plots=doc_plots, sections=sections, scale=scale,
                     rtl_layers=rtl_layers, seeds=seeds, pe_config=config, progress=progress)


def regress(out_dir, *, sims=("icarus", "verilator"), seeds=(1,), n_cases: int = 8,
            max_size: int = 64, jobs: int | None = None, scheduler: str | None = None,
            progress=None) -> dict:
    """The RTL regression grid (``eie_gen.sim.regress.run_grid``): every simulator, configuration
    and seed as an independent job, on local processes or a Dask cluster at ``scheduler``;
    ``out_dir/results.json`` and ``results.md``. Raises :class:`MismatchError` naming the
    failed regressions (after writing)."""
    from eie_gen.sim.regress import run_grid  # noqa: PLC0415 (Amaranth, cocotb)
    from eie_gen.sim.tools import SIMULATORS  # noqa: PLC0415
    bad = [s for s in sims if s not in SIMULATORS]
    if bad:
        raise InputError(f"unknown simulator {bad[0]!r}; choose from {', '.join(SIMULATORS)}")
    if n_cases < 1 or max_size < 1 or not seeds or (jobs is not None and jobs < 1):
        raise InputError("cases, size, jobs and the seed list must be positive")
    out = _out_dir(out_dir)
    res = run_grid(out, sims=tuple(sims), seeds=tuple(seeds), n_cases=n_cases,
                   max_size=max_size, jobs=jobs, scheduler=scheduler, progress=progress)
    failed = [f"{r['sim']} {r['config']} seed {r['seed']}" for r in res["runs"]
              if not r["passed"]]
    if failed:
        raise MismatchError(f"{len(failed)} regression(s) failed: {', '.join(failed[:4])} "
                            f"(problems, replays and waveforms in {out}/results.md)")
    return res


def formal(out_dir, names=None, progress=None) -> dict:
    """``make formal``: the proofs of :mod:`eie_gen.formal.proofs` (all, or ``names``); results in
    ``out_dir``. Raises :class:`MismatchError` naming the failed ones (after writing)."""
    from eie_gen.formal.proofs import PROOFS, run_proofs  # noqa: PLC0415 (Amaranth, SymbiYosys)
    from eie_gen.formal.run import FormalError  # noqa: PLC0415
    out = _out_dir(out_dir)
    unknown = [n for n in names or () if n not in PROOFS]
    if unknown:
        raise InputError(f"no proof {unknown[0]!r}; choose from {', '.join(PROOFS)}")
    try:
        res = run_proofs(out, names, progress)
    except FormalError as e:
        raise InputError(str(e)) from None
    failed = [r["name"] for r in res["proofs"] if not r["passed"]]
    if failed:
        raise MismatchError(f"proof failed: {', '.join(failed)} (counterexample traces and "
                            f"reasons in {out}/results.md)")
    return res


def random_weights(sizes, out_path, seed: int = 0) -> dict:
    if len(sizes) < 2 or min(sizes) < 1:
        raise InputError(f"need at least two positive layer sizes, not {list(sizes)}")
    weights = random_network(sizes, seed)
    atomic_write_bytes(out_path, _npz_bytes(weights))
    return weights


def random_input(model_path, out_path, *, batch: int = 1, density: float = 0.5,
                 seed: int = 0) -> np.ndarray:
    """Raw integer inputs for a model: reals uniform in [-1, 1] quantized with the model's
    input scale, with a fraction ``1 - density`` of activations set to zero."""
    if batch < 1:
        raise InputError(f"batch must be at least 1, not {batch}")
    if not 0.0 <= density <= 1.0:
        raise InputError(f"density must be in [0, 1], not {density}")
    image = read_image(model_path)
    rng = np.random.default_rng(seed)
    real = rng.uniform(-1, 1, size=(batch, image.input_size))
    real[rng.random(real.shape) >= density] = 0.0
    lo, hi = -(1 << (image.act_bits - 1)), (1 << (image.act_bits - 1)) - 1
    x = np.clip(np.floor(real / image.act_scale[0] + 0.5), lo, hi).astype(np.int16)
    atomic_write_bytes(out_path, _npy_bytes(x))
    return x
