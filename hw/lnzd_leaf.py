"""The PE's local leading-non-zero detector: the leaf of the LNZD quadtree."""

from amaranth.hdl import Const, Module, Mux, Signal, signed
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import RegReadSignature, nonzero_layout

__all__ = ["LNZDLeaf", "lowest_set_bit"]


def lowest_set_bit(bits) -> tuple:
    """``(any, index)`` of the lowest set bit of ``bits``, as a balanced tree of 2:1 choices
    (``log2(len)`` levels deep, not a chain of ``len`` muxes)."""
    n = len(bits)
    if n == 1:
        return bits[0], Const(0, 1)
    half = 1 << ((n - 1).bit_length() - 1)          # largest power of two below n
    lo_any, lo_idx = lowest_set_bit(bits[:half])
    hi_any, hi_idx = lowest_set_bit(bits[half:])
    return lo_any | hi_any, Mux(lo_any, lo_idx, half + hi_idx)


class LNZDLeaf(EIEComponent):
    """Find the PE's non-zero source activations, lowest local row first, one per cycle.

    ``load`` copies the activations' non-zero flags into a pending mask (at a layer start).
    Each cycle the output can advance, the lowest pending row is cleared from the mask into a
    register, the row found the cycle before is read from the activations (into the read
    port's latch), the value read the cycle before that moves into the port's output
    register, and from there it leaves on ``o`` as ``(r, a)``. The three stages advance
    together. Zero activations cost nothing: they are never pending. The
    quadtree above turns ``r`` into ``j = r * n_pe + k``.

    Contract: after ``load``, every row whose flag was set leaves once on ``o``, ascending;
    ``done`` is high when nothing is pending or held. The activations must not change while
    rows are pending.

    Members
    -------
    flags : In(act_depth), the activations' non-zero flags.
    load : In(1)
    src_rd : Out(RegReadSignature(row_bits, signed(act_bits))), on the activations.
    o : Out(stream.Signature(nonzero_layout))
    done : Out(1)

    The output is a two-place queue (the older on ``o``, like the output and skid registers
    of :class:`~eie_gen.hw.lnzd_node.LNZDNode`): the read port's output register (stage 3,
    loaded as the stages advance; on ECP5 the DP16KD's own, so the block RAM's slow latch
    reaches nothing else) and a hold register behind it, which takes stage 3's item when
    it is free and the item is not taken from stage 3 directly. The stages advance while the
    queue had room at the end of the last cycle (a register), so ``o.ready`` (the node's grant,
    a function of the other leaves' ``valid``) reaches only the hold register and the queue's
    count, not the mask, the stages and the read port. A stall keeps one more item in the
    queue; while it is full the read port's latch holds the value of the stage-2 row.

    Latency: 4 cycles from ``load`` to the first ``o.valid`` (load, find, read into the latch,
    output register: the block RAM's latch is not followed by the tree's muxes). Throughput:
    one activation per cycle, also right after a stall (stage 3 is on ``o`` in the cycle the
    hold register's item is taken).
    Resources: ``act_depth`` mask flops, a ``log2(act_depth)``-deep priority encoder, an
    ``act_depth``-bit decrement (carry chain) that clears the lowest bit, stage 3's row, the
    hold register and a 2:1 multiplexer after it and the read port's output register.
    """

    summary = "the PE's local non-zero detector (a leaf of the tree)"
    waves = {"LNZD leaf":
             ["load", "o__valid", "o__ready", "o__payload", "done"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "flags": In(cfg.act_depth),
            "load": In(1),
            "src_rd": Out(RegReadSignature(cfg.row_bits, signed(cfg.act_bits))),
            "o": Out(stream.Signature(nonzero_layout(cfg))),
            "done": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        pending = Signal(cfg.act_depth)
        any_, idx = lowest_set_bit(pending)
        found = Signal(cfg.row_bits)
        # Stage 1: the row found last cycle (the encoder's output registered: it is
        # log2(act_depth) muxes deep, and the bank's address decode follows).
        s1_valid = Signal()
        s1_row = Signal(cfg.row_bits)
        # Stage 2: the row being read (its value is in src_rd's latch the cycle after).
        s2_valid = Signal()
        s2_row = Signal(cfg.row_bits)
        # Stage 3, the queue's younger place: the row whose value is in src_rd's output
        # register. The older place, the hold register `h`, loads from it.
        s3_valid = Signal()
        s3_row = Signal(cfg.row_bits)
        h_valid = Signal()
        h_row = Signal(cfg.row_bits)
        h_a = Signal(cfg.act_bits)
        count = Signal(range(3))            # items in the queue: h_valid + s3_valid
        full = Signal()                     # count == 2, registered
        take = Signal()                     # the stages advance
        push, pop, pop_s3, h_load = Signal(), Signal(), Signal(), Signal()
        s3_a = self.src_rd.data.as_unsigned()      # as h_a: the head is a bit pattern
        head = [Mux(h_valid, h_row, s3_row), Mux(h_valid, h_a, s3_a)]
        # For formal/lnzd.py (its invariants name the pipeline's registers).
        self._pending, self._s1, self._s2 = pending, (s1_valid, s1_row), (s2_valid, s2_row)
        self._out, self._second = tuple(head), (full, s3_row, s3_a)
        self._queue = (count, h_valid, s3_valid)
        m.d.comb += [
            found.eq(idx),
            take.eq(~full),
            push.eq(take & s2_valid),
            pop.eq(self.o.valid & self.o.ready),
            pop_s3.eq(pop & ~h_valid),
            # The hold register is free (empty or its item taken) and stage 3 has an item
            # that stays: it moves up.
            h_load.eq((~h_valid | pop) & s3_valid & ~pop_s3),
            self.src_rd.addr.eq(s1_row),
            self.src_rd.en.eq(take & s1_valid),
            self.src_rd.oce.eq(take),
            self.o.payload.r.eq(head[0]),
            self.o.payload.a.eq(head[1]),
            self.done.eq(~any_ & ~s1_valid & ~s2_valid & ~self.o.valid),
        ]
        with m.If(take):
            m.d.sync += [s3_valid.eq(s2_valid), s3_row.eq(s2_row),
                         s2_valid.eq(s1_valid), s2_row.eq(s1_row),
                         s1_valid.eq(any_), s1_row.eq(found)]
        with m.Elif(h_load):
            m.d.sync += s3_valid.eq(0)
        with m.If(h_load):
            m.d.sync += [h_valid.eq(1), h_row.eq(s3_row), h_a.eq(s3_a)]
        with m.Elif(pop & h_valid):
            m.d.sync += h_valid.eq(0)
        after = count + push - pop
        m.d.sync += [count.eq(after), self.o.valid.eq(after != 0), full.eq(after == 2)]
        # The lowest set bit leaves the mask as `pending & (pending - 1)`: a carry chain, not
        # the encoder followed by a decoder (that loop limited the PE's clock). An empty mask
        # stays empty that way, so the update needs only `take`: `any_`, an OR over the mask,
        # in the flops' enable was the 2-PE critical path.
        rest = Signal(cfg.act_depth)
        m.d.comb += rest.eq(pending & (pending - 1))
        with m.If(self.load):
            m.d.sync += [pending.eq(self.flags), s1_valid.eq(0), s2_valid.eq(0)]
        with m.Elif(take):
            m.d.sync += pending.eq(rest)
        return m
