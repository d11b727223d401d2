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

    The output register has a skid register behind it, as in
    :class:`~eie_gen.hw.lnzd_node.LNZDNode`: the stages advance while the skid is empty, a
    register, so ``o.ready`` (the node's grant, a function of the other leaves' ``valid``)
    reaches only the output and skid registers, not the mask, the stages and the read enable.
    A stall takes one more item into the skid; while the skid is full the read port holds the
    value of the stage-2 row.

    Latency: 4 cycles from ``load`` to the first ``o.valid`` (load, find, read, register: the
    block RAM's clock-to-out is not followed by the tree's muxes). Throughput: one activation
    per cycle, also right after a stall (the skid refills the output in the cycle ``o`` is
    taken).
    Resources: ``act_depth`` mask flops, a ``log2(act_depth)``-deep priority encoder, an
    ``act_depth``-bit decrement (carry chain) that clears the lowest bit, the output and skid
    registers.
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
        out_row, out_a = Signal(cfg.row_bits), Signal(cfg.act_bits)
        skid_valid = Signal()
        skid_row, skid_a = Signal(cfg.row_bits), Signal(cfg.act_bits)
        take = Signal()                     # the stages advance: the skid is empty
        load_out = Signal()                 # the output register takes an item
        # For formal/lnzd.py (its invariants name the pipeline's registers).
        self._pending, self._s1, self._s2 = pending, (s1_valid, s1_row), (s2_valid, s2_row)
        self._out, self._skid = (out_row, out_a), (skid_valid, skid_row, skid_a)
        m.d.comb += [
            found.eq(idx),
            take.eq(~skid_valid),
            load_out.eq(~self.o.valid | self.o.ready),
            self.src_rd.addr.eq(s1_row),
            self.src_rd.en.eq(take & s1_valid),
            self.o.payload.r.eq(out_row),
            self.o.payload.a.eq(out_a),
            self.done.eq(~any_ & ~s1_valid & ~s2_valid & ~self.o.valid & ~skid_valid),
        ]
        with m.If(take):
            m.d.sync += [s2_valid.eq(s1_valid), s2_row.eq(s1_row),
                         s1_valid.eq(any_), s1_row.eq(found)]
        with m.If(load_out):
            with m.If(skid_valid):
                m.d.sync += [self.o.valid.eq(1), out_row.eq(skid_row), out_a.eq(skid_a),
                             skid_valid.eq(0)]
            with m.Else():
                m.d.sync += [self.o.valid.eq(s2_valid), out_row.eq(s2_row),
                             out_a.eq(self.src_rd.data)]
        with m.Elif(take):
            m.d.sync += [skid_valid.eq(s2_valid), skid_row.eq(s2_row),
                         skid_a.eq(self.src_rd.data)]
        # The lowest set bit leaves the mask as `pending & (pending - 1)`: a carry chain, not
        # the encoder followed by a decoder (that loop limited the PE's clock).
        rest = Signal(cfg.act_depth)
        m.d.comb += rest.eq(pending & (pending - 1))
        with m.If(self.load):
            m.d.sync += [pending.eq(self.flags), s1_valid.eq(0), s2_valid.eq(0)]
        with m.Elif(take & any_):
            m.d.sync += pending.eq(rest)
        return m
