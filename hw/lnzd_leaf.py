"""The PE's local leading-non-zero detector: the leaf of the LNZD quadtree."""

from amaranth.hdl import Const, Module, Mux, Signal, signed
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemReadSignature, nonzero_layout

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
    register, the row found the cycle before is read from the activations, the value read the
    cycle before that is registered, and that register leaves on ``o`` as ``(r, a)``. The three
    stages advance together. Zero activations cost nothing: they are never pending. The
    quadtree above turns ``r`` into ``j = r * n_pe + k``.

    Contract: after ``load``, every row whose flag was set leaves once on ``o``, ascending;
    ``done`` is high when nothing is pending or held. The activations must not change while
    rows are pending.

    Members
    -------
    flags : In(act_depth), the activations' non-zero flags.
    load : In(1)
    src_rd : Out(MemReadSignature(row_bits, signed(act_bits))), on the activations.
    o : Out(stream.Signature(nonzero_layout))
    done : Out(1)

    The output is a two-place queue of registers (the older on ``o``, like the output and
    skid registers of :class:`~eie_gen.hw.lnzd_node.LNZDNode`): the stages advance while it
    has room behind the output, a register, so ``o.ready`` (the node's grant, a function of
    the other leaves' ``valid``) reaches only the queue's pointers, not the mask, the stages
    and the read enable; and each place loads straight from the read port. A stall takes one
    more item into the queue; while it is full the read port holds the value of the stage-2
    row.

    Latency: 4 cycles from ``load`` to the first ``o.valid`` (load, find, read, register: the
    block RAM's clock-to-out is not followed by the tree's muxes). Throughput: one activation
    per cycle, also right after a stall (the skid refills the output in the cycle ``o`` is
    taken).
    Resources: ``act_depth`` mask flops, a ``log2(act_depth)``-deep priority encoder, an
    ``act_depth``-bit decrement (carry chain) that clears the lowest bit, the two places of
    the output queue and a 2:1 multiplexer after them.
    """

    summary = "the PE's local non-zero detector (a leaf of the tree)"
    waves = {"LNZD leaf":
             ["load", "o__valid", "o__ready", "o__payload", "done"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "flags": In(cfg.act_depth),
            "load": In(1),
            "src_rd": Out(MemReadSignature(cfg.row_bits, signed(cfg.act_bits))),
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
        # Stage 2: the row being read (its value is on src_rd.data the cycle after).
        s2_valid = Signal()
        s2_row = Signal(cfg.row_bits)
        # The output: a two-place queue of registers, each loaded straight from the read
        # port (no multiplexer after the block RAM's slow clock-to-out), the older one on
        # `o`. The stages advance while it has room behind the output, a register.
        slots = [(Signal(cfg.row_bits, name=f"slot{n}_row"),
                  Signal(cfg.act_bits, name=f"slot{n}_a")) for n in range(2)]
        count = Signal(range(3))
        wp, rp, full = Signal(), Signal(), Signal()
        take = Signal()                     # the stages advance
        push, pop = Signal(), Signal()
        head = [Mux(rp, slots[1][i], slots[0][i]) for i in range(2)]
        second = [Mux(rp, slots[0][i], slots[1][i]) for i in range(2)]
        # For formal/lnzd.py (its invariants name the pipeline's registers).
        self._pending, self._s1, self._s2 = pending, (s1_valid, s1_row), (s2_valid, s2_row)
        self._out, self._skid, self._queue = tuple(head), (full, *second), (count, wp, rp)
        m.d.comb += [
            found.eq(idx),
            take.eq(~full),
            push.eq(take & s2_valid),
            pop.eq(self.o.valid & self.o.ready),
            self.src_rd.addr.eq(s1_row),
            self.src_rd.en.eq(take & s1_valid),
            self.o.payload.r.eq(head[0]),
            self.o.payload.a.eq(head[1]),
            self.done.eq(~any_ & ~s1_valid & ~s2_valid & ~self.o.valid),
        ]
        with m.If(take):
            m.d.sync += [s2_valid.eq(s1_valid), s2_row.eq(s1_row),
                         s1_valid.eq(any_), s1_row.eq(found)]
        for n, (row, a) in enumerate(slots):
            with m.If(push & (wp == n)):
                m.d.sync += [row.eq(s2_row), a.eq(self.src_rd.data)]
        after = count + push - pop
        m.d.sync += [count.eq(after), self.o.valid.eq(after != 0), full.eq(after == 2),
                     wp.eq(wp ^ push), rp.eq(rp ^ pop)]
        # The lowest set bit leaves the mask as `pending & (pending - 1)`: a carry chain, not
        # the encoder followed by a decoder (that loop limited the PE's clock).
        rest = Signal(cfg.act_depth)
        m.d.comb += rest.eq(pending & (pending - 1))
        with m.If(self.load):
            m.d.sync += [pending.eq(self.flags), s1_valid.eq(0), s2_valid.eq(0)]
        with m.Elif(take & any_):
            m.d.sync += pending.eq(rest)
        return m
