"""The bit-exact functional model of EIE (SPEC §3) and a plain dense reference.

:func:`run_golden` walks the interleaved CSC the way the PEs do: for each non-zero input
activation, each PE walks its column's entries, advancing the running row by ``z + 1`` and
accumulating ``codebook[v] * a_j`` into its local row (padding adds nothing). It also returns the
per-PE work that drives the cycle model. :func:`run_dense` decodes the image to dense integer
matrices and computes ``W @ a``: a second, independent route to the same integers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from eie_gen.rows import to_network_order
from eie_gen.encode import column_lengths, entry_fields
from eie_gen.errors import InputError
from eie_gen.golden.fixedpoint import wrap, writeback
from eie_gen.golden.mismatch import describe_mismatch
from eie_gen.image import ModelImage, decode_weights

__all__ = ["run_golden", "run_dense", "layer_inputs", "check_input", "first_mismatch",
           "LayerTrace", "AccumulatorWrapWarning", "worst_case_acc_bits"]


class AccumulatorWrapWarning(UserWarning):
    """A layer's accumulator can wrap for some input; widen ``acc_bits`` to be safe."""


@dataclass
class LayerTrace:
    """What one layer did for one input: the cycle model's inputs and outputs."""

    nonzero_inputs: int        # activations broadcast
    pe_entries: np.ndarray     # entries (padding included) each PE processed
    cycles: int                # ideal-model cycles (see :func:`ideal_cycles`)


def ideal_cycles(nonzero_inputs: int, pe_entries: np.ndarray) -> int:
    """Cycles with one broadcast per cycle, one entry per PE per cycle and unbounded queues.

    A lower bound the array can reach only with perfect overlap; pipeline fill, queue stalls
    and word-boundary bubbles are added by the PE and array cycle models (issues 3 and 4).
    """
    return int(max(nonzero_inputs, int(pe_entries.max()) if pe_entries.size else 0))


def check_input(image: ModelImage, x) -> np.ndarray:
    """Validate raw integer activations: shape ``(n,)`` or ``(batch, n)``, integer dtype,
    values within ``act_bits``. Returns an int64 2-D array."""
    arr = np.asarray(x)
    n = image.input_size
    if arr.dtype.kind not in "iu":
        raise InputError(f"input must hold integers (raw activations), not {arr.dtype}")
    if arr.ndim not in (1, 2) or arr.shape[-1] != n:
        raise InputError(f"input must have shape ({n},) or (batch, {n}), not {arr.shape}")
    lo, hi = -(1 << (image.act_bits - 1)), (1 << (image.act_bits - 1)) - 1
    if arr.size and (arr.min() < lo or arr.max() > hi):
        raise InputError(f"input values must fit {image.act_bits}-bit activations "
                         f"[{lo}, {hi}]; found {arr.min()}..{arr.max()}")
    return arr.astype(np.int64).reshape(-1, n)


def worst_case_acc_bits(image: ModelImage, L: int) -> int:
    """Signed width any accumulation of layer ``L`` needs for the worst input in act range."""
    layer = image.layers[L]
    w = np.abs(decode_weights(image, L))
    amax = 1 << (image.act_bits - 1)
    bound = np.abs(np.asarray(layer.bias, dtype=np.int64) << layer.shift) + w.sum(axis=1) * amax
    return int(bound.max()).bit_length() + 1 if bound.size else 1


def _warn_wrap(image: ModelImage) -> None:
    for L in range(image.n_layers):
        need = worst_case_acc_bits(image, L)
        if need > image.acc_bits:
            warnings.warn(
                f"layer {L}: an accumulator can need {need} bits for some input but acc_bits "
                f"is {image.acc_bits}; sums may wrap (widen acc_bits to be safe)",
                AccumulatorWrapWarning, stacklevel=3)


def _walk_matrix(image: ModelImage, L: int) -> np.ndarray:
    """Layer ``L``'s integer weights as the PEs' walk finds them: per PE, each column's entries
    advance a running row by ``z + 1`` (restarted per column) and carry ``codebook[v]``;
    padding (``v == 0``) advances the row and adds nothing. Vectorised over all entries; it
    does not use :func:`~eie_gen.image.decode_weights`, so the dense reference stays a second
    route to the same integers."""
    layer = image.layers[L]
    n_pe = image.n_pe
    cb = np.asarray(layer.codebook, dtype=np.int64)
    w = np.zeros((layer.rows, layer.cols), dtype=np.int64)
    lengths = column_lengths(layer.ptr)
    for k in range(n_pe):
        v, z = entry_fields(layer.pe_entries(k))
        ptr = np.asarray(layer.ptr[k], dtype=np.int64)
        col = np.repeat(np.arange(layer.cols), lengths[k])          # each entry's column
        walked = slice(ptr[0], ptr[0] + len(col))                   # the entries columns own
        steps = np.concatenate([[0], np.cumsum(z + 1)])
        local = steps[walked.start + 1:walked.stop + 1] - steps[ptr[col]] - 1
        vk = v[walked]
        hit = vk != 0
        # Rows within a column are distinct, so every (row, col) is written once.
        w[local[hit] * n_pe + k, col[hit]] = cb[vk[hit]]
    return w


