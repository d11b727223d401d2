"""Deep Compression of a trained network with retraining (Han et al., ICLR 2016), driven by a
recipe: sensitivity analysis, optional L1 regularisation and DSD training, iterative magnitude
pruning with masked retraining, k-means weight sharing with centroid fine-tuning, activation
fixed-point calibration (PTQ) and optional quantization-aware fine-tuning (straight-through
estimator); knowledge distillation from the float model in every retraining step as an
option. The result is a model image (:func:`eie_gen.compress.deep.compress` with ``shared=``)."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import numpy as np

from eie_gen.compress.deep import CompressOptions, compress, kmeans_share, prune
from eie_gen.config import EIEConfig
from eie_gen.compress.datasets import Dataset
from eie_gen.errors import InputError
from eie_gen.golden.fixedpoint import to_fixed
from eie_gen.image import ModelImage
from eie_gen.golden.model import run_golden
from eie_gen.compress.train import Constraint, TrainOptions, accuracy, layers_f32, train

__all__ = ["Recipe", "CompressionResult", "sensitivity", "deep_compress", "quantize_inputs",
           "golden_predict", "SENSITIVITY_DENSITIES"]

SENSITIVITY_DENSITIES = (1.0, 0.5, 0.3, 0.2, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01)


@dataclass(frozen=True)
class Recipe:
    """How to compress (a JSON object with these keys; missing keys keep the defaults)."""

    density: tuple = (0.1,)        # kept fraction per layer (one value: every layer)
    prune_steps: int = 3           # iterative pruning: density target ** (s / steps)
    retrain_epochs: int = 2        # masked retraining after each pruning step
    kmeans_iters: int = 30
    finetune_epochs: int = 2       # centroid fine-tuning after weight sharing
    qat_epochs: int = 0            # quantization-aware fine-tuning (STE); 0 = PTQ only
    l1: float = 0.0                # L1 strength, for l1_epochs before pruning
    l1_epochs: int = 0
    dsd_epochs: int = 0            # DSD before pruning: sparse retrain, then re-dense retrain
    distill: float = 0.0           # weight of distillation from the float model (0..1)
    temperature: float = 4.0
    lr: float = 0.01               # retraining learning rate (cosine-decayed per phase)
    finetune_lr: float = 1e-4      # centroid learning rate (gradients are summed per centroid)
    batch: int = 128
    calib_images: int = 2000       # training images that set the activation fixed point
    sensitivity: tuple = SENSITIVITY_DENSITIES
    balance_rows: bool = False     # load-aware row assignment (compress/balance.py)
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict, where: str = "recipe") -> "Recipe":
        if not isinstance(data, dict):
            raise InputError(f"{where} must be a JSON object, not {type(data).__name__}")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InputError(f"{where}: unknown key {unknown[0]!r} (known: "
                             f"{', '.join(sorted(known))})")
        kw = {}
        for key, value in data.items():
            default = getattr(cls, key)
            if isinstance(default, tuple):
                value = [value] if isinstance(value, (int, float)) else value
                if not isinstance(value, list) or not all(
                        isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
                    raise InputError(f"{where}: {key} must be a number or a list of numbers")
                value = tuple(float(v) for v in value)
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise InputError(f"{where}: {key} must be true or false, not {value!r}")
            elif isinstance(default, float):
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise InputError(f"{where}: {key} must be a number, not {value!r}")
                value = float(value)
            elif isinstance(default, int):
                if not isinstance(value, int) or isinstance(value, bool):
                    raise InputError(f"{where}: {key} must be an integer, not {value!r}")
            kw[key] = value
        return cls(**kw).check()

    @classmethod
    def load(cls, path) -> "Recipe":
        try:
            data = json.loads(Path(path).read_text())
        except OSError as e:
            raise InputError(f"cannot read recipe {path}: {e.strerror}") from None
        except (ValueError, UnicodeDecodeError) as e:
            raise InputError(f"recipe {path} is not valid JSON: {e}") from None
        return cls.from_dict(data, str(path))

    def check(self) -> "Recipe":
        if not self.density or not all(0 < d <= 1 for d in self.density):
            raise InputError(f"density must be in (0, 1], not {list(self.density)}")
        if not self.sensitivity or not all(0 < d <= 1 for d in self.sensitivity):
            raise InputError("sensitivity densities must be in (0, 1]")
        for name in ("prune_steps", "kmeans_iters", "batch"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("retrain_epochs", "finetune_epochs", "qat_epochs", "l1_epochs",
                     "dsd_epochs", "calib_images"):
            if getattr(self, name) < 0:
                raise InputError(f"{name} must not be negative, not {getattr(self, name)}")
        if self.l1 < 0 or not 0 <= self.distill <= 1 or self.temperature <= 0 \
                or self.lr <= 0 or self.finetune_lr <= 0:
            raise InputError("l1 >= 0, 0 <= distill <= 1, temperature > 0 and learning "
                             "rates > 0 are required")
        if self.l1_epochs and not self.l1:
            raise InputError("l1_epochs is set but l1 is 0")
        return self

    def densities(self, n_layers: int) -> tuple:
        if len(self.density) == 1:
            return self.density * n_layers
        if len(self.density) != n_layers:
            raise InputError(f"the recipe gives {len(self.density)} densities for "
                             f"{n_layers} layers (give one or one per layer)")
        return self.density

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


@dataclass
class CompressionResult:
    image: ModelImage
    shared: list                   # per layer (centroids[15], index)
    stages: list                   # {"stage", "val", "test", "seconds"} per step
    sensitivity: list              # {"layer", "density", "val"} rows
    pruned_weights: list           # per layer: the non-zero weights before sharing
    recipe: Recipe

    def summary(self) -> dict:
        return {"recipe": self.recipe.to_json(), "stages": self.stages,
                "sensitivity": self.sensitivity}


def quantize_inputs(image: ModelImage, x: np.ndarray) -> np.ndarray:
    """Float inputs to the raw integers the core takes (the image's input fixed point)."""
    frac = int(round(-math.log2(float(image.act_scale[0]))))
    return to_fixed(x, frac, image.act_bits)


def golden_predict(image: ModelImage, x: np.ndarray, batch: int = 2000) -> tuple:
    """``(classes, raw outputs)`` of the bit-exact golden model for float inputs ``x``."""
    outs = [run_golden(image, quantize_inputs(image, x[i:i + batch]), warn=False)[0]
            for i in range(0, len(x), batch)]
    y = np.concatenate(outs) if outs else np.zeros((0, image.output_size), np.int64)
    return y.argmax(axis=1), y


def sensitivity(layers, data: Dataset, densities=SENSITIVITY_DENSITIES) -> list:
    """Validation accuracy with one layer pruned (no retraining) at each density."""
    rows = []
    for L, (w, b) in enumerate(layers):
        for d in densities:
            trial = list(layers)
            trial[L] = (prune(w, d).astype(np.float32) if d < 1 else w, b)
            rows.append({"layer": L, "density": float(d),
                         "val": accuracy(trial, data.val_x, data.val_y)})
    return rows


def _masks(layers) -> list:
    return [Constraint(mask=(w != 0).astype(np.float32)) for w, _ in layers]


def deep_compress(layers, data: Dataset, config: EIEConfig, recipe: Recipe,
                  progress=None) -> CompressionResult:
    """Run the recipe on float ``layers`` (list of ``(W, b)``) trained on ``data``."""
    say = progress or (lambda msg: None)
    recipe.check()
    float_net = layers_f32(layers)
    n = len(float_net)
    if float_net[0][0].shape[1] != data.n_inputs:
        raise InputError(f"the network takes {float_net[0][0].shape[1]} inputs, the data "
                         f"set has {data.n_inputs}")
    targets = recipe.densities(n)
    teacher = float_net if recipe.distill else None
    base = TrainOptions(batch=recipe.batch, lr=recipe.lr, distill=recipe.distill,
                        temperature=recipe.temperature, seed=recipe.seed)
    stages = []
    t_start = time.monotonic()

    def record(stage, net, cons=None):
        row = {"stage": stage,
               "val": accuracy(net, data.val_x, data.val_y, cons),
               "test": accuracy(net, data.test_x, data.test_y, cons),
               "density": [float(np.count_nonzero(w) / w.size) for w, _ in net],
               "seconds": round(time.monotonic() - t_start, 1)}
        stages.append(row)
        say(f"{stage}: validation {100 * row['val']:.2f}%, test {100 * row['test']:.2f}%, "
            f"density {', '.join(f'{100 * d:.1f}%' for d in row['density'])}")
        return row

    def fit(net, epochs, cons=None, what="retrain", **kw):
        if epochs == 0:
            return net
        opts = replace(base, epochs=epochs, **kw)
        return train(net, data.train_x, data.train_y, opts, constraints=cons,
                     teacher=teacher, progress=say, what=what)

    record("float", float_net)
    say("sensitivity: each layer pruned alone, no retraining")
    sens = sensitivity(float_net, data, recipe.sensitivity)
    net = float_net
    if recipe.l1_epochs:
        net = fit(net, recipe.l1_epochs, what="L1", l1=recipe.l1)
        record("L1 regularised", net)
    if recipe.dsd_epochs:
        sparse = [(prune(w, d).astype(np.float32), b) for (w, b), d in zip(net, targets)]
        sparse = fit(sparse, recipe.dsd_epochs, _masks(sparse), what="DSD sparse")
        record("DSD sparse", sparse)
        net = fit(sparse, recipe.dsd_epochs, what="DSD re-dense", lr=recipe.lr / 10)
        record("DSD re-dense", net)
    for s in range(1, recipe.prune_steps + 1):
        step = [d ** (s / recipe.prune_steps) for d in targets]
        net = [(prune(w, d).astype(np.float32), b) for (w, b), d in zip(net, step)]
        net = fit(net, recipe.retrain_epochs, _masks(net),
                  what=f"prune {s}/{recipe.prune_steps}")
        record(f"pruned {s}/{recipe.prune_steps}", net)
    pruned_weights = [w[w != 0].astype(np.float64) for w, _ in net]

    cons = []
    for w, _ in net:
        c, idx = kmeans_share(w.astype(np.float64), recipe.kmeans_iters)
        cons.append(Constraint(centroids=c, index=idx))
    record("shared (k-means)", net, cons)
    if recipe.finetune_epochs:
        net = fit(net, recipe.finetune_epochs, cons, what="centroid fine-tune",
                  lr=recipe.finetune_lr)
        record("centroids fine-tuned", net, cons)

    calib = data.train_x[:recipe.calib_images] if recipe.calib_images else None
    biases = [(w, b.astype(np.float64)) for w, b in net]

    def encode(cons):
        image, _ = compress(biases, config, CompressOptions(balance_rows=recipe.balance_rows),
                            calib=calib, seed=recipe.seed,
                            shared=[(c.centroids, c.index) for c in cons])
        return image

    image = encode(cons)
    if recipe.qat_epochs:
        for L, c in enumerate(cons):
            c.act_frac = int(round(-math.log2(float(image.act_scale[L]))))
            c.act_bits = config.act_bits
        net = fit(net, recipe.qat_epochs, cons, what="QAT", lr=recipe.finetune_lr)
        record("QAT fine-tuned", net, cons)
        for c in cons:
            c.act_frac = None
        image = encode(cons)
    shared = [(np.asarray(c.centroids, np.float64), c.index) for c in cons]
    pred, _ = golden_predict(image, data.val_x)
    test_pred, _ = golden_predict(image, data.test_x)
    row = {"stage": "fixed point (golden model)", "val": float((pred == data.val_y).mean()),
           "test": float((test_pred == data.test_y).mean()),
           "density": stages[-1]["density"], "seconds": round(time.monotonic() - t_start, 1)}
    stages.append(row)
    say(f"{row['stage']}: validation {100 * row['val']:.2f}%, test {100 * row['test']:.2f}%")
    return CompressionResult(image, shared, stages, sens, pruned_weights, recipe)
