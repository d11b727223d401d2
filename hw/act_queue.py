"""Activation queue: the PE's FIFO of broadcast ``(j, a_j)``."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import stream
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import queued_layout

__all__ = ["ActivationQueue"]


class ActivationQueue(EIEComponent):
    """First-in first-out queue of ``queue_slots`` (``fifo_depth + 6``) broadcast
    activations.

    Contract: every ``(p, a)`` accepted on ``i`` leaves on ``o``, in order. ``i.ready`` is low
    exactly when ``queue_slots`` items are held; ``room`` is high while fewer than
    ``queue_room`` (``fifo_depth + 2``) are. In eie_top the broadcast stalls on ``room`` as
    the root sees it, two cycles late (two items more count what may have left unseen), and
    its items arrive two cycles after it sends them, so the four slots more hold what is in
    flight; ``i.ready`` is then always high when an item arrives.
    Neither looks at ``o.ready``: no combinational path runs from the PE's pipeline back to
    the broadcast network.

    Members
    -------
    i : In(stream.Signature(queued_layout))
    o : Out(stream.Signature(queued_layout))
    level : Out(range(queue_slots + 1)), items held.
    room : Out(1), ``level < queue_room``.

    Latency: an item accepted in cycle t is on ``o`` from cycle t + 1. Throughput: one push
    and one pop per cycle, simultaneously.
    Resources: a head register and a ``queue_slots - 1`` x (``ptr_addr_bits`` + ``act_bits``)
    memory with an asynchronous read port (LUT-RAM: one 16-deep column at the default depth),
    two pointers, two counters.
    """

    summary = "the PE's activation queue"
    waves = {"queue":
             ["i__valid", "i__ready", "o__valid", "o__ready", "o__payload", "level"]}

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "i": In(stream.Signature(queued_layout(config))),
            "o": Out(stream.Signature(queued_layout(config))),
            "level": Out(range(config.queue_slots + 1)),
            "room": Out(1),
        })

    def elaborate(self, platform):
        depth = self.config.queue_slots
        m = Module()
        # The head in a register of its own, the rest in LUT-RAM: the PE's pointer adders
        # and block-RAM address follow a flip-flop, not the LUT-RAM's asynchronous read (the
        # 16-PE critical path). An item into an empty queue goes straight to the head, so
        # the timing is a plain FIFO's.
        m.submodules.storage = storage = Memory(shape=queued_layout(self.config),
                                                depth=depth - 1, init=[])
        wp = storage.write_port()
        rp = storage.read_port(domain="comb")
        w_ptr = Signal(range(depth - 1))
        r_ptr = Signal(range(depth - 1))
        held = Signal(range(depth))                 # items in the LUT-RAM (the head aside)
        push, pop, load, from_ram, to_ram = (Signal(name=n) for n in
                                             ("push", "pop", "load", "from_ram", "to_ram"))
        # Kept for the formal proof (formal/queue.py), which relates them to a reference queue.
        self._storage, self._w_ptr, self._r_ptr, self._held = storage, w_ptr, r_ptr, held

        def inc(ptr):
            return Mux(ptr == depth - 2, 0, ptr + 1)

        m.d.comb += [
            self.i.ready.eq(self.level != depth),
            self.room.eq(self.level < self.config.queue_room),
            push.eq(self.i.valid & self.i.ready),
            pop.eq(self.o.valid & self.o.ready),
            load.eq(~self.o.valid | pop),           # the head takes the next item, if any
            from_ram.eq(load & (held != 0)),
            to_ram.eq(push & ~(load & (held == 0))),
            wp.en.eq(to_ram), wp.addr.eq(w_ptr), wp.data.eq(self.i.payload),
            rp.addr.eq(r_ptr),
        ]
        with m.If(load):
            m.d.sync += self.o.valid.eq((held != 0) | push)
            with m.If(held != 0):
                m.d.sync += self.o.payload.eq(rp.data)
            with m.Else():
                m.d.sync += self.o.payload.eq(self.i.payload)
        with m.If(to_ram):
            m.d.sync += w_ptr.eq(inc(w_ptr))
        with m.If(from_ram):
            m.d.sync += r_ptr.eq(inc(r_ptr))
        m.d.sync += [held.eq(held + to_ram - from_ram),
                     self.level.eq(self.level + push - pop)]
        return m
