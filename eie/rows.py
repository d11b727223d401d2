"""Row orders in the model image: stored row ``p`` (PE ``p mod n_pe``, local row
``p // n_pe``) computes the network's row ``order[p]``; the next layer's columns follow the
same order. The image stores a layer's order as ``L{L}_row_order`` (absent: the identity).
How an order is chosen is Deep Compression's business (:mod:`eie_gen.compress.balance`)."""

from __future__ import annotations

import numpy as np

__all__ = ["is_permutation", "permute_layer", "stored_row", "to_network_order"]


def is_permutation(order, n: int) -> bool:
    order = np.asarray(order)
    return order.shape == (n,) and order.dtype.kind in "iu" and \
        np.array_equal(np.sort(order), np.arange(n))


def permute_layer(indices, bias, order, prev_order=None):
    """A layer given in network order, in stored order: rows by ``order``, columns by the
    previous layer's order (``None``: identity)."""
    indices = np.asarray(indices)
    if order is not None:
        indices = indices[np.asarray(order)]
        bias = None if bias is None else np.asarray(bias)[np.asarray(order)]
    if prev_order is not None:
        indices = indices[:, np.asarray(prev_order)]
    return indices, bias


def stored_row(order, i: int) -> int:
    """The stored row that computes the network's row ``i`` (``i`` itself without an order);
    a mismatch report names the PE and row of the core from it."""
    return i if order is None else int(np.flatnonzero(np.asarray(order) == i)[0])


def to_network_order(y, order) -> np.ndarray:
    """Outputs in stored order (last axis) back in the network's order."""
    y = np.asarray(y)
    if order is None:
        return y
    out = np.empty_like(y)
    out[..., np.asarray(order)] = y
    return out
