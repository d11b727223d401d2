"""Sparse-matrix read unit: word-wide reads, one entry per cycle to the arithmetic unit."""

from amaranth.hdl import Module, Signal, unsigned
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemWriteSignature, RegReadSignature, column_layout, entry_layout

__all__ = ["SparseMatrixRead"]


class SparseMatrixRead(EIEComponent):
    """Walk each column's entries ``[start, end)`` out of a word-wide matrix memory.

    Entry ``e`` is lane ``e % entries_per_word`` of word ``e // entries_per_word`` (SPEC §2.5).
    The unit reads the word of every entry it issues, in the cycle before the entry is needed,
    so a column that starts mid-word or crosses a word boundary costs no bubble, and the next
    column's first entry follows the current column's last one in the next cycle when its
    range is waiting on ``i``. (Reading a word again costs power, not time; keeping the one
    read last, with its compare, put the read enable four gates and a long route from its
    registers, the 16-PE critical path.)

    Contract: every column on ``i`` must be non-empty (``start < end``; the pointer read unit
    drops empty ones). Each of its entries leaves on ``o`` in order, with ``first`` set on the
    column's first entry and the column's activation. Write ``wr`` only while idle.

    Members
    -------
    i : In(stream.Signature(column_layout))
    o : Out(stream.Signature(entry_layout))
    wr : In(MemWriteSignature(spmat_addr_bits, unsigned(word_bits))), the host's, passed to
    mem_wr : Out(MemWriteSignature(spmat_addr_bits, unsigned(word_bits))) and
    mem_rd : Out(RegReadSignature(spmat_addr_bits, unsigned(word_bits))), the
    :class:`~eie_gen.hw.matrix_mem.MatrixMemory`'s matrix ports.
    busy : Out(1), a column or an entry is in the unit.

    Latency: a column accepted in cycle t gives its first entry on ``o`` in cycle t + 3 (issue,
    word read into the memory's latch, then into its output register, a DP16KD's own on
    ECP5; the lane mux follows that register).
    Throughput: one entry per cycle, also across columns. ``i.ready`` depends combinationally on
    ``o.ready``.
    Resources: two ``ptr_bits`` registers, an incrementer, a decrementer and two equality
    tests, two stages of registers (the output word is the memory's output register), an
    ``entries_per_word``:1 lane mux after them; the memory is the matrix memory unit's.
    """

    summary = "the PE's sparse-matrix read"
    waves = {"entry":
             ["i__valid", "i__ready", "o__valid", "o__ready", "o__payload", "busy"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "i": In(stream.Signature(column_layout(cfg))),
            "o": Out(stream.Signature(entry_layout(cfg))),
            "wr": In(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "mem_wr": Out(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "mem_rd": Out(RegReadSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        lane_bits = (cfg.entries_per_word - 1).bit_length()
        m = Module()
        rp = self.mem_rd
        m.d.comb += [self.mem_wr.en.eq(self.wr.en), self.mem_wr.addr.eq(self.wr.addr),
                     self.mem_wr.data.eq(self.wr.data)]

        # Issue stage: the column being walked.
        walking = Signal()
        cur = Signal(cfg.ptr_bits)
        a = Signal.like(self.i.payload.a)
        first = Signal()
        # Word stage: the read port's latch holds the word of the entry in this stage
        # (`w_valid`), at lane `w_lane`.
        w_valid = Signal()
        w_lane = Signal(max(1, lane_bits))
        w_first = Signal()
        w_a = Signal.like(a)

        take_o, take_w, issue, last = Signal(), Signal(), Signal(), Signal()
        # `cur == end - 1`, kept in a register computed from the next `cur`, an equality with
        # `end - 1` kept at load (no adder and magnitude compare per cycle: a corrupt range
        # still ends, within 2**ptr_bits entries). Compared combinationally it sat at the
        # head of the ready chain back through the pointer read into the queue (the ECP5
        # critical path).
        last_q = Signal()
        end_m1 = Signal(cfg.ptr_bits)
        in_end_m1 = Signal(cfg.ptr_bits)
        m.d.comb += in_end_m1.eq(self.i.payload.end - 1)
        word = Signal(cfg.spmat_addr_bits)
        m.d.comb += [
            take_o.eq(~self.o.valid | self.o.ready),
            take_w.eq(~w_valid | take_o),
            issue.eq(walking & take_w),
            last.eq(last_q),
            word.eq(cur >> lane_bits),
            self.i.ready.eq(~walking | (issue & last)),
            rp.en.eq(issue),
            rp.oce.eq(take_o),
            self.busy.eq(walking | w_valid | self.o.valid),
        ]
        m.d.comb += rp.addr.eq(word)
        # The output stage: the whole word in the memory's output register, and the lane; the
        # lane mux comes after the register, so the block RAM's slow latch (5.6 ns on ECP5)
        # reaches its own register and the mux shares a cycle with the relative-index adder.
        o_word = rp.data
        o_lane = Signal(max(1, lane_bits))
        if cfg.entries_per_word == 1:
            entry = o_word
        else:
            entry = o_word.word_select(o_lane, cfg.entry_bits)
        m.d.comb += [self.o.payload.v.eq(entry[:cfg.index_bits]),
                     self.o.payload.z.eq(entry[cfg.index_bits:])]

        with m.If(take_w):
            m.d.sync += [w_valid.eq(issue), w_lane.eq(cur[:max(1, lane_bits)]),
                         w_first.eq(first), w_a.eq(a)]
        with m.If(take_o):
            m.d.sync += [
                self.o.valid.eq(w_valid),
                o_lane.eq(w_lane),
                self.o.payload.first.eq(w_first),
                self.o.payload.a.eq(w_a),
            ]
        nxt = Signal(cfg.ptr_bits)
        m.d.comb += nxt.eq(cur + 1)
        with m.If(issue):
            m.d.sync += [cur.eq(nxt), first.eq(0), last_q.eq(nxt == end_m1)]
        with m.If(self.i.valid & self.i.ready):
            m.d.sync += [walking.eq(1), cur.eq(self.i.payload.start), end_m1.eq(in_end_m1),
                         a.eq(self.i.payload.a), first.eq(1),
                         last_q.eq(self.i.payload.start == in_end_m1)]
        with m.Elif(issue & last):
            m.d.sync += walking.eq(0)
        return m
