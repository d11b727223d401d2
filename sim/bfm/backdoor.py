"""Backdoor load for cocotb simulations: a PE's pointer, matrix and bias memories written
straight into the simulator's arrays, not word by word through AXI4-Lite.

A 64-PE image is about half a million bus writes; on Verilator that is hours of simulated
loading, and the load is not what a benchmark or a regression of the run wants to measure.
The memories end up holding exactly what the bus writes would leave (tests check both give
the same outputs and cycles); descriptors, codebooks and N_LAYERS still go through the bus.
"""

from __future__ import annotations

from eie_gen.config import EIEConfig
from eie_gen.hw.ptr_mem import dp16kd_geometry
from eie_gen.placement import PEContents

__all__ = ["CocotbBackdoor"]


class CocotbBackdoor:
    """``backdoor(k, pe)`` writes PE ``k``'s memories of a placement into ``dut`` (eie_top):
    pointer ``n`` to ``ptr`` row ``n``, matrix word ``n`` to ``spmat`` row ``n``, bias ``n``
    to the activation store's row ``n`` (two's complement).
    For ``target`` ecp5 the pointers go into the tiles of our DP16KD model (``mem``, one
    ``mode``-bit slice of the word each)."""

    def __init__(self, dut, config: EIEConfig, target: str = "generic"):
        self.dut = dut
        self.ptr_mask = (1 << config.ptr_word_bits) - 1
        self.bias_mask = (1 << config.act_bits) - 1
        geometry = dp16kd_geometry(config.ptr_word_bits, config.ptr_depth)
        self.tiles = geometry if target == "ecp5" else None

    def __call__(self, k: int, pe: PEContents) -> None:
        unit = getattr(self.dut, f"pe{k}")
        self._pointers(unit.ptr_read.ptr.mem, pe.ptr)
        spmat = unit.spmat_read.spmat
        for n, word in enumerate(pe.spmat):
            spmat[n].value = int(word)
        store = unit.store.mem                  # biases at rows 0 .. bias_depth - 1
        for n, value in enumerate(pe.bias):
            store[n].value = int(value) & self.bias_mask

    def _pointers(self, mem, ptr) -> None:
        if self.tiles is None:
            for n, value in enumerate(ptr):
                mem[n].value = int(value) & self.ptr_mask
            return
        mode, _, instances = self.tiles
        for t in range(instances):
            tile = getattr(mem, f"tile{t}").mem
            for n, value in enumerate(ptr):
                tile[n].value = (int(value) >> (t * mode)) & ((1 << mode) - 1)
