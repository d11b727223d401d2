"""The random pieces every regression and test builds its models from."""

from __future__ import annotations

import numpy as np

__all__ = ["random_indices", "random_codebook"]


def random_indices(rng: np.random.Generator, rows: int, cols: int, density: float) -> np.ndarray:
    """A ``rows x cols`` matrix of codebook indices, each non-zero (1..15) with probability
    ``density``."""
    idx = rng.integers(1, 16, size=(rows, cols))
    idx[rng.random((rows, cols)) >= density] = 0
    return idx


def random_codebook(rng: np.random.Generator, weight_bits: int = 16,
                    extremes: bool = False) -> np.ndarray:
    """16 signed ``weight_bits`` values, entry 0 zero (SPEC §2); ``extremes``: every non-zero
    entry the most negative or the most positive value."""
    lo, hi = -(1 << (weight_bits - 1)), (1 << (weight_bits - 1)) - 1
    cb = rng.integers(lo, hi + 1, 16)
    if extremes:
        cb = np.where(rng.random(16) < 0.5, lo, hi)
    cb[0] = 0
    return cb