def _layers_golden(image: ModelImage, L: int, w: np.ndarray, a: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Layer ``L`` on a batch ``a`` (batch, cols): outputs, non-zero inputs per item, and
    entries (padding included) each PE walks per item."""
    layer = image.layers[L]
    acc = (np.asarray(layer.bias, dtype=np.int64) << layer.shift)[None, :] + a @ w.T
    # Wrapping at each add or once at the end is the same modulo 2**acc_bits; int64 holds
    # the exact sum (|w|, |a| < 2**15, far fewer than 2**33 terms).
    acc = wrap(acc, image.acc_bits)
    y = writeback(acc, layer.shift, layer.relu, image.act_bits)
    nz = a != 0                                    # only non-zero activations are broadcast
    work = nz.astype(np.int64) @ column_lengths(layer.ptr).T      # (batch, n_pe)
    return y, nz.sum(axis=1), work


def _layer_golden(image: ModelImage, L: int, a: np.ndarray, w: np.ndarray | None = None
                  ) -> tuple[np.ndarray, LayerTrace]:
    w = _walk_matrix(image, L) if w is None else w
    y, n_nz, work = _layers_golden(image, L, w, np.asarray(a, dtype=np.int64)[None, :])
    return y[0], LayerTrace(int(n_nz[0]), work[0], ideal_cycles(int(n_nz[0]), work[0]))


def run_golden(image: ModelImage, x, *, warn: bool = True):
    """Run the network on raw integer inputs ``x`` (``(n,)`` or ``(batch, n)``).

    Returns ``(y, traces)``: ``y`` int64 with ``x``'s leading shape, and for each input a list
    of :class:`LayerTrace`, one per layer. The whole batch goes through each layer at once.
    """
    xs = check_input(image, x)
    if warn:
        _warn_wrap(image)
    a = xs
    per_layer = []
    for L in range(image.n_layers):
        a, n_nz, work = _layers_golden(image, L, _walk_matrix(image, L), a)
        per_layer.append((n_nz, work))
    traces = [[LayerTrace(int(n_nz[b]), work[b], ideal_cycles(int(n_nz[b]), work[b]))
               for n_nz, work in per_layer] for b in range(len(xs))]
    y = a if len(xs) else np.zeros((0, image.output_size), dtype=np.int64)
    y = to_network_order(y, image.output_order)
    return (y[0] if np.asarray(x).ndim == 1 else y), traces


def layer_inputs(image: ModelImage, x) -> list[np.ndarray]:
    """For one input vector: every layer's input activations, then the network's output, as
    the core holds them (in stored order, see :mod:`eie_gen.rows`)."""
    a = check_input(image, x)[0]
    out = [a]
    for L in range(image.n_layers):
        a, _ = _layer_golden(image, L, a)
        out.append(a)
    return out


def run_dense(image: ModelImage, x) -> np.ndarray:
    """Dense reference: decode every layer to an integer matrix and compute ``W @ a``."""
    xs = check_input(image, x)
    a = xs.T                                       # (n, batch)
    for L in range(image.n_layers):
        a = _layer_dense(image, L, decode_weights(image, L), a)
    y = to_network_order(a.T, image.output_order)
    return y[0] if np.asarray(x).ndim == 1 else y


def _layer_dense(image: ModelImage, L: int, w: np.ndarray, a: np.ndarray) -> np.ndarray:
    """One layer of the dense reference on activations ``a`` (n,) or (n, batch)."""
    layer = image.layers[L]
    bias = np.asarray(layer.bias, dtype=np.int64) << layer.shift
    if a.ndim == 2:
        bias = bias[:, None]
    acc = wrap(bias + w @ a, image.acc_bits)       # int64 matmul wraps mod 2**64: still exact
    return writeback(acc, layer.shift, layer.relu, image.act_bits)


def first_mismatch(image: ModelImage, x) -> str | None:
    """Run golden and dense layer by layer; describe the first disagreement, or None.

    The description names the layer, PE, row and input, as a regression mismatch must.
    """
    xs = check_input(image, x)
    weights = [decode_weights(image, L) for L in range(image.n_layers)]   # once, not per input
    walked = [_walk_matrix(image, L) for L in range(image.n_layers)]
    for n, a in enumerate(xs):
        a_gold = a_dense = a
        for L in range(image.n_layers):
            a_gold, _ = _layer_golden(image, L, a_gold, walked[L])
            a_dense = _layer_dense(image, L, weights[L], a_dense)
            bad = np.nonzero(a_gold != a_dense)[0]
            if bad.size:
                i = int(bad[0])                          # a stored row
                return describe_mismatch(image, L, n, a_gold[i], a_dense[i], row=i,
                                         names=("golden", "dense"))
    return None
