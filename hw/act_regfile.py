"""Activation register files: source and destination banks that swap roles between layers."""

from amaranth.hdl import Module, Signal
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import BankWriteSignature, MemReadSignature, acc_shape

__all__ = ["ActivationRegisterFiles"]


class ActivationRegisterFiles(EIEComponent):
    """Two banks of ``act_depth`` words; ``sel`` names the source bank, the other is the
    destination.

    The source bank holds the layer's input slice (the previous layer's write-back, or the
    host's input) and is read by the leading-non-zero detector; the destination bank holds the
    accumulators, read and written by the arithmetic unit and then by the write-back. After the
    write-back the control unit flips ``sel`` and the output slice is the next layer's input,
    without moving a word.

    Each bank has a flag per word: a write sets it to the writer's ``flag``, ``clear_src`` /
    ``clear_dst`` reset all of a bank's flags in one cycle, and a read of a word whose flag is
    clear returns 0. Accumulations write flag 1 ("holds a sum"), activations ``y != 0``. So
    clearing the destination at a layer start zeroes every accumulator at once, and the source
    bank's flags are the non-zero map the detector scans (``src_flags``); the write-back
    rewrites every flag of its rows. (The writer passes the flag so that no ``acc_bits``-wide
    zero test sits on the accumulate loop.)

    Contract: reads are synchronous (address in cycle t, data in t + 1, held while ``en`` is
    low) and return the word before a same-cycle write. A clear and a write of the same bank in
    one cycle: the write's flag wins. ``sel`` changes only while both banks are quiet.

    Members
    -------
    sel : In(1)
    src_rd, dst_rd : In(MemReadSignature(row_bits, signed(acc_bits)))
    src_wr, dst_wr : In(BankWriteSignature(row_bits, signed(acc_bits)))
    clear_src, clear_dst : In(1)
    src_flags : Out(act_depth)

    Latency: 1 cycle per read. Throughput: per bank one read and one write per cycle.
    Resources: two ``act_depth`` x ``acc_bits`` simple dual-port memories, ``2 * act_depth``
    flag flops with their write decoders and read muxes.
    """

    summary = "the PE's source/destination activation banks"

    def __init__(self, config: EIEConfig):
        cfg = config
        rd = MemReadSignature(cfg.row_bits, acc_shape(cfg))
        wr = BankWriteSignature(cfg.row_bits, acc_shape(cfg))
        super().__init__(config, {
            "sel": In(1),
            "src_rd": In(rd), "dst_rd": In(rd),
            "src_wr": In(wr), "dst_wr": In(wr),
            "clear_src": In(1), "clear_dst": In(1),
            "src_flags": Out(cfg.act_depth),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        data_out = []
        flags = []
        for b in range(2):
            mem = Memory(shape=acc_shape(cfg), depth=cfg.act_depth, init=[])
            m.submodules[f"bank{b}"] = mem
            wp, rp = mem.write_port(), mem.read_port(domain="sync")
            flag = Signal(cfg.act_depth, name=f"flags{b}")
            flag_q = Signal(name=f"flag_q{b}")
            flag_in = Signal(name=f"flag_in{b}")
            is_src = self.sel == b
            with m.If(is_src):
                m.d.comb += [rp.addr.eq(self.src_rd.addr), rp.en.eq(self.src_rd.en)]
                m.d.comb += [wp.en.eq(self.src_wr.en), wp.addr.eq(self.src_wr.addr),
                             wp.data.eq(self.src_wr.data), flag_in.eq(self.src_wr.flag)]
            with m.Else():
                m.d.comb += [rp.addr.eq(self.dst_rd.addr), rp.en.eq(self.dst_rd.en)]
                m.d.comb += [wp.en.eq(self.dst_wr.en), wp.addr.eq(self.dst_wr.addr),
                             wp.data.eq(self.dst_wr.data), flag_in.eq(self.dst_wr.flag)]
            with m.If(rp.en):
                m.d.sync += flag_q.eq(flag.bit_select(rp.addr, 1))
            with m.If(is_src & self.clear_src | ~is_src & self.clear_dst):
                m.d.sync += flag.eq(0)
            with m.If(wp.en):
                m.d.sync += flag.bit_select(wp.addr, 1).eq(flag_in)
            value = Signal(acc_shape(cfg), name=f"value{b}")
            m.d.comb += value.eq(rp.data & flag_q.replicate(cfg.acc_bits))
            data_out.append(value)
            flags.append(flag)

        with m.If(self.sel):
            m.d.comb += [self.src_rd.data.eq(data_out[1]), self.dst_rd.data.eq(data_out[0]),
                         self.src_flags.eq(flags[1])]
        with m.Else():
            m.d.comb += [self.src_rd.data.eq(data_out[0]), self.dst_rd.data.eq(data_out[1]),
                         self.src_flags.eq(flags[0])]
        return m
