"""Activation queue: the PE's FIFO of broadcast ``(j, a_j)``."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import stream
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import act_layout

__all__ = ["ActivationQueue"]


class ActivationQueue(EIEComponent):
    """First-in first-out queue of ``queue_slots`` (``fifo_depth + 6``) broadcast
    activations.

    Contract: every ``(j, a)`` accepted on ``i`` leaves on ``o``, in order. ``i.ready`` is low
    exactly when ``queue_slots`` items are held; ``room`` is high while fewer than
    ``queue_room`` (``fifo_depth + 2``) are. In eie_top the broadcast stalls on ``room`` as
    the root sees it, two cycles late (two items more count what may have left unseen), and
    its items arrive two cycles after it sends them, so the four slots more hold what is in
    flight; ``i.ready`` is then always high when an item arrives.
    Neither looks at ``o.ready``: no combinational path runs from the PE's pipeline back to
    the broadcast network.

    Members
    -------
    i : In(stream.Signature(act_layout))
    o : Out(stream.Signature(act_layout))
    level : Out(range(queue_slots + 1)), items held.
    room : Out(1), ``level < queue_room``.

    Latency: an item accepted in cycle t is on ``o`` from cycle t + 1. Throughput: one push
    and one pop per cycle, simultaneously.
    Resources: a ``queue_slots`` x (``col_bits`` + ``act_bits``) memory with an asynchronous
    read port (LUT-RAM: one 16-deep column at the default depth), two pointers, a counter.
    """

    summary = "the PE's activation queue"
    waves = {"queue":
             ["i__valid", "i__ready", "o__valid", "o__ready", "o__payload", "level"]}

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "i": In(stream.Signature(act_layout(config))),
            "o": Out(stream.Signature(act_layout(config))),
            "level": Out(range(config.queue_slots + 1)),
            "room": Out(1),
        })

    def elaborate(self, platform):
        depth = self.config.queue_slots
        m = Module()
        m.submodules.storage = storage = Memory(shape=act_layout(self.config), depth=depth,
                                                init=[])
        wp = storage.write_port()
        rp = storage.read_port(domain="comb")
        w_ptr = Signal(range(depth))
        r_ptr = Signal(range(depth))
        push, pop = Signal(), Signal()
        # Kept for the formal proof (formal/queue.py), which relates them to a reference queue.
        self._storage, self._w_ptr, self._r_ptr = storage, w_ptr, r_ptr

        def inc(ptr):
            return Mux(ptr == depth - 1, 0, ptr + 1)

        m.d.comb += [
            self.i.ready.eq(self.level != depth),
            self.room.eq(self.level < self.config.queue_room),
            self.o.valid.eq(self.level != 0),
            push.eq(self.i.valid & self.i.ready),
            pop.eq(self.o.valid & self.o.ready),
            wp.en.eq(push), wp.addr.eq(w_ptr), wp.data.eq(self.i.payload),
            rp.addr.eq(r_ptr), self.o.payload.eq(rp.data),
        ]
        with m.If(push):
            m.d.sync += w_ptr.eq(inc(w_ptr))
        with m.If(pop):
            m.d.sync += r_ptr.eq(inc(r_ptr))
        m.d.sync += self.level.eq(self.level + push - pop)
        return m
