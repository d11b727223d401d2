"""Load-aware row assignment: which PE computes which output row.

Plain EIE interleaving gives row ``i`` to PE ``i mod n_pe``. A layer whose rows differ in work
then leaves the PEs with the lighter rows waiting for the busiest one. A *row order* permutes
the rows before the interleaving: stored row ``p`` (held by PE ``p mod n_pe``, local row
``p // n_pe``) computes the network's row ``order[p]``. The next layer's columns follow the
same order, so only the last layer's outputs come out permuted, and the golden model and the
driver put them back (:func:`to_network_order`). The image stores each layer's order as
``L{L}_row_order`` (absent: the identity).

:func:`balanced_row_order` assigns rows by expected work, heaviest first, each to the PE with
the least work so far that still has a free local row (a PE holds a fixed number of rows);
within a PE the rows keep their network order. Work is entries per row, optionally weighted
by how often each column's input is non-zero (``col_weight``, e.g. measured on calibration
data): only non-zero inputs are broadcast.
"""

from __future__ import annotations

import heapq

import numpy as np

from eie_gen.encode import local_rows

__all__ = ["balanced_row_order", "order_for_work", "row_work"]


def row_work(indices, col_weight=None) -> np.ndarray:
    """Expected entries each row costs: its non-zeros, each weighted by its column's
    ``col_weight`` (default 1)."""
    nz = np.asarray(indices) != 0
    if col_weight is None:
        return nz.sum(axis=1).astype(np.float64)
    w = np.asarray(col_weight, dtype=np.float64)
    if w.shape != (nz.shape[1],) or np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError(f"col_weight must be {nz.shape[1]} finite values >= 0")
    return nz.astype(np.float64) @ w


def balanced_row_order(indices, n_pe: int, col_weight=None) -> np.ndarray:
    """A row order (stored position -> network row) that balances ``row_work`` across the
    ``n_pe`` PEs: longest-processing-time first, with each PE's row count fixed."""
    indices = np.asarray(indices)
    if indices.ndim != 2:
        raise ValueError(f"indices must be 2-D, not {indices.ndim}-D")
    return order_for_work(row_work(indices, col_weight), n_pe)


def order_for_work(work, n_pe: int) -> np.ndarray:
    """The balanced row order for rows costing ``work[i]`` (see :func:`balanced_row_order`)."""
    if n_pe < 1:
        raise ValueError(f"n_pe must be at least 1, not {n_pe}")
    work = np.asarray(work, dtype=np.float64)
    rows = len(work)
    capacity = [local_rows(rows, n_pe, k) for k in range(n_pe)]
    members: list[list[int]] = [[] for _ in range(n_pe)]
    heap = [(0.0, k) for k in range(n_pe) if capacity[k]]      # (work so far, PE)
    for i in np.argsort(-work, kind="stable"):
        load, k = heapq.heappop(heap)
        members[k].append(int(i))
        if len(members[k]) < capacity[k]:
            heapq.heappush(heap, (load + float(work[i]), k))
    order = np.empty(rows, dtype=np.int64)
    for k, rows_k in enumerate(members):
        order[np.arange(len(rows_k)) * n_pe + k] = sorted(rows_k)
    return order
