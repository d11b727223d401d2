"""Model image v1: one ``.npz`` holding a compressed network (SPEC §2).

:func:`read_image` loads and validates; :func:`write_image` validates and writes atomically;
:func:`validate_image` raises :class:`ImageError` naming the layer, PE and position.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np

from eie_gen.rows import is_permutation, permute_layer, to_network_order
from eie_gen.encode import decode_pe, encode_layer, local_rows
from eie_gen.errors import ImageError
from eie_gen.fileio import atomic_write_bytes, load_npz

__all__ = ["Layer", "ModelImage", "read_image", "write_image", "validate_image",
           "decode_indices", "decode_weights", "image_from_indices", "FORMAT_VERSION"]

FORMAT_VERSION = 1


@dataclass
class Layer:
    """One fully-connected layer ``b = f(W a)`` in interleaved CSC form."""

    shape: tuple[int, int]           # (rows, cols)
    codebook: np.ndarray             # 16 signed integers, codebook[0] == 0
    w_scale: float                   # real weight = codebook integer * w_scale
    shift: int                       # write-back right shift, 0..31
    relu: bool
    bias: np.ndarray                 # rows, in output activation units
    ptr: np.ndarray                  # n_pe x (cols + 1)
    entries: np.ndarray              # uint8 (z << 4) | v, the PEs' lists concatenated
    entry_offsets: np.ndarray        # n_pe + 1
    # Stored row p computes the network's row row_order[p] (compress/balance.py); the next
    # layer's columns follow it. None: the identity.
    row_order: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return int(self.shape[0])

    @property
    def cols(self) -> int:
        return int(self.shape[1])

    def pe_entries(self, k: int) -> np.ndarray:
        return self.entries[self.entry_offsets[k]:self.entry_offsets[k + 1]]


@dataclass
class ModelImage:
    """A compressed network. ``act_scale[L]`` scales layer ``L``'s input; the last, the output.

    ``act_bits``, ``weight_bits`` and ``acc_bits`` are extra fields (SPEC allows them): the
    widths the compressor quantized for, so a run is self-describing.
    """

    n_pe: int
    entries_per_word: int
    act_scale: np.ndarray
    layers: list[Layer]
    act_bits: int = 16
    weight_bits: int = 16
    acc_bits: int = 32
    extras: dict = field(default_factory=dict)

    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def input_size(self) -> int:
        return self.layers[0].cols

    @property
    def output_size(self) -> int:
        return self.layers[-1].rows

    @property
    def output_order(self) -> np.ndarray | None:
        """The last layer's row order: stored output ``p`` is the network's output
        ``output_order[p]`` (None: not permuted)."""
        return self.layers[-1].row_order


_SCALARS = ("format_version", "n_pe", "entries_per_word", "index_bits", "zrun_bits", "n_layers")
_LAYER_FIELDS = ("shape", "codebook", "w_scale", "shift", "relu", "bias", "ptr", "entries",
                 "entry_offsets")
_WIDTHS = {"act_bits": (2, 16), "weight_bits": (2, 24), "acc_bits": (2, 48)}


def _int_array(arrays, name, ndim=None):
    if name not in arrays:
        raise ImageError(f"missing field {name!r}")
    a = np.asarray(arrays[name])
    if a.dtype.kind not in "iub":
        raise ImageError(f"field {name!r} must be integer, not {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ImageError(f"field {name!r} must be {ndim}-D, not {a.ndim}-D")
    return a.astype(np.int64)


def _int_scalar(arrays, name):
    a = _int_array(arrays, name)
    if a.size != 1:
        raise ImageError(f"field {name!r} must be a scalar")
    return int(a.reshape(()))


def _float_array(arrays, name):
    if name not in arrays:
        raise ImageError(f"missing field {name!r}")
    a = np.asarray(arrays[name])
    if a.dtype.kind not in "fiu":
        raise ImageError(f"field {name!r} must be numeric, not {a.dtype}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ImageError(f"field {name!r} holds a non-finite value")
    return a


def _from_arrays(arrays) -> ModelImage:
    version = _int_scalar(arrays, "format_version")
    if version != FORMAT_VERSION:
        raise ImageError(f"unknown format_version {version} (this tool reads {FORMAT_VERSION})")
    s = {name: _int_scalar(arrays, name) for name in _SCALARS}
    for name in ("index_bits", "zrun_bits"):
        if s[name] != 4:
            raise ImageError(f"{name} must be 4 in format v1, not {s[name]}")
    if s["n_pe"] < 1 or s["entries_per_word"] < 1 or s["n_layers"] < 1:
        raise ImageError("n_pe, entries_per_word and n_layers must be at least 1")
    widths = {}
    for name, (lo, hi) in _WIDTHS.items():
        widths[name] = _int_scalar(arrays, name) if name in arrays else None
        if widths[name] is not None and not lo <= widths[name] <= hi:
            raise ImageError(f"{name} must be in [{lo}, {hi}], not {widths[name]}")
    act_scale = _float_array(arrays, "act_scale")
    if act_scale.shape != (s["n_layers"] + 1,):
        raise ImageError(f"act_scale must have n_layers + 1 = {s['n_layers'] + 1} values, "
                         f"not shape {act_scale.shape}")
    layers = []
    for L in range(s["n_layers"]):
        p = f"L{L}_"
        shape = _int_array(arrays, p + "shape", 1)
        if shape.shape != (2,) or shape.min() < 1:
            raise ImageError(f"layer {L}: shape must be two positive integers, "
                             f"not {shape.tolist()}")
        w_scale = _float_array(arrays, p + "w_scale")
        if w_scale.size != 1:
            raise ImageError(f"layer {L}: w_scale must be a scalar")
        layers.append(Layer(
            shape=(int(shape[0]), int(shape[1])),
            codebook=_int_array(arrays, p + "codebook", 1),
            w_scale=float(w_scale.reshape(())),
            shift=_int_scalar(arrays, p + "shift"),
            relu=bool(_int_scalar(arrays, p + "relu")),
            bias=_int_array(arrays, p + "bias", 1),
            ptr=_int_array(arrays, p + "ptr", 2),
            entries=_int_array(arrays, p + "entries", 1),
            entry_offsets=_int_array(arrays, p + "entry_offsets", 1),
            row_order=(_int_array(arrays, p + "row_order", 1) if p + "row_order" in arrays
                       else None),
        ))
    known = set(_SCALARS) | set(_WIDTHS) | {"act_scale"} | {
        f"L{L}_{f}" for L in range(s["n_layers"]) for f in (*_LAYER_FIELDS, "row_order")}
    extras = {k: np.asarray(arrays[k]) for k in arrays if k not in known}
    image = ModelImage(n_pe=s["n_pe"], entries_per_word=s["entries_per_word"],
                       act_scale=act_scale, layers=layers, extras=extras,
                       **{k: v for k, v in widths.items() if v is not None})
    validate_image(image)
    return image


def validate_image(image: ModelImage) -> None:
    """Check every rule of SPEC §2; raise :class:`ImageError` at the first broken one."""
    n_pe = image.n_pe
    act_lo, act_hi = -(1 << (image.act_bits - 1)), (1 << (image.act_bits - 1)) - 1
    w_lo, w_hi = -(1 << (image.weight_bits - 1)), (1 << (image.weight_bits - 1)) - 1
    if len(image.act_scale) != image.n_layers + 1:
        raise ImageError("act_scale must have n_layers + 1 values")
    for L, layer in enumerate(image.layers):
        rows, cols = layer.shape
        where = f"layer {L}: "
        if L > 0 and cols != image.layers[L - 1].rows:
            raise ImageError(f"{where}takes {cols} inputs but layer {L - 1} has "
                             f"{image.layers[L - 1].rows} outputs")
        cb = np.asarray(layer.codebook)
        if cb.shape != (16,):
            raise ImageError(f"{where}codebook must have 16 entries, not {cb.size}")
        if cb[0] != 0:
            raise ImageError(f"{where}codebook[0] must be 0 (it marks padding), not {cb[0]}")
        if cb.min() < w_lo or cb.max() > w_hi:
            raise ImageError(f"{where}codebook value outside the {image.weight_bits}-bit range")
        if not 0 <= layer.shift <= 31:
            raise ImageError(f"{where}shift must be in 0..31, not {layer.shift}")
        if layer.row_order is not None and not is_permutation(layer.row_order, rows):
            raise ImageError(f"{where}row_order must be a permutation of 0..{rows - 1}")
        bias = np.asarray(layer.bias)
        if bias.shape != (rows,):
            raise ImageError(f"{where}bias must have {rows} values, not {bias.size}")
        out = np.nonzero((bias < act_lo) | (bias > act_hi))[0]
        if out.size:
            raise ImageError(f"{where}bias[{out[0]}] = {bias[out[0]]} is outside the "
                             f"{image.act_bits}-bit activation range")
        ptr = np.asarray(layer.ptr)
        if ptr.shape != (n_pe, cols + 1):
            raise ImageError(f"{where}ptr has shape {ptr.shape}, but n_pe = {n_pe} and "
                             f"cols = {cols} need ({n_pe}, {cols + 1})")
        off = np.asarray(layer.entry_offsets)
        entries = np.asarray(layer.entries)
        if off.shape != (n_pe + 1,) or off[0] != 0 or np.any(np.diff(off) < 0) \
                or off[-1] != entries.size:
            raise ImageError(f"{where}entry_offsets must be n_pe + 1 = {n_pe + 1} ascending "
                             f"values from 0 to the entry count {entries.size}")
        if entries.size and (entries.min() < 0 or entries.max() > 255):
            raise ImageError(f"{where}entries must be bytes (0..255)")
        for k in range(n_pe):
            pk = ptr[k]
            there = f"{where}PE {k}: "
            if pk[0] != 0:
                raise ImageError(f"{there}ptr[0] = {pk[0]}, must be 0")
            dec = np.nonzero(np.diff(pk) < 0)[0]
            if dec.size:
                j = int(dec[0])
                raise ImageError(f"{there}pointers decrease at column {j} "
                                 f"(ptr[{j}] = {pk[j]} > ptr[{j + 1}] = {pk[j + 1]})")
            count = int(off[k + 1] - off[k])
            if pk[-1] != count:
                raise ImageError(f"{there}ptr[{cols}] = {pk[-1]} but the PE has {count} entries")
            decode_pe(pk, entries[off[k]:off[k + 1]], local_rows(rows, n_pe, k), there)


def read_image(path) -> ModelImage:
    """Load and validate a model image."""
    arrays = load_npz(path, "model image", ImageError)
    try:
        return _from_arrays(arrays)
    except ImageError as exc:
        raise ImageError(f"{path}: {exc}") from None


def to_arrays(image: ModelImage) -> dict[str, np.ndarray]:
    out = {
        "format_version": np.array(FORMAT_VERSION), "n_pe": np.array(image.n_pe),
        "entries_per_word": np.array(image.entries_per_word), "index_bits": np.array(4),
        "zrun_bits": np.array(4), "n_layers": np.array(image.n_layers),
        "act_scale": np.asarray(image.act_scale, dtype=np.float64),
        "act_bits": np.array(image.act_bits), "weight_bits": np.array(image.weight_bits),
        "acc_bits": np.array(image.acc_bits),
    }
    for L, layer in enumerate(image.layers):
        p = f"L{L}_"
        out[p + "shape"] = np.array(layer.shape, dtype=np.int64)
        out[p + "codebook"] = np.asarray(layer.codebook, dtype=np.int64)
        out[p + "w_scale"] = np.array(float(layer.w_scale))
        out[p + "shift"] = np.array(int(layer.shift))
        out[p + "relu"] = np.array(int(bool(layer.relu)))
        out[p + "bias"] = np.asarray(layer.bias, dtype=np.int64)
        out[p + "ptr"] = np.asarray(layer.ptr, dtype=np.int64)
        out[p + "entries"] = np.asarray(layer.entries, dtype=np.uint8)
        out[p + "entry_offsets"] = np.asarray(layer.entry_offsets, dtype=np.int64)
        if layer.row_order is not None:
            out[p + "row_order"] = np.asarray(layer.row_order, dtype=np.int64)
    for k, v in image.extras.items():
        out.setdefault(k, v)
    return out


def write_image(image: ModelImage, path) -> None:
    """Validate, then write atomically (a failed write leaves no partial file)."""
    validate_image(image)
    buf = io.BytesIO()
    np.savez_compressed(buf, **to_arrays(image))
    atomic_write_bytes(path, buf.getvalue())


def decode_indices(image: ModelImage, L: int, network_order: bool = False) -> np.ndarray:
    """Dense codebook-index matrix (rows x cols) of layer ``L``; 0 where no weight. Rows and
    columns in stored order, or with ``network_order`` in the network's (undoing the row
    orders of this layer and the one before)."""
    layer = image.layers[L]
    rows, cols = layer.shape
    v_dense = np.zeros((rows, cols), dtype=np.int64)
    for k in range(image.n_pe):
        r, c, v = decode_pe(layer.ptr[k], layer.pe_entries(k),
                            local_rows(rows, image.n_pe, k), f"layer {L}: PE {k}: ")
        v_dense[r * image.n_pe + k, c] = v
    if network_order:
        v_dense = to_network_order(v_dense.T, layer.row_order).T
        if L > 0:
            v_dense = to_network_order(v_dense, image.layers[L - 1].row_order)
    return v_dense


def decode_weights(image: ModelImage, L: int, network_order: bool = False) -> np.ndarray:
    """Dense integer weight matrix of layer ``L`` (codebook values); see
    :func:`decode_indices` for the order."""
    return np.asarray(image.layers[L].codebook, dtype=np.int64)[
        decode_indices(image, L, network_order)]


def image_from_indices(indices_list, codebooks, *, n_pe, shifts=None, relus=None, biases=None,
                       act_bits=16, weight_bits=16, acc_bits=32, entries_per_word=8,
                       scale=2.0 ** -8, row_orders=None) -> ModelImage:
    """An image straight from codebook-index matrices (rows x cols, 0 = no weight) and their
    codebooks: for tests, examples and hand-made layers. Scales are all ``scale``. With
    ``row_orders`` (per layer an order or None, see :mod:`eie_gen.rows`) the matrices and
    biases are given in the network's order and stored permuted."""
    n = len(indices_list)
    orders = list(row_orders) if row_orders is not None else [None] * n
    if len(orders) != n:
        raise ValueError(f"{len(orders)} row orders for {n} layers")
    layers = []
    for L, (idx, cb) in enumerate(zip(indices_list, codebooks)):
        rows = np.asarray(idx).shape[0]
        bias = np.zeros(rows, np.int64) if biases is None else np.asarray(biases[L],
                                                                          dtype=np.int64)
        order = None if orders[L] is None else np.asarray(orders[L], dtype=np.int64)
        idx, bias = permute_layer(idx, bias, order, orders[L - 1] if L else None)
        ptr, entries, off = encode_layer(idx, n_pe)
        layers.append(Layer(
            shape=idx.shape, codebook=np.asarray(cb, dtype=np.int64), w_scale=scale,
            shift=(shifts or [0] * n)[L], relu=bool((relus or [False] * n)[L]),
            bias=bias, ptr=ptr, entries=entries, entry_offsets=off, row_order=order))
    return ModelImage(n_pe=n_pe, entries_per_word=entries_per_word,
                      act_scale=np.full(n + 1, scale), layers=layers,
                      act_bits=act_bits, weight_bits=weight_bits, acc_bits=acc_bits)
