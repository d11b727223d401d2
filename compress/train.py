"""Training of a ReLU MLP in numpy (float32): the float baseline and the retraining steps of
Deep Compression (masked retraining after pruning, centroid fine-tuning after weight sharing,
quantization-aware fine-tuning with the straight-through estimator), with L1 regularisation
and knowledge distillation from a teacher's softened outputs as options.

A network is a list of ``(W, b)``: ``W`` is rows x cols (outputs x inputs), ReLU after every
layer but the last, softmax cross-entropy on the last.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from eie_gen.errors import InputError

__all__ = ["TrainOptions", "Constraint", "init_mlp", "forward", "predict", "accuracy",
           "train", "fake_quant", "layers_f32"]


@dataclass(frozen=True)
class TrainOptions:
    epochs: int = 10
    batch: int = 128
    lr: float = 0.05               # SGD with momentum; cosine decay to 0 over the epochs
    momentum: float = 0.9
    weight_decay: float = 5e-5     # L2 on the weights (not biases)
    l1: float = 0.0                # L1 on the weights: drives small weights to zero before pruning
    distill: float = 0.0           # weight of the distillation term (0: labels only)
    temperature: float = 4.0       # softening of the teacher's and the student's logits
    seed: int = 0

    def check(self) -> "TrainOptions":
        if self.epochs < 0 or self.batch < 1:
            raise InputError(f"epochs must be >= 0 and batch >= 1, not {self.epochs}, "
                             f"{self.batch}")
        if not (self.lr > 0 and 0 <= self.momentum < 1 and self.weight_decay >= 0
                and self.l1 >= 0 and 0 <= self.distill <= 1 and self.temperature > 0):
            raise InputError("training options out of range: lr > 0, 0 <= momentum < 1, "
                             "weight_decay >= 0, l1 >= 0, 0 <= distill <= 1, temperature > 0")
        return self


@dataclass
class Constraint:
    """What retraining must keep per layer: a pruning ``mask`` (pruned weights stay zero), or
    shared weights (``centroids`` with per-weight ``index``, 0 = zero weight: only the
    centroids are trained, each with the sum of its weights' gradients), and optionally the
    fixed-point fraction bits ``act_frac`` of the layer's input for quantization-aware
    training (``act_bits`` wide)."""

    mask: np.ndarray | None = None
    centroids: np.ndarray | None = None      # 15 values (index 1..15)
    index: np.ndarray | None = None
    act_frac: int | None = None
    act_bits: int = 16

    def weights(self, w: np.ndarray) -> np.ndarray:
        if self.centroids is not None:
            return np.concatenate([[0.0], self.centroids]).astype(np.float32)[self.index]
        if self.mask is not None:
            return w * self.mask
        return w


def layers_f32(layers) -> list:
    return [(np.asarray(w, np.float32).copy(), np.asarray(b, np.float32).copy())
            for w, b in layers]


def init_mlp(sizes, seed: int = 0) -> list:
    """He-initialised ``sizes[0] -> sizes[1] -> ...`` network, biases zero."""
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, math.sqrt(2.0 / c), (r, c)).astype(np.float32),
             np.zeros(r, np.float32)) for c, r in zip(sizes[:-1], sizes[1:])]


def fake_quant(x: np.ndarray, frac: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` rounded to the fixed-point grid the hardware uses (round half up, saturate), and
    the straight-through mask: the gradient passes where ``x`` was inside the range."""
    scale = np.float32(2.0 ** frac)
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    q = np.floor(x * scale + np.float32(0.5))
    inside = (q >= lo) & (q <= hi)
    return (np.clip(q, lo, hi) / scale).astype(np.float32), inside


def forward(layers, x, constraints=None):
    """Logits, plus what backprop needs: each layer's (quantized) input and STE mask."""
    h = np.asarray(x, np.float32)
    saved = []
    n = len(layers)
    for L, (w, b) in enumerate(layers):
        c = constraints[L] if constraints else None
        inside = None
        if c is not None and c.act_frac is not None:
            h, inside = fake_quant(h, c.act_frac, c.act_bits)
        weff = c.weights(w) if c is not None else w
        z = h @ weff.T + b
        saved.append((h, inside, weff, z))
        h = np.maximum(z, 0) if L < n - 1 else z
    return h, saved


def predict(layers, x, constraints=None, batch: int = 4096) -> np.ndarray:
    out = [forward(layers, x[i:i + batch], constraints)[0].argmax(axis=1)
           for i in range(0, len(x), batch)]
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def accuracy(layers, x, y, constraints=None) -> float:
    return float((predict(layers, x, constraints) == y).mean()) if len(y) else 0.0


def _softmax(z, t=1.0):
    z = z / np.float32(t)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _backward(layers, saved, logits, y, opts: TrainOptions, teacher_logits):
    """Gradients ``[(dW, db)]`` of the mean loss (cross-entropy, plus distillation)."""
    bsz = len(y)
    p = _softmax(logits)
    p[np.arange(bsz), y] -= 1.0
    dz = p * np.float32((1.0 - opts.distill) / bsz)
    if opts.distill and teacher_logits is not None:
        t = opts.temperature
        # d/dz of T^2 * KL(softmax(teacher/T) || softmax(z/T)) = T * (q_T - p_T).
        dz += np.float32(opts.distill * t / bsz) * (_softmax(logits, t)
                                                    - _softmax(teacher_logits, t))
    grads = [None] * len(layers)
    for L in range(len(layers) - 1, -1, -1):
        h, inside, weff, _ = saved[L]
        grads[L] = (dz.T @ h, dz.sum(axis=0))
        if L:
            dh = dz @ weff
            dh *= saved[L - 1][3] > 0          # ReLU
            if inside is not None:
                dh *= inside                   # straight-through, zero where clipped
            dz = dh
    return grads


def train(layers, x, y, opts: TrainOptions, constraints=None, teacher=None, progress=None,
          val=None, what: str = "train") -> list:
    """Train ``layers`` (copied) on ``(x, y)`` with SGD + momentum; returns the new layers.

    ``constraints`` (one :class:`Constraint` or None per layer) keep pruned weights at zero
    or train shared centroids; ``teacher`` (layers) adds distillation when
    ``opts.distill > 0``. ``progress`` gets one line per epoch (loss, validation accuracy
    when ``val = (x, y)`` is given).
    """
    opts.check()
    say = progress or (lambda msg: None)
    layers = layers_f32(layers)
    cons = list(constraints) if constraints else [None] * len(layers)
    for L, c in enumerate(cons):
        if c is not None and c.mask is not None:
            layers[L] = (layers[L][0] * c.mask, layers[L][1])
    rng = np.random.default_rng(opts.seed)
    vel = [(np.zeros_like(w), np.zeros_like(b)) for w, b in layers]
    cvel = [np.zeros(15, np.float64) if c is not None and c.centroids is not None else None
            for c in cons]
    steps_per_epoch = max(1, math.ceil(len(y) / opts.batch))
    total = max(1, opts.epochs * steps_per_epoch)
    step = 0
    for epoch in range(opts.epochs):
        t0 = time.monotonic()
        order = rng.permutation(len(y))
        loss_sum, seen = 0.0, 0
        for s in range(steps_per_epoch):
            idx = order[s * opts.batch:(s + 1) * opts.batch]
            if not len(idx):
                continue
            xb, yb = x[idx], y[idx]
            logits, saved = forward(layers, xb, cons)
            t_logits = (forward(teacher, xb)[0]
                        if teacher is not None and opts.distill else None)
            prob = _softmax(logits)
            loss_sum += float(-np.log(prob[np.arange(len(yb)), yb] + 1e-12).sum())
            seen += len(yb)
            grads = _backward(layers, saved, logits, yb, opts, t_logits)
            lr = np.float32(opts.lr * 0.5 * (1 + math.cos(math.pi * step / total)))
            step += 1
            for L, ((w, b), (dw, db)) in enumerate(zip(layers, grads)):
                c = cons[L]
                if c is not None and c.centroids is not None:
                    # Shared weights: each centroid moves by the sum of its weights' gradients.
                    g = np.bincount(c.index.ravel(), weights=dw.ravel(), minlength=16)[1:]
                    cvel[L] = opts.momentum * cvel[L] - float(lr) * g
                    c.centroids = c.centroids + cvel[L]
                    vw = None
                else:
                    dw = dw + np.float32(opts.weight_decay) * w
                    if opts.l1:
                        dw += np.float32(opts.l1) * np.sign(w)
                    if c is not None and c.mask is not None:
                        dw *= c.mask
                    vw = opts.momentum * vel[L][0] - lr * dw
                vb = opts.momentum * vel[L][1] - lr * db
                vel[L] = (vw if vw is not None else vel[L][0], vb)
                layers[L] = (w + vw if vw is not None else w, b + vb)
        msg = (f"{what}: epoch {epoch + 1}/{opts.epochs}, loss {loss_sum / max(seen, 1):.4f}, "
               f"{time.monotonic() - t0:.1f} s")
        if val is not None:
            msg += f", validation accuracy {100 * accuracy(layers, val[0], val[1], cons):.2f}%"
        say(f"{msg} [{epoch + 1}/{opts.epochs}]")
    # Hand back plain weights: masked or decoded from the trained centroids.
    return [(c.weights(w) if c is not None else w, b) for (w, b), c in zip(layers, cons)]
