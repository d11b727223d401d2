"""Backdoor load for cocotb simulations: a PE's pointer, matrix and bias memories written
straight into the simulator's arrays, not word by word through AXI4-Lite.

A 64-PE image is about half a million bus writes; on Verilator that is hours of simulated
loading, and the load is not what a benchmark or a regression of the run wants to measure.
The memories end up holding exactly what the bus writes would leave (tests check both give
the same outputs and cycles); descriptors, codebooks and N_LAYERS still go through the bus.
"""

from __future__ import annotations

from eie_gen.config import EIEConfig
from eie_gen.hw.dp16kd import dp16kd_geometry
from eie_gen.hw.matrix_mem import shared_base, shared_depth, shared_width
from eie_gen.placement import PEContents

__all__ = ["CocotbBackdoor"]


class CocotbBackdoor:
    """``backdoor(k, pe)`` writes PE ``k``'s memories of a placement into ``dut`` (eie_top):
    pointer ``n`` to ``ptr`` row ``n``, matrix word ``n`` to ``spmat`` row ``n``, bias ``n``
    to the activation store's row ``n`` (two's complement), in the matrix memory unit.
    For ``target`` ecp5 the pointers go into the tiles of our DP16KD model (``mem``, one
    ``mode``-bit slice of the word each), and so do the matrix and the biases where they
    share tiles (:func:`~eie_gen.hw.matrix_mem.shared_base`: the biases from that word on)."""

    def __init__(self, dut, config: EIEConfig, target: str = "generic"):
        self.dut = dut
        self.ptr_mask = (1 << config.ptr_word_bits) - 1
        self.bias_mask = (1 << config.act_bits) - 1
        ecp5 = target == "ecp5"
        self.ptr_tiles = dp16kd_geometry(config.ptr_word_bits, config.ptr_depth) if ecp5 else None
        self.base = shared_base(config, target)
        if self.base is not None:
            self.shared_tiles = dp16kd_geometry(shared_width(config),
                                                shared_depth(config, self.base))

    def __call__(self, k: int, pe: PEContents) -> None:
        unit = getattr(self.dut, f"pe{k}")
        ptr = [int(v) & self.ptr_mask for v in pe.ptr]
        bias = [int(v) & self.bias_mask for v in pe.bias]
        spmat = [int(w) for w in pe.spmat]
        if self.ptr_tiles is None:
            _rows(unit.ptr_read.ptr.mem, ptr)
        else:
            _tiles(unit.ptr_read.ptr.mem, self.ptr_tiles, ptr)
        if self.base is None:
            _rows(unit.matrix.spmat, spmat)
            _rows(unit.matrix.act, bias)        # biases at rows 0 .. bias_depth - 1
        else:
            _tiles(unit.matrix.mem, self.shared_tiles, spmat)
            _tiles(unit.matrix.mem, self.shared_tiles, bias, self.base)


def _rows(mem, values) -> None:
    for n, value in enumerate(values):
        mem[n].value = value


def _tiles(mem, geometry, values, base: int = 0) -> None:
    mode, _, instances = geometry
    for t in range(instances):
        tile = getattr(mem, f"tile{t}").mem
        for n, value in enumerate(values):
            tile[base + n].value = (value >> (t * mode)) & ((1 << mode) - 1)
