"""Arithmetic unit: codebook decode, multiply, accumulate with a bypass for back-to-back rows."""

from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.codebook import CodebookDecoder, CodebookWriteSignature
from eie_gen.hw.layouts import MemWriteSignature, RegReadSignature, acc_shape, update_layout
from eie_gen.hw.lutmux import mux4
from eie_gen.hw.mult import Multiplier

__all__ = ["ArithmeticUnit"]

BYPASS = 3          # the writes an accumulator read can miss: its sum is forwarded instead


class ArithmeticUnit(EIEComponent):
    """``acc[row] += codebook[v] * a`` for every update, modulo ``2**acc_bits`` (SPEC §3).

    Five stages: (1) codebook look-up, with the row and activation alongside; (2) weight and
    activation into the multiplier's input registers while the row's accumulator is read from
    the memory, and compare the row with the three updates ahead; (3) the product in the
    multiplier's output register (both the DSP's own on ECP5, see
    :class:`~eie_gen.hw.mult.Multiplier`), the accumulator in the memory's output register
    (the DP16KD's own on ECP5), and which of those updates (if any) it must take instead,
    as a 2-bit select register; (4) add; (5) write from a register. The read in stage 2
    cannot see the writes of the three updates ahead of it, so when one hit the same row its
    sum is forwarded to the adder's input, the newest first (EIE's bypass path); updates
    further apart read the memory. No comparator and no write-data path sits between the mux
    and the adder: the critical loop is one 4:1 mux (on ECP5 two LUT4 and their slice's
    PFUMX a bit, :func:`~eie_gen.hw.lutmux.mux4`) and the ``acc_bits`` carry chain.

    Contract: every update accepted on ``i`` (always ready) is added to accumulator ``row``
    through ``acc_rd``/``acc_wr`` (a memory whose synchronous read port may return anything
    for a word written in the same cycle: the bypass covers it); ``acc_wr.data`` is 0 whenever
    ``acc_wr.en`` is low. Program the codebook through ``cb_wr`` while idle.

    Members
    -------
    i : In(stream.Signature(update_layout)), ``ready`` is constant 1.
    cb_wr : In(CodebookWriteSignature)
    acc_rd : Out(RegReadSignature(row_bits, signed(acc_bits))), data two cycles after the
    address (``oce`` 1: the unit never stalls)
    acc_wr : Out(MemWriteSignature(row_bits, signed(acc_bits)))
    busy : Out(1), an update is in flight (its write is not done).

    Latency: an update accepted in cycle t is written at the end of cycle t + 4. Throughput:
    one update per cycle, with any row sequence.
    Resources: the codebook LUT, one ``weight_bits`` x ``act_bits`` multiplier (a DSP), one
    ``acc_bits`` adder, three ``row_bits`` comparators and the 4:1 bypass mux.
    """

    summary = "codebook decode, multiply, accumulate"
    waves = {"accumulator":
             ["i__valid", "s3_row", "acc_rd__data", "acc_wr__en", "busy"]}

    latency = 5

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "i": In(stream.Signature(update_layout(cfg))),
            "cb_wr": In(CodebookWriteSignature(cfg)),
            "acc_rd": Out(RegReadSignature(cfg.row_bits, acc_shape(cfg))),
            "acc_wr": Out(MemWriteSignature(cfg.row_bits, acc_shape(cfg))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        m.submodules.codebook = codebook = CodebookDecoder(cfg)
        wiring.connect(m, wiring.flipped(self.cb_wr), codebook.wr)
        m.d.comb += [
            self.i.ready.eq(1),
            codebook.i.valid.eq(self.i.valid),
            codebook.i.payload.eq(self.i.payload.v),
            codebook.o.ready.eq(1),
        ]
        stage = lambda n: (Signal(name=f"s{n}_valid"),                       # noqa: E731
                           Signal(cfg.row_bits, name=f"s{n}_row"))
        (v2, row2), (v3, row3), (v4, row4), (v5, row5) = (stage(n) for n in (2, 3, 4, 5))

        # Stage 1: the weight is in the codebook's read register; the accumulator is read.
        s1_row = Signal(cfg.row_bits)
        s1_a = Signal(signed(cfg.act_bits))
        m.d.sync += [s1_row.eq(self.i.payload.row), s1_a.eq(self.i.payload.a)]
        v1 = codebook.o.valid
        m.d.comb += [self.acc_rd.addr.eq(s1_row), self.acc_rd.en.eq(v1), self.acc_rd.oce.eq(1)]

        # Stage 2: the multiplier's input registers (a MULT18X18D's own on ECP5); the
        # accumulator arrives; the bypass is decided: the updates in stages 3, 4 and 5 write
        # after this read was issued.
        m.submodules.mult = mult = Multiplier(cfg)
        m.d.comb += [mult.a.eq(codebook.o.payload), mult.b.eq(s1_a)]
        m.d.sync += [v2.eq(v1), row2.eq(s1_row)]
        sums = [Signal(acc_shape(cfg), name=f"s{n}_sum") for n in (4, 5, 6)]
        # Which value the adder takes, as a 4:1 select: 0 the memory's, n the sum of the
        # update n ahead, the newest matching one. As gates, not an if-chain: Yosys made the
        # chain the register's synchronous reset, a seven-LUT path into its LSR pins.
        pick = Signal(2)
        match = [v & (r == row2) for v, r in ((v3, row3), (v4, row4), (v5, row5))]
        m.d.sync += pick.eq(Cat(match[0] | (~match[1] & match[2]),
                                ~match[0] & (match[1] | match[2])))

        # Stage 3: the accumulator registered and the product in the multiplier's output
        # register; add (the sum registers of the three updates ahead are, newest first,
        # sums[0..2]).
        mem3 = self.acc_rd.data
        prod3 = mult.p
        m.d.sync += [v3.eq(v2), row3.eq(row2)]
        old = mux4(m, platform, pick, [mem3, *sums], "old").as_signed()
        # Stage 4: the sum registered (truncation to acc_bits is the wrap) and written; zero
        # between updates (the register's synchronous reset), which the accumulators' clears
        # write, so no zero mux sits in front of the block RAM's data pins.
        m.d.sync += [v4.eq(v3), row4.eq(row3), sums[0].eq(Mux(v3, old + prod3, 0)),
                     v5.eq(v4), row5.eq(row4), sums[1].eq(sums[0]), sums[2].eq(sums[1])]
        m.d.comb += [
            self.acc_wr.en.eq(v4), self.acc_wr.addr.eq(row4), self.acc_wr.data.eq(sums[0]),
            self.busy.eq(v1 | v2 | v3 | v4),
        ]
        return m
