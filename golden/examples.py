"""Hand-made layers from the EIE paper, shared by tests, testbenches and the docs."""

import numpy as np

__all__ = ["paper_16x8"]


def paper_16x8() -> np.ndarray:
    """Codebook indices of the 16 x 8 matrix of EIE Fig. 2/3 (4 PEs): PE0's rows 0, 4, 8, 12
    as drawn, plus PE2's W2,2 and W14,2 from the walk-through. Each non-zero gets its own
    index (1..15, cycling). PE0's pointers are ``0 3 4 6 6 8 10 11 13``."""
    w = np.zeros((16, 8), dtype=np.int64)
    pe0 = [(0, 0), (8, 0), (12, 0), (4, 1), (0, 2), (12, 2), (0, 4), (4, 4), (0, 5), (12, 5),
           (0, 6), (8, 7), (12, 7)]
    for n, (i, j) in enumerate(pe0):
        w[i, j] = 1 + n % 15
    w[2, 2], w[14, 2] = 7, 9
    return w
