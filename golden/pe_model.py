"""Cycle model of one PE (hw/pe.py), exact to the cycle.

The PE's compute path is a chain of stream stages; only the first ones ever wait:

* the queue (depth ``fifo_depth``) accepts broadcast ``i`` at ``q[i]``, once it was offered and
  the item ``fifo_depth`` places ahead has left it;
* the pointer read pops it at ``p[i]`` into its first stage (the bank read), once it was in
  the queue for a cycle and the previous item moved on; it moves to the second stage (a
  register) at ``r[i]``, once that stage is free: a column without entries leaves it by itself
  the next cycle, one with entries when the matrix read takes it;
* the matrix read takes a non-empty column at ``d = max(r + 1, end of the previous column)``
  and issues its ``n`` entries in cycles ``d + 1 .. d + n``, one per cycle, word boundaries
  included (the next word is read the cycle before it is needed).

Everything after the matrix read never stalls: an entry issued in cycle ``x`` is written to its
accumulator at the end of cycle ``x + 7`` (word register 1, entry register 1, relative index
1, arithmetic 5 minus the shared cycle), and the PE is idle from ``x + 8``. Cycle 0 is the
cycle the first broadcast is offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PETiming", "pe_cycles", "broadcast_timing", "writeback_cycles", "DRAIN",
           "WRITEBACK_LATENCY"]

# From the last entry's issue to the first idle cycle: matrix read 2 (word, entry registers),
# relative index 1, arithmetic unit 5 (codebook, multiply, accumulator register, add, write).
DRAIN = 8
# hw/writeback.py: read, register, add bias, shift, round, saturate, write.
WRITEBACK_LATENCY = 7


@dataclass
class PETiming:
    accept: np.ndarray   # cycle each broadcast entered the queue
    pop: np.ndarray      # cycle each left the queue
    cycles: int          # first cycle the PE is idle with every broadcast done
    entries: int         # entries walked (padding included), one cycle each
    refused: int         # cycles a broadcast was offered and the full queue refused it

    @property
    def utilisation(self) -> float:
        """Entries per cycle over the whole run."""
        return self.entries / self.cycles if self.cycles else 0.0


def broadcast_timing(lengths, fifo_depth: int, gaps=None):
    """The recurrence for ``n_pe`` PEs fed by one broadcast (``lengths`` is n_pe x n: entries
    of broadcast ``i`` in PE ``k``). Broadcast ``i`` is accepted by every queue at once, at
    ``b[i]``: when offered (``gaps[i]`` idle cycles after the previous acceptance) and when
    every queue has room. Returns ``(b, p, cycles_per_pe, refused)``; PE ``k`` is idle from
    ``cycles_per_pe[k]`` (0 when nothing was broadcast)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n_pe, n = lengths.shape
    gaps = np.zeros(n, dtype=np.int64) if gaps is None else np.asarray(gaps, dtype=np.int64)
    if len(gaps) != n:
        raise ValueError(f"{len(gaps)} gaps for {n} broadcasts")
    b = np.zeros(n, dtype=np.int64)
    p = np.zeros((n, n_pe), dtype=np.int64)
    moved = np.zeros(n_pe, dtype=np.int64)          # pointer read stage 1 frees then
    stage2_free = np.zeros(n_pe, dtype=np.int64)    # pointer read stage 2 can take the next
    free_at = np.zeros(n_pe, dtype=np.int64)        # matrix read can take the next column
    last_issue = np.full(n_pe, -1, dtype=np.int64)
    r = np.zeros(n_pe, dtype=np.int64)
    refused = 0
    for i in range(n):
        offer = int(gaps[0]) if i == 0 else int(b[i - 1]) + 1 + int(gaps[i])
        b[i] = max(offer, int(p[i - fifo_depth].max()) + 1) if i >= fifo_depth else offer
        refused += int(b[i]) - offer
        p[i] = np.maximum(b[i] + 1, moved)
        r = np.maximum(p[i] + 1, stage2_free)
        moved = r
        length = lengths[:, i]
        empty = length == 0
        d = np.maximum(r + 1, free_at)
        stage2_free = np.where(empty, r + 1, d)
        free_at = np.where(empty, free_at, d + length)
        last_issue = np.where(empty, last_issue, d + length)
    if n == 0:
        cycles = np.zeros(n_pe, dtype=np.int64)
    else:
        cycles = np.maximum(r + 2, np.where(last_issue >= 0, last_issue + DRAIN, 0))
    return b, p, cycles, refused


def pe_cycles(lengths, fifo_depth: int, gaps=None) -> PETiming:
    """Timing of one PE for broadcasts whose columns have ``lengths[i]`` entries in this PE.

    ``gaps[i]`` idle cycles pass between the previous broadcast's acceptance (or cycle 0) and
    the offer of broadcast ``i`` (default: offered back to back). Returns a :class:`PETiming`.
    """
    lengths = np.asarray(lengths, dtype=np.int64).ravel()
    b, p, cycles, refused = broadcast_timing(lengths[None, :], fifo_depth, gaps)
    return PETiming(b, p[:, 0], int(cycles[0]), int(lengths.sum()), refused)


def writeback_cycles(n_rows: int) -> int:
    """Cycles from the write-back's start pulse to its ``busy`` falling."""
    return n_rows + WRITEBACK_LATENCY if n_rows else 0
