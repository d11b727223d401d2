"""Pointer read unit: ``P[j]`` and ``P[j+1]`` in one cycle from the two ports of one memory."""

from amaranth.hdl import Module, Signal, unsigned
from amaranth.lib import stream
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemWriteSignature, column_layout, queued_layout
from eie_gen.hw.ptr_mem import PointerMemory

__all__ = ["PointerRead"]


class PointerRead(EIEComponent):
    """Turn a queued column, pointer index ``p``, into the PE's entry range ``[P[p], P[p+1])``.

    The pointer memory holds ``ptr_depth`` words of ``P | empty << ptr_bits``: absolute entry
    addresses (a layer's pointers start at its ``ptr_base``, which the PE adds to the column
    before the queue, and are already offset by the layer's place in the matrix memory) with a flag set when the column has no entries here
    (:func:`eie_gen.placement.pointer_words`), so no comparator follows the block RAM. ``P[j]``
    and ``P[j+1]`` come out of the two read ports of one memory in one cycle; the host write
    shares the first port's address, so it maps to one true dual-port block RAM (SPEC §4).

    Contract: for every ``(p, a)`` accepted on ``i``, ``(P[p], P[p+1], a)`` leaves on ``o``
    in order, except that a column with no entries for this PE (``P[p] == P[p+1]``) is
    dropped here, on its way into the last stage: it costs this unit a slot (and waits behind
    a column that ``o`` holds) and nothing downstream. Write ``wr`` (one pointer per cycle)
    only while the unit is idle.

    Members
    -------
    i : In(stream.Signature(queued_layout))
    o : Out(stream.Signature(column_layout))
    wr : In(MemWriteSignature(ptr_addr_bits, unsigned(ptr_word_bits)))
    busy : Out(1), a column is in the unit.

    Latency: 3 cycles (the memory's latch, its output register, the column register).
    Throughput: one column per cycle; ``i.ready`` follows ``o.ready`` combinationally, and the
    memory's outputs reach no part of that chain.
    Resources: the :class:`~eie_gen.hw.ptr_mem.PointerMemory` (two block RAMs inferred, one
    DP16KD with ``--target ecp5``, at the default capacity), a ``ptr_addr_bits`` incrementer,
    three stages of registers (the second the memory's own).
    """

    summary = "the PE's pointer read (one dual-port memory)"
    waves = {"pointer":
             ["i__valid", "i__ready", "o__valid", "o__ready", "o__payload", "busy"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "i": In(stream.Signature(queued_layout(cfg))),
            "o": Out(stream.Signature(column_layout(cfg))),
            "wr": In(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        m.submodules.ptr = mem = PointerMemory(cfg)
        wp, rp_j, rp_j1 = mem.wr, mem.a, mem.b

        # Stage 1: the pointers are in the memory's latches; stage 2: in its output
        # registers (on ECP5 the DP16KD's own, REGMODE OUTREG), loaded as the stage advances.
        s1_valid, s2_valid = Signal(), Signal()
        s1_a, s2_a = Signal.like(self.o.payload.a), Signal.like(self.o.payload.a)
        # Stage 3: the column, registered; an empty one is dropped on its way in, so the
        # flag from the RAM reaches a register's input only, never the take chain.
        s3_valid = Signal()
        s3 = Signal.like(self.o.payload)
        take1, take2, take3 = Signal(), Signal(), Signal()   # stage n loads this cycle
        # The queue holds p = ptr_base + j (added before it): `ptr_base + j` here, between
        # the queue's head register and both block-RAM tiles' address pins, was the 16-PE
        # critical path. Port A takes p itself, port B p + 1.
        addr_j = self.i.payload.p
        addr_j1 = Signal(cfg.ptr_addr_bits)
        m.d.comb += [
            addr_j1.eq(addr_j + 1),
            wp.en.eq(self.wr.en), wp.data.eq(self.wr.data),
            rp_j.en.eq(take1), rp_j1.en.eq(take1), rp_j1.addr.eq(addr_j1),
            rp_j.oce.eq(take2), rp_j1.oce.eq(take2),
        ]
        # Port A is the host's write port while idle and reads P[j] otherwise (one address:
        # the two ports of one true dual-port block RAM); port B reads P[j+1].
        with m.If(self.wr.en):
            m.d.comb += [wp.addr.eq(self.wr.addr), rp_j.addr.eq(self.wr.addr)]
        with m.Else():
            m.d.comb += [wp.addr.eq(addr_j), rp_j.addr.eq(addr_j)]
        start, end = rp_j.data[:cfg.ptr_bits], rp_j1.data[:cfg.ptr_bits]
        empty = rp_j.data[cfg.ptr_bits]

        m.d.comb += [
            # A stage loads when it is free or its item moves on.
            take3.eq(~s3_valid | self.o.ready),
            take2.eq(~s2_valid | take3),
            take1.eq(~s1_valid | take2),
            self.i.ready.eq(take1),
            self.o.valid.eq(s3_valid),
            self.o.payload.eq(s3),
            self.busy.eq(s1_valid | s2_valid | s3_valid),
        ]
        with m.If(take1):
            m.d.sync += [s1_valid.eq(self.i.valid), s1_a.eq(self.i.payload.a)]
        with m.If(take2):
            m.d.sync += [s2_valid.eq(s1_valid), s2_a.eq(s1_a)]
        with m.If(take3):
            m.d.sync += [s3_valid.eq(s2_valid & ~empty),
                         s3.start.eq(start), s3.end.eq(end), s3.a.eq(s2_a)]
        return m
