"""One node of the leading-non-zero-detection quadtree: four children in, one out."""

from amaranth.hdl import Module, Signal
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import act_layout

__all__ = ["LNZDNode", "FAN_IN"]

FAN_IN = 4


class LNZDNode(EIEComponent):
    """Pick the next non-zero among four children, lowest child first, into a register.

    Contract: every ``(j, a)`` accepted from a child leaves on ``o`` once; when several children
    are valid, child 0 goes first, then 1, 2, 3. A child that stays valid keeps the node (so a
    tree of these nodes drains its subtrees in order: PE-major, each PE's rows ascending).

    The output register has a skid register behind it: the children's ``ready`` comes from
    node registers and the children's ``valid`` only, never from ``o.ready``. So the broadcast
    back-pressure (every PE queue's fullness) stops at the root instead of running through
    every tree level into the detectors; a stalled node takes one more item into the skid.

    Members
    -------
    c : In(stream.Signature(act_layout)).array(4), the children, lowest first
    o : Out(stream.Signature(act_layout))
    busy : Out(1), the node holds an item.

    Latency: 1 cycle. Throughput: one item per cycle while any child is valid, also right
    after a stall (the skid refills the output register in the cycle ``o`` is taken).
    Resources: two ``col_bits + act_bits`` registers (output and skid), a 4:1 mux, a
    priority decode.
    """

    summary = "one node of the quadtree: four children into one"

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "c": In(stream.Signature(act_layout(config))).array(FAN_IN),
            "o": Out(stream.Signature(act_layout(config))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        children = list(self.c)
        skid_valid = Signal()
        skid = Signal.like(self.o.payload)
        chosen = Signal.like(self.o.payload)
        accept = Signal()
        load = Signal()                    # the output register takes a new item
        self._skid, self._skid_valid = skid, skid_valid        # for formal/lnzd.py
        m.d.comb += [load.eq(~self.o.valid | self.o.ready),
                     self.busy.eq(self.o.valid | skid_valid)]
        # Lowest valid child wins (later If/Elif arms are lower priority). Readiness is
        # registered: an empty skid means room for one more item whatever o.ready does.
        with m.If(~skid_valid):
            for n, child in enumerate(children):
                with (m.If if n == 0 else m.Elif)(child.valid):
                    m.d.comb += [child.ready.eq(1), accept.eq(1), chosen.eq(child.payload)]
        with m.If(load):
            with m.If(skid_valid):
                m.d.sync += [self.o.payload.eq(skid), skid_valid.eq(0)]
            with m.Else():
                m.d.sync += [self.o.valid.eq(accept), self.o.payload.eq(chosen)]
        with m.Elif(accept):
            m.d.sync += [skid.eq(chosen), skid_valid.eq(1)]
        return m
