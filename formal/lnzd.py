"""The LNZD node: every item taken from a child leaves once, in the order taken; the lowest
valid child is taken first; the children's ``ready`` never waits on ``o.ready``; the output
obeys the stream rules.

Children are the solver's free inputs, assumed to obey the stream rules themselves (a valid
item stays, unchanged, until taken). The reference is a two-place queue (output register and
skid) fed by the node's own takes.
"""

from __future__ import annotations

from amaranth.hdl import Array, Assert, Assume, Cat, Cover, ResetSignal, Signal

from hw.lnzd_node import FAN_IN, LNZDNode

from .harness import Proof

__all__ = ["NodeProof"]


class NodeProof(Proof):
    """An :class:`hw.lnzd_node.LNZDNode` with its proof obligations."""

    def __init__(self, config, mutate=None):
        super().__init__(LNZDNode(config), mutate)

    def properties(self, m, node):
        children = [getattr(node, f"c{n}") for n in range(FAN_IN)]
        width = len(node.o.payload.as_value())
        started = Signal()                       # a cycle has passed since reset
        m.d.sync += started.eq(1)

        # Children obey the stream rules: a valid item is held until taken.
        for n, c in enumerate(children):
            was_valid, was_taken = Signal(name=f"c{n}_was_valid"), Signal(name=f"c{n}_taken")
            was = Signal(width, name=f"c{n}_was")
            m.d.sync += [was_valid.eq(c.valid), was_taken.eq(c.valid & c.ready),
                         was.eq(c.payload.as_value())]
            with m.If(started & was_valid & ~was_taken & ~ResetSignal()):
                m.d.comb += Assume(c.valid & (c.payload.as_value() == was))

        # Which child is taken, and the priority rule.
        taken = Cat(c.valid & c.ready for c in children)
        m.d.comb += Assert((taken & (taken - 1)) == 0, "at most one child taken per cycle")
        for n, c in enumerate(children):
            lower = Cat(children[k].valid for k in range(n))
            with m.If(c.valid & c.ready):
                if n:
                    m.d.comb += Assert(lower == 0, f"child {n} taken only with no lower one valid")
            m.d.comb += Assert(~c.ready | ~node._skid_valid, "children wait only on the skid")
        # No stall without cause: with the skid empty, the lowest valid child is taken.
        with m.If(~node._skid_valid & Cat(c.valid for c in children).any()):
            m.d.comb += Assert(taken != 0, "an empty skid takes a valid child")

        # The reference: a two-place queue of the items taken, in order.
        ref = Array(Signal(width, name=f"ref{n}") for n in range(2))
        count = Signal(range(3))
        push = taken.any()
        item = Signal(width)
        for c in reversed(children):
            with m.If(c.valid & c.ready):
                m.d.comb += item.eq(c.payload.as_value())
        pop = node.o.valid & node.o.ready
        with m.If(pop):
            m.d.sync += ref[0].eq(ref[1])
        with m.If(push):
            m.d.sync += ref[count - pop].eq(item)
        m.d.sync += count.eq(count + push - pop)
        m.d.comb += [
            Assert(count <= 2, "at most two items held"),
            Assert(node.o.valid == (count != 0), "o valid exactly when an item is held"),
            Assert(node._skid_valid == (count == 2), "the skid holds the second item"),
            Assert(node.busy == (count != 0), "busy exactly when an item is held"),
        ]
        with m.If(node.o.valid):
            m.d.comb += Assert(node.o.payload.as_value() == ref[0], "o is the oldest item")
        with m.If(node._skid_valid):
            m.d.comb += Assert(node._skid.as_value() == ref[1], "the skid is the second item")
        # Reachability: a stall that fills the skid, then two items out back to back.
        m.d.comb += Cover(node._skid_valid & pop)

