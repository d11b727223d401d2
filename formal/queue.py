"""The activation queue equals a reference queue: no loss, no duplication, order kept, and
``ready``/``valid``/``level``/``room`` right.

The reference is a shift register of ``queue_slots`` entries (entry 0 is the head), trivially
first-in first-out. Its inputs are the queue's own handshakes, and the proof asserts, in
every cycle, that the queue's outputs equal the reference's. The invariant that makes the
proof inductive: the head register holds the reference's first entry, every held entry of
the queue's memory, from the read pointer on, equals the reference's entry of the next rank,
and the write pointer is that many places after the read pointer.
"""

from __future__ import annotations

from amaranth.hdl import Array, Assert, Cover, Signal

from eie_gen.hw.act_queue import ActivationQueue

from eie_gen.formal.harness import Proof

__all__ = ["QueueProof"]


class QueueProof(Proof):
    """An :class:`eie_gen.hw.act_queue.ActivationQueue` with its proof obligations; its stream
    inputs are the solver's free inputs."""

    def __init__(self, config, mutate=None):
        super().__init__(ActivationQueue(config), mutate)

    def properties(self, m, q):
        depth = q.config.queue_slots
        width = len(q.i.payload.as_value())
        ref = Array(Signal(width, name=f"ref{n}") for n in range(depth))
        count = Signal(range(depth + 1))
        push = q.i.valid & q.i.ready
        pop = q.o.valid & q.o.ready

        # The reference queue: pop shifts everything down, push writes behind the last.
        after_pop = count - pop
        with m.If(pop):
            for n in range(depth - 1):
                m.d.sync += ref[n].eq(ref[n + 1])
        with m.If(push):
            m.d.sync += ref[after_pop].eq(q.i.payload.as_value())
        m.d.sync += count.eq(count + push - pop)

        # What a user sees must equal the reference.
        m.d.comb += [
            Assert(count <= depth, "never more than queue_slots items"),
            Assert(q.level == count, "level counts the held items"),
            Assert(q.i.ready == (count != depth), "ready low exactly when full"),
            Assert(q.o.valid == (count != 0), "valid exactly when not empty"),
            Assert(q.room == (count < q.config.queue_room), "room below queue_room items"),
        ]
        with m.If(q.o.valid):
            m.d.comb += Assert(q.o.payload.as_value() == ref[0],
                               "the head is the oldest item not yet taken")
        # The invariant: the head register holds rank 0, the memory the rest from the read
        # pointer on.
        ram = depth - 1
        m.d.comb += Assert(q._held == count - q.o.valid, "the memory holds all but the head")
        for n in range(ram):
            port = q._storage.read_port(domain="comb")
            m.d.comb += port.addr.eq((q._r_ptr + n) % ram)
            with m.If(n < q._held):
                m.d.comb += Assert(port.data.as_value() == ref[n + 1],
                                   f"memory holds the item of rank {n + 1}")
        m.d.comb += Assert((q._r_ptr < ram) & (q._w_ptr < ram), "pointers in range")
        m.d.comb += Assert(q._w_ptr == (q._r_ptr + q._held) % ram,
                           "the write pointer is held places after the read pointer")
        # Reachability: full, then a push and a pop in one cycle while full.
        m.d.comb += Cover((count == depth) & pop & q.i.valid)
