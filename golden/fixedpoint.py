"""Two's-complement helpers shared by the golden model and the compressor (SPEC §3).

All functions take and return numpy int64 arrays (or Python ints); widths are at most 48
bits so every intermediate fits in int64 without overflow.
"""

from __future__ import annotations

import numpy as np

__all__ = ["wrap", "saturate", "round_shift", "writeback", "to_fixed", "signed_range"]


def signed_range(bits: int) -> tuple[int, int]:
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def wrap(x, bits: int):
    """Reduce ``x`` modulo ``2**bits`` into the signed range (what a ``bits``-wide adder does)."""
    x = np.asarray(x, dtype=np.int64)
    half = np.int64(1) << np.int64(bits - 1)
    return ((x + half) & ((half << np.int64(1)) - np.int64(1))) - half


def saturate(x, bits: int):
    """Clamp ``x`` into the signed ``bits``-bit range."""
    lo, hi = signed_range(bits)
    return np.clip(np.asarray(x, dtype=np.int64), lo, hi)


def round_shift(x, shift: int):
    """Arithmetic right shift by ``shift`` rounding half up: ``(x + 2**(shift-1)) >> shift``.

    Done at full width: the rounding add never wraps.
    """
    x = np.asarray(x, dtype=np.int64)
    if shift == 0:
        return x
    return (x + (np.int64(1) << np.int64(shift - 1))) >> np.int64(shift)


def writeback(acc, shift: int, relu: bool, act_bits: int):
    """Accumulator to output activation: rounding shift, saturation, optional ReLU."""
    y = saturate(round_shift(acc, shift), act_bits)
    return np.maximum(y, 0) if relu else y


def to_fixed(x, frac_bits: int, bits: int):
    """Quantize real values to ``bits``-bit integers with ``frac_bits`` fractional bits.

    Rounds half up (``floor(x * 2**frac + 0.5)``) and saturates.
    """
    scaled = np.floor(np.asarray(x, dtype=np.float64) * 2.0 ** frac_bits + 0.5)
    lo, hi = signed_range(bits)
    return np.clip(scaled, lo, hi).astype(np.int64)
