"""Cycle model of one PE (hw/pe.py), exact to the cycle.

The PE's compute path is a chain of stream stages; only the first ones ever wait:

* the queue (``queue_slots`` deep when the PE is driven on its own by a handshake) accepts
  broadcast ``i`` once it was offered and the item ``queue_slots`` places ahead has left it;
  in eie_top the broadcast goes by credit instead (:func:`broadcast_timing`'s lags);
* the pointer read pops it at ``p[i]`` into its first stage (the memory's latch), once it
  was in the queue for a cycle and the previous item moved on; it moves to the second stage
  (the memory's output register) at ``r[i]``, once that stage is free, and towards the third
  (the column register) at ``q[i] = max(r + 1, when the third is free)``: a column without
  entries is dropped there (the third stays free), one with entries stays until the matrix
  read takes it;
* the matrix read takes a non-empty column at ``d = max(q + 1, end of the previous column)``
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

from eie_gen.config import BROADCAST_LAG, ROOM_LAG

__all__ = ["PETiming", "pe_cycles", "broadcast_timing", "writeback_cycles", "DRAIN",
           "WRITEBACK_LATENCY", "ROOM_LAG", "BROADCAST_LAG"]

# From the last entry's issue to the first idle cycle: matrix read 2 (word, entry registers),
# relative index 1, arithmetic unit 5 (codebook, multiply, accumulator register, add, write).
DRAIN = 8
# hw/writeback.py: read, register, shift the bias, add it, shift, round, saturate, write.
WRITEBACK_LATENCY = 8
# eie_top's broadcast on credit: ROOM_LAG and BROADCAST_LAG (eie_gen.config, where the
# queues' slack is counted from them).


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


def broadcast_timing(lengths, depth: int, gaps=None, room_lag: int = 0,
                     data_lag: int = 0):
    """The recurrence for ``n_pe`` PEs fed by one broadcast (``lengths`` is n_pe x n: entries
    of broadcast ``i`` in PE ``k``). Broadcast ``i`` is sent at ``b[i]``: when offered
    (``gaps[i]`` idle cycles after the previous send) and when every queue held fewer than
    ``depth`` items ``room_lag`` cycles earlier; every queue takes it ``data_lag`` cycles
    after the send. With both lags 0 that is a handshake with queues of ``depth`` (a PE on
    its own: ``queue_slots``); in eie_top ``depth`` is ``queue_room`` and both lags are 2
    (:data:`ROOM_LAG`, :data:`BROADCAST_LAG`), and the queues hold what is in flight. Returns
    ``(b, p, cycles_per_pe, refused)``; PE ``k`` is idle from ``cycles_per_pe[k]`` (0 when nothing
    was broadcast)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n_pe, n = lengths.shape
    gaps = np.zeros(n, dtype=np.int64) if gaps is None else np.asarray(gaps, dtype=np.int64)
    if len(gaps) != n:
        raise ValueError(f"{len(gaps)} gaps for {n} broadcasts")
    b = np.zeros(n, dtype=np.int64)
    p = np.zeros((n, n_pe), dtype=np.int64)
    last_pop = np.zeros(n, dtype=np.int64)          # the slowest queue's pop of each item
    moved = np.zeros(n_pe, dtype=np.int64)          # pointer read stage 1 frees then
    stage2_free = np.zeros(n_pe, dtype=np.int64)    # pointer read stage 2 can take the next
    stage3_free = np.zeros(n_pe, dtype=np.int64)    # pointer read stage 3 can take the next
    free_at = np.zeros(n_pe, dtype=np.int64)        # matrix read can take the next column
    last_issue = np.full(n_pe, -1, dtype=np.int64)
    q = np.zeros(n_pe, dtype=np.int64)
    refused = 0
    for i in range(n):
        offer = int(gaps[0]) if i == 0 else int(b[i - 1]) + 1 + int(gaps[i])
        b[i] = _send(b[:i], last_pop, offer, depth, room_lag, data_lag)
        refused += int(b[i]) - offer
        p[i] = np.maximum(b[i] + data_lag + 1, moved)
        last_pop[i] = p[i].max()
        r = np.maximum(p[i] + 1, stage2_free)
        moved = r
        q = np.maximum(r + 1, stage3_free)
        stage2_free = q
        length = lengths[:, i]
        empty = length == 0
        d = np.maximum(q + 1, free_at)
        stage3_free = np.where(empty, stage3_free, d)
        free_at = np.where(empty, free_at, d + length)
        last_issue = np.where(empty, last_issue, d + length)
    if n == 0:
        cycles = np.zeros(n_pe, dtype=np.int64)
    else:
        cycles = np.maximum(q + 1, np.where(last_issue >= 0, last_issue + DRAIN, 0))
    return b, p, cycles, refused


def _send(sent, last_pop, t: int, depth: int, room_lag: int, lag: int) -> int:
    """The first cycle from ``t`` at which every queue held fewer than ``depth`` items
    ``room_lag`` cycles before. A queue's items at the start of cycle ``s``: those sent
    before ``s - lag`` (taken by cycle ``s - 1``) less those popped before ``s``; pops are in
    order, so "fewer than depth" is "item ``a - depth`` was popped", ``a`` items taken."""
    while True:
        s = t - room_lag
        a = int(np.searchsorted(sent, s - lag, side="left"))
        if a < depth:
            return t
        need = int(last_pop[a - depth]) + 1 + room_lag
        if t >= need:
            return t
        t = need


def pe_cycles(lengths, depth: int, gaps=None) -> PETiming:
    """Timing of one PE, its queue ``depth`` deep (``queue_slots``), for broadcasts whose
    columns have ``lengths[i]`` entries in this PE.

    ``gaps[i]`` idle cycles pass between the previous broadcast's acceptance (or cycle 0) and
    the offer of broadcast ``i`` (default: offered back to back). Returns a :class:`PETiming`.
    """
    lengths = np.asarray(lengths, dtype=np.int64).ravel()
    b, p, cycles, refused = broadcast_timing(lengths[None, :], depth, gaps)
    return PETiming(b, p[:, 0], int(cycles[0]), int(lengths.sum()), refused)


def writeback_cycles(n_rows: int) -> int:
    """Cycles from the write-back's start pulse to its ``busy`` falling."""
    return n_rows + WRITEBACK_LATENCY if n_rows else 0
