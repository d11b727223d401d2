"""The PE's activations and biases: one memory, and the map of non-zero activations."""

from amaranth.hdl import Cat, Const, Module, Signal, signed
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import BankWriteSignature, MemWriteSignature, RegReadSignature

__all__ = ["ActivationStore", "region_bits"]


def region_bits(cfg: EIEConfig) -> int:
    """Address bits of a region: biases at ``[0, bias_depth)``, activation row ``r`` at
    ``(1 << region_bits) + r``."""
    return max(cfg.bias_addr_bits, cfg.row_bits)


class ActivationStore(EIEComponent):
    """The layer's input activations and every layer's biases in one memory region (of
    :class:`~eie_gen.hw.matrix_mem.MatrixMemory`, on ``mem_wr`` and ``mem_rd``), with a flag
    per activation row: "non-zero".

    One activation bank suffices: a layer reads its inputs (the detector, ``act_rd``) while it
    accumulates into :class:`~eie_gen.hw.accumulators.Accumulators`, and the write-back then
    overwrites them with the outputs (``act_wr``) while it reads the biases (``bias_rd``); those
    outputs are the next layer's inputs. So the activations and the biases never need more
    than one read and one write a cycle together, and share a block RAM (on ECP5 at small
    capacities, the matrix's).

    ``act_wr`` sets the row's flag to the writer's ``flag``; ``clear`` resets every flag (the
    host's CLEAR_ACT before it writes inputs, and the write-back's start; it wins over a
    write in the same cycle, which neither caller makes). ``nonzero`` is the flags: the rows the
    detector sends. A row's word is meaningful only after it was written.

    Contract: reads through the memory's output register (address in cycle t, data in t + 2,
    :class:`~eie_gen.hw.layouts.RegReadSignature`), which loads when both readers' ``oce``
    are high: the one not reading drives 1. ``act_wr`` and ``bias_wr`` never in one cycle,
    nor ``act_rd`` and ``bias_rd``.

    Members
    -------
    act_wr : In(BankWriteSignature(row_bits, signed(act_bits)))
    act_rd : In(RegReadSignature(row_bits, signed(act_bits)))
    bias_wr : In(MemWriteSignature(bias_addr_bits, signed(act_bits)))
    bias_rd : In(RegReadSignature(bias_addr_bits, signed(act_bits)))
    clear : In(1)
    nonzero : Out(act_depth)
    mem_wr : Out(MemWriteSignature(region_bits + 1, signed(act_bits)))
    mem_rd : Out(RegReadSignature(region_bits + 1, signed(act_bits)))

    Latency: 2 cycles per read (the memory's); a flag follows its write at the end of the
    cycle. Resources: ``act_depth`` flag flops with their write decoder, the address muxes;
    the region is ``2 ** region_bits + act_depth`` words of the matrix memory unit.
    """

    summary = "the PE's activations, biases and non-zero flags"

    def __init__(self, config: EIEConfig):
        cfg = config
        act = signed(cfg.act_bits)
        super().__init__(config, {
            "act_wr": In(BankWriteSignature(cfg.row_bits, act)),
            "act_rd": In(RegReadSignature(cfg.row_bits, act)),
            "bias_wr": In(MemWriteSignature(cfg.bias_addr_bits, act)),
            "bias_rd": In(RegReadSignature(cfg.bias_addr_bits, act)),
            "clear": In(1),
            "nonzero": Out(cfg.act_depth),
            "mem_wr": Out(MemWriteSignature(region_bits(cfg) + 1, act)),
            "mem_rd": Out(RegReadSignature(region_bits(cfg) + 1, act)),
        })

    def elaborate(self, platform):
        cfg = self.config
        w = region_bits(cfg)
        m = Module()
        wp, rp = self.mem_wr, self.mem_rd

        def act_addr(port):                         # activation row r at (1 << w) + r
            return Cat(port.addr, Const(0, w - cfg.row_bits), Const(1, 1))

        with m.If(self.bias_wr.en):
            m.d.comb += [wp.addr.eq(self.bias_wr.addr), wp.data.eq(self.bias_wr.data)]
        with m.Else():
            m.d.comb += [wp.addr.eq(act_addr(self.act_wr)), wp.data.eq(self.act_wr.data)]
        with m.If(self.bias_rd.en):
            m.d.comb += rp.addr.eq(self.bias_rd.addr)
        with m.Else():
            m.d.comb += rp.addr.eq(act_addr(self.act_rd))
        m.d.comb += [
            wp.en.eq(self.bias_wr.en | self.act_wr.en),
            rp.en.eq(self.bias_rd.en | self.act_rd.en),
            rp.oce.eq(self.bias_rd.oce & self.act_rd.oce),
            self.act_rd.data.eq(rp.data), self.bias_rd.data.eq(rp.data),
        ]

        # The clear as every flag's synchronous reset and the row's select as its enable,
        # both pins of an ECP5 or iCE40 flip-flop: a flag is its decode and nothing else.
        flags, wr = self.nonzero, self.act_wr
        for r in range(cfg.act_depth):
            with m.If(self.clear):
                m.d.sync += flags[r].eq(0)
            with m.Elif(wr.en & (wr.addr == r)):
                m.d.sync += flags[r].eq(wr.flag)
        return m
