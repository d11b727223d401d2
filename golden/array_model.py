"""Cycle model of the whole accelerator (hw/eie_top.py): CYCLES of a run, layer by layer.

Per layer the control unit copies the codebook (18 cycles), pulses scan, settles 3 cycles,
lets the LNZD tree broadcast until it is empty and every PE idle (which it sees 2 cycles
late), starts the write-back and waits for it: ``B + W + LAYER_OVERHEAD`` cycles, where

* ``B`` is the broadcast phase: 0 with no non-zero input, else ``2 + lnzd_levels +`` the
  slowest PE's idle cycle under the common broadcast schedule (:func:`eie_gen.golden.pe_model.
  broadcast_timing`), the first broadcast leaving the tree ``4 + lnzd_levels`` cycles after
  the scan (detector load, find, read, read register, one register per tree level);
* ``W = max(n_rows + 8, 1)`` is the write-back.

The tree drains PE-major: PE 0's non-zero inputs by row, then PE 1's, and so on; each
broadcast goes to every queue in the same cycle, when all have room.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.encode import column_lengths
from eie_gen.image import ModelImage
from eie_gen.golden.model import layer_inputs
from eie_gen.golden.pe_model import BROADCAST_LAG, ROOM_LAG, broadcast_timing, writeback_cycles

__all__ = ["LayerTiming", "RunTiming", "broadcast_order", "layer_timing", "run_timing",
           "LAYER_OVERHEAD"]

# Codebook copy 18 (16 words through the memory's latch and output register), scan 1, settle 1, write-back pulse 1, the cycle the last wait ends in, and
# 2 for eie_top's two status register stages (hw/layouts.STATUS_LATENCY): the broadcast's end
# is seen that much later, and a layer with nothing to broadcast settles that much longer.
LAYER_OVERHEAD = 24


@dataclass
class LayerTiming:
    broadcasts: int            # non-zero inputs
    pe_entries: np.ndarray     # entries each PE walked
    broadcast_cycles: int      # B: the broadcast phase
    writeback_cycles: int      # W
    cycles: int                # B + W + LAYER_OVERHEAD
    refused: int               # cycles the tree's root waited for a full queue

    @property
    def ideal(self) -> int:
        """The busiest PE's entries: what perfect balance and overlap would need."""
        return int(self.pe_entries.max()) if self.pe_entries.size else 0

    @property
    def load_balance(self) -> float:
        """Ideal over the broadcast phase (1.0 = no PE ever waits or starves)."""
        return self.ideal / self.broadcast_cycles if self.broadcast_cycles else 1.0


@dataclass
class RunTiming:
    layers: list

    @property
    def cycles(self) -> int:
        """What CYCLES reads after the run."""
        return sum(layer.cycles for layer in self.layers)

    @property
    def load_balance(self) -> float:
        busy = sum(layer.broadcast_cycles for layer in self.layers)
        return sum(layer.ideal for layer in self.layers) / busy if busy else 1.0


def broadcast_order(a: np.ndarray, n_pe: int) -> np.ndarray:
    """The columns the tree broadcasts for input ``a``: non-zeros, PE-major, rows ascending."""
    nz = np.nonzero(np.asarray(a))[0]
    return nz[np.lexsort((nz // n_pe, nz % n_pe))]


def run_timing(image: ModelImage, config: EIEConfig, x) -> RunTiming:
    """Timing of one input vector ``x`` through every layer."""
    acts = layer_inputs(image, x)
    n_pe = image.n_pe
    layers = []
    for L, layer in enumerate(image.layers):
        order = broadcast_order(acts[L], n_pe)
        layers.append(layer_timing(column_lengths(layer.ptr)[:, order], layer.rows, config))
    return RunTiming(layers)


def layer_timing(lengths, rows: int, config: EIEConfig) -> LayerTiming:
    """Timing of one layer of ``rows`` outputs whose broadcasts, in the tree's order, have
    ``lengths[k, i]`` entries in PE ``k`` (``config`` gives n_pe, fifo_depth, the tree)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    n = lengths.shape[1]
    if n:
        _, _, idle, refused = broadcast_timing(lengths, config.queue_room, room_lag=ROOM_LAG,
                                               data_lag=BROADCAST_LAG)
        b = 2 + config.lnzd_levels + int(idle.max())
    else:
        b, refused = 0, 0
    w = max(writeback_cycles(-(-rows // config.n_pe)), 1)
    return LayerTiming(n, lengths.sum(axis=1), b, w, b + w + LAYER_OVERHEAD, refused)
