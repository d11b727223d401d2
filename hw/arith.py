"""Arithmetic unit: codebook decode, multiply, accumulate with a bypass for back-to-back rows."""

from amaranth.hdl import Module, Signal, signed
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.codebook import CodebookDecoder, CodebookWriteSignature
from eie_gen.hw.layouts import BankWriteSignature, MemReadSignature, acc_shape, update_layout

__all__ = ["ArithmeticUnit"]


class ArithmeticUnit(EIEComponent):
    """``acc[row] += codebook[v] * a`` for every update, modulo ``2**acc_bits`` (SPEC §3).

    Four stages: (1) codebook look-up, with the row and activation alongside; (2) multiply into
    a product register (the DSP's output register) while the row's accumulator is read from the
    bank; (3) the accumulator into a register; (4) add and write back. The read in stage 2
    cannot see the writes of the two updates ahead of it, so when either hit the same row its
    sum is forwarded to the adder's input, the newer one first (EIE's bypass path); updates
    further apart read the memory.

    Contract: every update accepted on ``i`` (always ready) is added to accumulator ``row``
    through ``acc_rd``/``acc_wr`` (a bank whose synchronous read port returns the value before
    a same-cycle write). Program the codebook through ``cb_wr`` while idle.

    Members
    -------
    i : In(stream.Signature(update_layout)), ``ready`` is constant 1.
    cb_wr : In(CodebookWriteSignature)
    acc_rd : Out(MemReadSignature(row_bits, signed(acc_bits)))
    acc_wr : Out(BankWriteSignature(row_bits, signed(acc_bits))), ``flag`` 1.
    busy : Out(1), an update is in flight (its write is not done).

    Latency: an update accepted in cycle t is written at the end of cycle t + 3. Throughput:
    one update per cycle, with any row sequence.
    Resources: the codebook LUT, one ``weight_bits`` x ``act_bits`` multiplier (a DSP), one
    ``acc_bits`` adder, two ``row_bits`` comparators and the 3:1 bypass mux.
    """

    summary = "codebook decode, multiply, accumulate"
    waves = {"accumulator":
             ["i__valid", "s3_row", "acc_rd__data", "acc_wr__en", "busy"]}

    latency = 4

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "i": In(stream.Signature(update_layout(cfg))),
            "cb_wr": In(CodebookWriteSignature(cfg)),
            "acc_rd": Out(MemReadSignature(cfg.row_bits, acc_shape(cfg))),
            "acc_wr": Out(BankWriteSignature(cfg.row_bits, acc_shape(cfg))),
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

        # Stage 1: the weight is in the codebook's read register.
        s1_row = Signal(cfg.row_bits)
        s1_a = Signal(signed(cfg.act_bits))
        m.d.sync += [s1_row.eq(self.i.payload.row), s1_a.eq(self.i.payload.a)]
        s1_valid = codebook.o.valid

        # Stage 2: the product register; the row's accumulator arrives from the bank.
        s2_valid = Signal()
        s2_row = Signal(cfg.row_bits)
        s2_prod = Signal(signed(cfg.weight_bits + cfg.act_bits))
        m.d.sync += [s2_valid.eq(s1_valid), s2_row.eq(s1_row),
                     s2_prod.eq(codebook.o.payload * s1_a)]
        m.d.comb += [self.acc_rd.addr.eq(s1_row), self.acc_rd.en.eq(s1_valid)]

        # Stage 3: the accumulator registered (block RAM outputs are slow), then add and write.
        s3_valid = Signal()
        s3_row = Signal(cfg.row_bits)
        s3_prod = Signal.like(s2_prod)
        s3_mem = Signal(acc_shape(cfg))
        m.d.sync += [s3_valid.eq(s2_valid), s3_row.eq(s2_row), s3_prod.eq(s2_prod),
                     s3_mem.eq(self.acc_rd.data)]
        # The read for this update was issued two cycles ago: it missed the writes of the
        # last two cycles, so their sums are forwarded, the newer first (EIE's bypass).
        last = [(Signal(name=f"last{n}_valid"), Signal(cfg.row_bits, name=f"last{n}_row"),
                 Signal(acc_shape(cfg), name=f"last{n}_sum")) for n in (1, 2)]
        old = Signal(acc_shape(cfg))
        total = Signal(acc_shape(cfg))
        with m.If(last[0][0] & (last[0][1] == s3_row)):
            m.d.comb += old.eq(last[0][2])
        with m.Elif(last[1][0] & (last[1][1] == s3_row)):
            m.d.comb += old.eq(last[1][2])
        with m.Else():
            m.d.comb += old.eq(s3_mem)
        m.d.comb += [
            total.eq(old + s3_prod),            # truncation to acc_bits is the wrap
            self.acc_wr.en.eq(s3_valid),
            self.acc_wr.addr.eq(s3_row),
            self.acc_wr.data.eq(total),
            self.acc_wr.flag.eq(1),
            self.busy.eq(s1_valid | s2_valid | s3_valid),
        ]
        m.d.sync += [
            last[0][0].eq(s3_valid), last[0][1].eq(s3_row), last[0][2].eq(total),
            last[1][0].eq(last[0][0]), last[1][1].eq(last[0][1]), last[1][2].eq(last[0][2]),
        ]
        return m
