"""The pointer memory: one write and two read ports, a true dual-port block RAM on ECP5."""

from amaranth.hdl import Module, unsigned
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.dp16kd import dp16kd_geometry, dp16kd_tiles, output_register
from eie_gen.hw.layouts import MemWriteSignature, RegReadSignature
from eie_gen.hw.targets import target_of

__all__ = ["PointerMemory"]


class PointerMemory(EIEComponent):
    """``ptr_depth`` x ``ptr_word_bits`` with a write port that shares read port ``a``'s
    address and a second read port ``b``.

    Contract: reads go through an output register (address and ``en`` in cycle t, data in
    t + 2; the latch loads while ``en`` is high, the register while ``oce`` is); a write lands at the end of its cycle; ``wr`` and ``a`` carry the same
    address whenever ``wr.en`` is high (the caller muxes it), and neither read port reads a
    word in the cycle it is written (the data would differ between targets).

    Targets (``elaborate``'s platform, :mod:`eie_gen.hw.targets`): ``generic`` is an Amaranth
    memory, which Yosys maps to one block RAM per read port; ``ecp5`` instantiates DP16KD in
    true dual-port mode, port A the write and ``a``, port B ``b``, both through the tiles'
    output registers (REGMODE OUTREG): one block RAM per ``dp16kd_geometry`` instance (one at
    the default capacity). Its simulation model is
    ``sim/models/ecp5/DP16KD.v``; a depth no DP16KD mode holds falls back to ``generic``.

    Members
    -------
    wr : In(MemWriteSignature(ptr_addr_bits, unsigned(ptr_word_bits)))
    a, b : In(RegReadSignature(ptr_addr_bits, unsigned(ptr_word_bits)))

    Latency: 2 cycles per read. Resources: see Targets.
    """

    summary = "the PE's pointer memory (a true dual-port RAM on ECP5)"

    def __init__(self, config: EIEConfig):
        cfg = config
        word = unsigned(cfg.ptr_word_bits)
        super().__init__(config, {
            "wr": In(MemWriteSignature(cfg.ptr_addr_bits, word)),
            "a": In(RegReadSignature(cfg.ptr_addr_bits, word)),
            "b": In(RegReadSignature(cfg.ptr_addr_bits, word)),
        })

    def elaborate(self, platform):
        cfg = self.config
        geometry = dp16kd_geometry(cfg.ptr_word_bits, cfg.ptr_depth)
        if target_of(platform) == "ecp5" and geometry is not None:
            m = Module()        # "mem", as the generic memory is named
            m.submodules.mem = dp16kd_tiles(cfg.ptr_word_bits, cfg.ptr_depth,
                                            self.wr, self.a, self.b)
            return m
        m = Module()
        m.submodules.mem = mem = Memory(shape=unsigned(cfg.ptr_word_bits),
                                        depth=cfg.ptr_depth, init=[])
        wp, ra, rb = mem.write_port(), mem.read_port(), mem.read_port()
        m.d.comb += [wp.en.eq(self.wr.en), wp.addr.eq(self.wr.addr), wp.data.eq(self.wr.data)]
        for port, rp in ((self.a, ra), (self.b, rb)):
            m.d.comb += [rp.addr.eq(port.addr), rp.en.eq(port.en)]
            output_register(m, rp.data, port)
        return m
