"""Interleaved CSC with 4-bit relative row indices (SPEC §2, steps 1-5).

A layer is given as a matrix of codebook indices ``V`` (rows x cols, 0 = no weight). PE ``k``
owns global rows ``i = r * n_pe + k``; its entries run column by column, local rows ascending.
"""

from __future__ import annotations

import numpy as np

from eie_gen.errors import ImageError

__all__ = ["PAD_ENTRY", "codebook_decode", "encode_layer", "decode_pe", "local_rows", "pack_words",
           "column_lengths", "coo_column_lengths", "entry_fields"]

ZRUN = 16                      # a relative index counts 0..15 zero rows
PAD_ENTRY = (ZRUN - 1) << 4    # (v=0, z=15): bridges 16 local rows


def local_rows(rows: int, n_pe: int, k: int) -> int:
    """Number of global rows ``i < rows`` with ``i % n_pe == k``."""
    return max(0, (rows - k + n_pe - 1) // n_pe)


def entry_fields(entries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split ``(z << 4) | v`` bytes into ``(v, z)`` int64 arrays."""
    e = np.asarray(entries, dtype=np.int64)
    return e & 0xF, e >> 4


def _encode_pe(vk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Encode one PE's slice ``vk`` (local rows x cols): its pointer array and entries."""
    cols = vk.shape[1]
    # Non-zeros in column-major order: nonzero() of the transpose sorts by column, then row.
    col, row = np.nonzero(vk.T)
    v = vk[row, col].astype(np.int64)
    # Local row of the previous entry in the same column (-1 at a column start).
    prev = np.empty_like(row)
    if row.size:
        prev[0] = -1
        prev[1:] = np.where(col[1:] == col[:-1], row[:-1], -1)
    gap = row - prev - 1                       # zero rows skipped before this entry
    pads, z = gap // ZRUN, gap % ZRUN          # g // 16 padding entries, then (v, g % 16)
    length = pads + 1
    ptr = np.zeros(cols + 1, dtype=np.int64)
    np.add.at(ptr, col + 1, length)
    ptr = np.cumsum(ptr)
    entries = np.full(int(length.sum()), PAD_ENTRY, dtype=np.uint8)
    entries[np.cumsum(length) - 1] = (z << 4) | v  # each real entry ends its block
    return ptr, entries


def encode_layer(indices, n_pe: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encode a layer: returns ``ptr`` (n_pe x cols+1), ``entries`` (uint8) and offsets.

    ``entries`` is the PEs' lists concatenated; PE ``k``'s list is
    ``entries[offsets[k]:offsets[k+1]]`` and is exactly ``ptr[k, -1]`` long.
    """
    v = np.asarray(indices)
    if v.ndim != 2:
        raise ValueError(f"indices must be 2-D, not {v.ndim}-D")
    if v.size and (v.min() < 0 or v.max() > 15):
        raise ValueError("codebook indices must be in 0..15")
    ptrs, lists = [], []
    for k in range(n_pe):
        p, e = _encode_pe(v[k::n_pe, :])
        ptrs.append(p)
        lists.append(e)
    offsets = np.concatenate([[0], np.cumsum([len(e) for e in lists])]).astype(np.int64)
    return np.stack(ptrs), np.concatenate(lists).astype(np.uint8), offsets


def coo_column_lengths(rows, cols, shape, n_pe: int) -> np.ndarray:
    """Entries per (PE, column), padding included, of a layer given by the positions of its
    non-zero weights (``rows[n], cols[n]``, each position once): what ``column_lengths`` of
    its encoding gives, without a dense matrix (for layers of 10^8 weights)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    n_rows, n_cols = shape
    if rows.shape != cols.shape or rows.ndim != 1:
        raise ValueError("rows and cols must be 1-D and of one length")
    if rows.size and (rows.min() < 0 or rows.max() >= n_rows or cols.min() < 0
                      or cols.max() >= n_cols):
        raise ValueError(f"positions outside the {n_rows} x {n_cols} matrix")
    pe, local = rows % n_pe, rows // n_pe
    key = (pe * n_cols + cols) * (n_rows // n_pe + 1) + local   # by PE, column, local row
    order = np.argsort(key, kind="stable")
    group, local = pe[order] * n_cols + cols[order], local[order]
    if group.size > 1 and np.any((group[1:] == group[:-1]) & (local[1:] == local[:-1])):
        raise ValueError("a position appears twice")
    prev = np.full(group.size, -1, dtype=np.int64)
    same = np.zeros(group.size, dtype=bool)
    same[1:] = group[1:] == group[:-1]
    prev[1:] = np.where(same[1:], local[:-1], -1)
    length = (local - prev - 1) // ZRUN + 1      # g // 16 padding entries, then the entry
    out = np.bincount(group, weights=length, minlength=n_pe * n_cols)
    return out.astype(np.int64).reshape(n_pe, n_cols)


def column_lengths(ptr: np.ndarray) -> np.ndarray:
    """Entries per (PE, column), padding included: ``P[j+1] - P[j]``."""
    return np.diff(np.asarray(ptr, dtype=np.int64), axis=-1)


def decode_pe(ptr_k, entries_k, n_local: int, where: str = "") -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Decode one PE's entries into ``(local_row, col, v)`` of its real (non-padding) weights.

    Raises :class:`ImageError` naming ``where``, the column and entry when an entry's running
    row passes the PE's last local row.
    """
    ptr_k = np.asarray(ptr_k, dtype=np.int64)
    v, z = entry_fields(entries_k)
    lengths = np.diff(ptr_k)
    col = np.repeat(np.arange(len(lengths)), lengths)
    # Running local row: cumulative (z + 1) restarted at every column, minus 1.
    step = z + 1
    total = np.cumsum(step)
    before_col = np.repeat(total[ptr_k[:-1] - 1] * (ptr_k[:-1] > 0), lengths) if total.size \
        else total
    row = total - before_col - 1
    bad = np.nonzero(row >= n_local)[0]
    if bad.size:
        e = int(bad[0])
        raise ImageError(
            f"{where}column {int(col[e])}, entry {e}: running row {int(row[e])} passes the "
            f"PE's last local row {n_local - 1}")
    real = v != 0
    return row[real], col[real], v[real]


def pack_words(entries, entries_per_word: int) -> list[int]:
    """Pack entries into memory words: entry ``e`` is lane ``e % epw`` of word ``e // epw``,
    lane ``L`` at bits ``[8L+7 : 8L]``; unused lanes are zero. Words are Python ints (a word
    may be wider than 64 bits)."""
    e = [int(x) for x in np.asarray(entries, dtype=np.uint8)]
    words = []
    for start in range(0, len(e), entries_per_word):
        word = 0
        for lane, value in enumerate(e[start:start + entries_per_word]):
            word |= value << (8 * lane)
        words.append(word)
    return words


def codebook_decode(codebook, indices) -> np.ndarray:
    """Weight integers of virtual-weight ``indices`` under a 16-entry ``codebook``."""
    cb = np.asarray(codebook, dtype=np.int64)
    return cb[np.asarray(indices, dtype=np.int64)]
