"""Relative-index logic: the running local row of each entry; padding drops out here."""

from amaranth.hdl import Module, Signal
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import entry_layout, update_layout

__all__ = ["RelativeIndex"]


class RelativeIndex(EIEComponent):
    """Turn ``(v, z)`` entries into ``(row, v)`` updates (SPEC §2.3).

    The local row is the running sum of ``z + 1`` over the column's entries, minus 1: an entry
    with ``first`` set has row ``z``, any other has row ``previous + 1 + z``. Padding entries
    (``v = 0``) advance the row and leave no update: they cost their cycle upstream and nothing
    downstream.

    Contract: for every entry on ``i`` with ``v != 0``, ``(row, v, a)`` leaves on ``o`` in order.
    Rows are ``row_bits`` wide: a valid image keeps every running row below ``act_depth``.

    Members
    -------
    i : In(stream.Signature(entry_layout))
    o : Out(stream.Signature(update_layout))
    busy : Out(1), an update is held.

    Latency: 1 cycle. Throughput: one entry per cycle; ``i.ready`` follows ``o.ready``
    combinationally.
    Resources: a ``row_bits + 1`` adder and register, the output registers.
    """

    summary = "relative index to row address"

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "i": In(stream.Signature(entry_layout(config))),
            "o": Out(stream.Signature(update_layout(config))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        next_row = Signal(cfg.row_bits + 1)     # one past the previous entry's row
        row = Signal(cfg.row_bits + 1)
        advance = Signal()
        m.d.comb += [
            advance.eq(~self.o.valid | self.o.ready),
            self.i.ready.eq(advance),
            self.busy.eq(self.o.valid),
        ]
        # The next entry's base, row + 1, beside the row rather than after it: next_row - ~z
        # is next_row + z + 1 on one carry chain (the inverted operand with a carry in), so
        # the two adds do not follow each other in the cycle.
        z = Signal(cfg.row_bits + 1)
        base = Signal(cfg.row_bits + 1)
        m.d.comb += z.eq(self.i.payload.z)
        with m.If(self.i.payload.first):
            m.d.comb += [row.eq(z), base.eq(z + 1)]
        with m.Else():
            m.d.comb += [row.eq(next_row + z), base.eq(next_row - ~z)]
        with m.If(advance):
            m.d.sync += [
                self.o.valid.eq(self.i.valid & (self.i.payload.v != 0)),
                self.o.payload.row.eq(row),
                self.o.payload.v.eq(self.i.payload.v),
                self.o.payload.a.eq(self.i.payload.a),
            ]
            with m.If(self.i.valid):
                m.d.sync += next_row.eq(base)
        return m
