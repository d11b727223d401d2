"""Deep Compression of a float network into a model image (SPEC §2).

Steps per layer: magnitude pruning to a target density, k-means weight sharing (linear
initialisation, 15 centroids plus the reserved 0), fixed-point choice for weights and
activations from calibration data (min/max post-training quantization), then the encoder.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from eie_gen.rows import permute_layer
from eie_gen.compress.balance import balanced_row_order
from eie_gen.config import EIEConfig
from eie_gen.encode import encode_layer
from eie_gen.errors import InputError
from eie_gen.fileio import load_npz
from eie_gen.golden.fixedpoint import to_fixed
from eie_gen.image import Layer, ModelImage, validate_image

__all__ = ["prune", "kmeans_share", "read_weights", "compress", "CompressOptions",
           "random_network", "frac_bits_for"]

N_CENTROIDS = 15   # codebook index 0 is reserved for zero / padding


def prune(w: np.ndarray, density: float) -> np.ndarray:
    """Keep the ``round(density * w.size)`` largest-magnitude weights; zero the rest.

    Ties are broken by position (stable), so the result is deterministic.
    """
    if not 0.0 < density <= 1.0:
        raise InputError(f"density must be in (0, 1], not {density}")
    keep = int(round(density * w.size))
    flat = np.abs(w).ravel()
    mask = np.zeros(w.size, dtype=bool)
    if keep:
        order = np.argsort(-flat, kind="stable")
        mask[order[:keep]] = True
    mask &= flat != 0
    return np.where(mask.reshape(w.shape), w, 0.0)


def kmeans_share(w: np.ndarray, iters: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Cluster the non-zero weights of ``w`` into 15 shared values.

    Linear initialisation over [min, max] of the non-zero weights (Deep Compression's best
    choice), then Lloyd iterations in 1-D. Returns ``(centroids[15], indices)`` where
    ``indices`` has ``w``'s shape, 0 for zero weights and 1..15 otherwise. An empty cluster
    keeps its centroid.
    """
    nz = w != 0
    values = w[nz]
    idx = np.zeros(w.shape, dtype=np.int64)
    if values.size == 0:
        return np.zeros(N_CENTROIDS), idx
    c = np.linspace(values.min(), values.max(), N_CENTROIDS)
    for _ in range(iters):
        mid = (c[1:] + c[:-1]) / 2             # centroids stay sorted in 1-D k-means
        assign = np.searchsorted(mid, values)
        sums = np.bincount(assign, weights=values, minlength=N_CENTROIDS)
        counts = np.bincount(assign, minlength=N_CENTROIDS)
        new = np.where(counts > 0, sums / np.maximum(counts, 1), c)
        if np.allclose(new, c, rtol=0, atol=1e-12):
            break
        c = new
    assign = np.searchsorted((c[1:] + c[:-1]) / 2, values)
    idx[nz] = assign + 1
    return c, idx


def frac_bits_for(max_abs: float, bits: int) -> int:
    """Most fractional bits such that ``max_abs`` still fits a signed ``bits``-bit integer."""
    if max_abs <= 0 or not math.isfinite(max_abs):
        return bits - 1
    return int(math.floor(math.log2(((1 << (bits - 1)) - 1) / max_abs)))


