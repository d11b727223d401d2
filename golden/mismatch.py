"""The one report of a disagreement between two models that must agree bit for bit.

Every comparison (RTL against golden, golden against the dense reference, a PE against its
share of golden) names the layer, the PE and row of the core that computed the value, and
the input, in the network's order: a row-balanced image (``L{L}_row_order``) stores network
row ``order[p]`` in row ``p``, so the PE is ``p mod n_pe``, not ``i mod n_pe``."""

from __future__ import annotations

import numpy as np

from eie_gen.image import ModelImage
from eie_gen.rows import stored_row

__all__ = ["describe_mismatch", "first_difference"]


def first_difference(got, want) -> tuple[int, int] | None:
    """``(input, position)`` of the first element where two ``(batch, n)`` arrays differ
    (inputs first, then positions), or None when they are equal."""
    got, want = np.atleast_2d(got), np.atleast_2d(want)
    bad = np.argwhere(got != want)
    return None if bad.size == 0 else (int(bad[0][0]), int(bad[0][1]))


def describe_mismatch(image: ModelImage, layer: int, n: int, got, want, *, row: int | None = None,
                      output: int | None = None, names=("RTL", "golden"),
                      case: str | None = None) -> str:
    """One line: ``[case: ]layer L[ (output)], PE k, row p (local row r[, network row i]),
    input n: <names[0]> got, <names[1]> want``.

    Give the stored ``row`` (as a core or the golden walk holds it) or, for the last layer's
    outputs in network order, the network ``output``; the stored row is then found through the
    image's output order."""
    if (row is None) == (output is None):
        raise ValueError("give exactly one of row (stored) and output (network order)")
    last = layer == image.n_layers - 1
    order = image.layers[layer].row_order
    if output is not None:
        if not last:
            raise ValueError("output names the network's outputs: the last layer only")
        row = stored_row(image.output_order, output)
    net = f", network {'output' if last else 'row'} {int(order[row])}" \
        if order is not None else ""
    where = (f"layer {layer}{' (output)' if last else ''}, PE {row % image.n_pe}, row {row} "
             f"(local row {row // image.n_pe}{net}), input {n}")
    prefix = f"{case}: " if case else ""
    return f"{prefix}{where}: {names[0]} {int(got)}, {names[1]} {int(want)}"
