"""One node of the leading-non-zero-detection quadtree: four children in, one out."""

from amaranth.hdl import Module, Signal
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from golden.config import EIEConfig

from .base import EIEComponent
from .layouts import act_layout

__all__ = ["LNZDNode", "FAN_IN"]

FAN_IN = 4


class LNZDNode(EIEComponent):
    """Pick the next non-zero among four children, lowest child first, into a register.

    Contract: every ``(j, a)`` accepted from a child leaves on ``o`` once; when several children
    are valid, child 0 goes first, then 1, 2, 3. A child that stays valid keeps the node (so a
    tree of these nodes drains its subtrees in order: PE-major, each PE's rows ascending).

    Members
    -------
    c0 .. c3 : In(stream.Signature(act_layout))
    o : Out(stream.Signature(act_layout))
    busy : Out(1), the output register holds an item.

    Latency: 1 cycle. Throughput: one item per cycle while any child is valid; the children's
    ``ready`` depends combinationally on ``o.ready``.
    Resources: the ``col_bits + act_bits`` output register, a 4:1 mux, a priority decode.
    """

    def __init__(self, config: EIEConfig):
        members = {f"c{n}": In(stream.Signature(act_layout(config))) for n in range(FAN_IN)}
        members["o"] = Out(stream.Signature(act_layout(config)))
        members["busy"] = Out(1)
        super().__init__(config, members)

    def elaborate(self, platform):
        m = Module()
        children = [getattr(self, f"c{n}") for n in range(FAN_IN)]
        take = Signal()
        m.d.comb += [take.eq(~self.o.valid | self.o.ready), self.busy.eq(self.o.valid)]
        with m.If(take):
            m.d.sync += self.o.valid.eq(0)
        # Lowest valid child wins: later If/Elif arms are lower priority.
        with m.If(take):
            for n, child in enumerate(children):
                with (m.If if n == 0 else m.Elif)(child.valid):
                    m.d.comb += child.ready.eq(1)
                    m.d.sync += [self.o.valid.eq(1), self.o.payload.eq(child.payload)]
        return m