def read_weights(path) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read ``W0, b0, W1, b1, ...`` (float arrays, ``W_L`` rows x cols) from an ``.npz``.

    A missing ``b_L`` means zero bias. Shapes must chain: ``W_{L+1}`` has ``W_L``'s rows as
    columns.
    """
    arrays = load_npz(path, "weights file")
    if "W0" not in arrays:
        raise InputError(f"{path} has no 'W0' (expected float arrays W0, b0, W1, b1, ...)")
    layers = []
    L = 0
    while f"W{L}" in arrays:
        w = arrays[f"W{L}"]
        if w.dtype.kind not in "fiu" or w.ndim != 2 or 0 in w.shape:
            raise InputError(f"W{L} must be a non-empty 2-D numeric array, "
                             f"not {w.dtype} of shape {w.shape}")
        b = arrays.get(f"b{L}", np.zeros(w.shape[0]))
        if b.dtype.kind not in "fiu" or b.shape != (w.shape[0],):
            raise InputError(f"b{L} must be {w.shape[0]} numbers (W{L} has {w.shape[0]} rows), "
                             f"not {b.dtype} of shape {b.shape}")
        w, b = w.astype(np.float64), b.astype(np.float64)
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise InputError(f"W{L} or b{L} holds NaN or infinity")
        if layers and w.shape[1] != layers[-1][0].shape[0]:
            raise InputError(f"W{L} has {w.shape[1]} columns but W{L - 1} has "
                             f"{layers[-1][0].shape[0]} rows")
        layers.append((w, b))
        L += 1
    extra = sorted(k for k in arrays if k[:1] in "Wb" and k[1:].isdigit() and int(k[1:]) >= L)
    if extra:
        raise InputError(f"{path}: {extra[0]} has no W{L} before it (layers must be numbered "
                         f"0, 1, 2, ... without gaps)")
    return layers


@dataclass(frozen=True)
class CompressOptions:
    density: tuple[float, ...] | None = None   # per layer, or one value for all; None keeps all
    kmeans_iters: int = 30
    relu_last: bool = False                    # hidden layers always use ReLU
    balance_rows: bool = False                 # load-aware row assignment (compress/balance.py)


def _forward_float(layers, x):
    """Float forward pass; returns the input of every layer and the output."""
    acts = [x]
    for L, (w, b) in enumerate(layers):
        x = x @ w.T + b
        if L < len(layers) - 1:
            x = np.maximum(x, 0)
        acts.append(x)
    return acts


def compress(layers, config: EIEConfig, options: CompressOptions = CompressOptions(),
             calib: np.ndarray | None = None, seed: int = 0,
             shared=None) -> tuple[ModelImage, list[dict]]:
    """Prune, share, quantize and encode a float network for ``config``.

    ``calib``: float inputs (batch x cols of W0) whose ranges set the activation fixed point.
    Without it, 256 inputs uniform in [-1, 1] are used. ``shared``: per layer ``(centroids[15],
    index)`` already pruned and shared (and fine-tuned) by :mod:`eie_gen.compress.pipeline`; then
    ``layers`` only supply the biases and ``options.density`` is not used. Returns the image
    and per-layer notes.
    """
    n = len(layers)
    dens = options.density
    if dens is None:
        dens = (1.0,) * n
    elif len(dens) == 1:
        dens = tuple(dens) * n
    elif len(dens) != n:
        raise InputError(f"got {len(dens)} densities for {n} layers (give one or one per layer)")
    for d in dens:
        if not 0.0 < d <= 1.0:
            raise InputError(f"density must be in (0, 1], not {d}")
    if calib is None:
        calib = np.random.default_rng(seed).uniform(-1, 1, size=(256, layers[0][0].shape[1]))
    calib = np.asarray(calib, dtype=np.float64)
    if calib.ndim != 2 or calib.shape[1] != layers[0][0].shape[1]:
        raise InputError(f"calibration data must have shape (batch, {layers[0][0].shape[1]}), "
                         f"not {calib.shape}")

    given = shared
    shared, notes = [], []
    for L, (w, b) in enumerate(layers):
        if given is not None:
            centroids, idx = (np.asarray(a) for a in given[L])
            if centroids.shape != (N_CENTROIDS,) or idx.shape != w.shape \
                    or idx.min() < 0 or idx.max() > N_CENTROIDS:
                raise InputError(f"layer {L}: shared weights must be {N_CENTROIDS} centroids "
                                 f"and indices 0..{N_CENTROIDS} of shape {w.shape}")
            centroids = centroids.astype(np.float64)
            idx = idx.astype(np.int64)
        else:
            pruned = prune(w, dens[L]) if dens[L] < 1.0 else w
            centroids, idx = kmeans_share(pruned, options.kmeans_iters)
        shared.append((centroids, idx, np.asarray(b, np.float64)))
        notes.append({"layer": L, "density_target": dens[L] if given is None else None,
                      "kept": int(np.count_nonzero(idx)), "size": int(w.size)})

    # Calibrate on the network as it will run (shared weights), layer input by layer input.
    float_net = [(np.concatenate([[0.0], c])[idx], b) for c, idx, b in shared]
    acts = _forward_float(float_net, calib)
    act_frac = [frac_bits_for(float(np.abs(a).max()) if a.size else 0.0, config.act_bits)
                for a in acts]

    out_layers = []
    prev_order = None
    for L, (c, idx, b) in enumerate(shared):
        wf = frac_bits_for(float(np.abs(c).max()), config.weight_bits)
        f_in, f_out = act_frac[L], act_frac[L + 1]
        # Wrapping is modular, so only a row's final sum must fit the accumulator. Keep the
        # calibrated pre-activations (bias included) below half the accumulator range.
        pre = np.abs(acts[L] @ float_net[L][0].T + b).max() if acts[L].size else 0.0
        if pre > 0:
            wf = min(wf, frac_bits_for(2.0 * pre, config.acc_bits) - f_in)
        shift = f_in + wf - f_out
        if shift > 31:                            # too fine a weight grid for the shifter
            wf -= shift - 31
            shift = 31
        if shift < 0:                             # output finer than input x weight: coarsen
            f_out += shift
            act_frac[L + 1] = f_out
            shift = 0
        codebook = np.concatenate([[0], to_fixed(c, wf, config.weight_bits)])
        bias = to_fixed(b, f_out, config.act_bits)
        order = None
        if options.balance_rows:
            # Weighted by how often each input is non-zero on the calibration data: only
            # non-zero inputs are broadcast.
            busy = (acts[L] != 0).mean(axis=0) if len(acts[L]) else None
            order = balanced_row_order(idx, config.n_pe, busy)
        idx, bias = permute_layer(idx, bias, order, prev_order)
        prev_order = order
        ptr, entries, offsets = encode_layer(idx, config.n_pe)
        out_layers.append(Layer(
            shape=idx.shape, codebook=codebook, w_scale=2.0 ** -wf, shift=shift,
            relu=(L < n - 1) or options.relu_last, bias=bias, ptr=ptr, entries=entries,
            entry_offsets=offsets, row_order=order))
        notes[L].update(weight_frac_bits=wf, shift=shift)
    image = ModelImage(n_pe=config.n_pe, entries_per_word=config.entries_per_word,
                       act_scale=np.array([2.0 ** -f for f in act_frac]), layers=out_layers,
                       act_bits=config.act_bits, weight_bits=config.weight_bits,
                       acc_bits=config.acc_bits)
    validate_image(image)
    return image, notes


def random_network(sizes, seed: int = 0) -> dict[str, np.ndarray]:
    """A random float MLP ``sizes[0] -> sizes[1] -> ...`` (He-scaled), as a weights dict."""
    rng = np.random.default_rng(seed)
    out = {}
    for L, (cols, rows) in enumerate(zip(sizes[:-1], sizes[1:])):
        out[f"W{L}"] = rng.normal(0, math.sqrt(2.0 / cols), size=(rows, cols))
        out[f"b{L}"] = rng.normal(0, 0.05, size=rows)
    return out
