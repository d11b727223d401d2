"""Pointer read unit: ``P[j]`` and ``P[j+1]`` in one cycle from even and odd banks."""

from amaranth.hdl import Cat, Const, Module, Signal, unsigned
from amaranth.lib import stream
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemWriteSignature, act_layout, column_layout

__all__ = ["PointerRead"]


class PointerRead(EIEComponent):
    """Turn a broadcast column ``j`` into the PE's entry range ``[P[j], P[j+1])``.

    The pointer memory holds ``ptr_depth`` words of ``P | empty << ptr_bits``: absolute entry
    addresses (a layer's pointers start at ``base`` and are already offset by the layer's place
    in the matrix memory) with a flag set when the column has no entries here
    (:func:`eie_gen.placement.pointer_words`), so no comparator follows the block RAMs. Pointer
    ``n`` lives in bank ``n % 2`` at row ``n // 2``, so ``P[j]`` and ``P[j+1]`` are always in
    different banks and both come out of one cycle's reads; each bank is a single-port memory
    (the host write and the read share its address).

    Contract: for every ``(j, a)`` accepted on ``i``, ``(P[base+j], P[base+j+1], a)`` leaves on
    ``o`` in order, except that a column with no entries for this PE (``P[j] == P[j+1]``) is
    dropped here: it costs this unit a slot and nothing downstream. Write ``wr`` (one pointer
    per cycle) only while the unit is idle.

    Members
    -------
    i : In(stream.Signature(act_layout))
    o : Out(stream.Signature(column_layout))
    base : In(unsigned(ptr_addr_bits)), the layer's first pointer.
    wr : In(MemWriteSignature(ptr_addr_bits, unsigned(ptr_word_bits)))
    busy : Out(1), a column is in the unit.

    Latency: 2 cycles (bank read, then a register). Throughput: one column per cycle; ``i.ready``
    follows ``o.ready`` combinationally.
    Resources: two ``ptr_depth / 2`` x ``ptr_word_bits`` single-port memories (block RAM), a
    ``ptr_addr_bits`` adder, two stages of registers.
    """

    summary = "the PE's pointer read (even/odd banks)"
    waves = {"pointer":
             ["i__valid", "i__ready", "o__valid", "o__ready", "o__payload", "busy"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "i": In(stream.Signature(act_layout(cfg))),
            "o": Out(stream.Signature(column_layout(cfg))),
            "base": In(unsigned(cfg.ptr_addr_bits)),
            "wr": In(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        depths = ((cfg.ptr_depth + 1) // 2, cfg.ptr_depth // 2)   # even, odd
        banks = []
        for parity, depth in enumerate(depths):
            mem = Memory(shape=unsigned(cfg.ptr_word_bits), depth=depth, init=[])
            m.submodules[("ptr_even", "ptr_odd")[parity]] = mem
            banks.append((mem.write_port(), mem.read_port(domain="sync")))

        # Stage 1: the pointers are in the banks' read registers.
        s1_valid = Signal()
        s1_odd = Signal()             # P[j] came from the odd bank
        s1_a = Signal.like(self.o.payload.a)
        # Stage 2: the column, registered (block RAM outputs are slow: nothing but the
        # even/odd swap and the empty test sits behind them).
        s2_valid = Signal()
        s2_empty = Signal()
        s2 = Signal.like(self.o.payload)
        take1, take2 = Signal(), Signal()    # stage 1 / stage 2 load this cycle
        # P[j] (with j already offset by `base`) is in bank j % 2 at row j // 2; P[j+1] in the
        # other bank, at row (j + 1) // 2. Both rows come from one adder each, side by side
        # (the +1 rides in as a carry through the low bit: (2b+1) + (2j+1) = 2(b+j+1)), not
        # from an adder feeding an incrementer: this sum sits between the queue's LUT-RAM and
        # the block-RAM address.
        j = self.i.payload.j
        row_of_j = Signal(cfg.ptr_addr_bits)
        row_of_j1 = Signal(cfg.ptr_addr_bits)
        j_odd = Signal()
        start, end = Signal(cfg.ptr_bits), Signal(cfg.ptr_bits)

        m.d.comb += [
            row_of_j.eq((self.base + j) >> 1),
            row_of_j1.eq((Cat(Const(1, 1), self.base) + Cat(Const(1, 1), j)) >> 2),
            j_odd.eq(self.base[0] ^ j[0]),
        ]
        empty = Signal()
        even, odd = banks[0][1].data, banks[1][1].data
        with m.If(s1_odd):
            m.d.comb += [start.eq(odd), end.eq(even), empty.eq(odd[cfg.ptr_bits])]
        with m.Else():
            m.d.comb += [start.eq(even), end.eq(odd), empty.eq(even[cfg.ptr_bits])]

        for parity, (wp, rp) in enumerate(banks):
            # The even bank holds P[j] (j even) or P[j+1] (j odd): row (j + 1) // 2 either way;
            # the odd bank row j // 2 either way.
            read_row = row_of_j1 if parity == 0 else row_of_j
            m.d.comb += [
                wp.en.eq(self.wr.en & (self.wr.addr[0] == parity)),
                wp.data.eq(self.wr.data),
                rp.en.eq(take1),
            ]
            # One address per bank: a single-port memory, written only while idle.
            with m.If(self.wr.en):
                m.d.comb += [wp.addr.eq(self.wr.addr >> 1), rp.addr.eq(self.wr.addr >> 1)]
            with m.Else():
                m.d.comb += [wp.addr.eq(read_row), rp.addr.eq(read_row)]

        m.d.comb += [
            # A stage loads when it is free or its item leaves; an empty column leaves stage 2
            # by itself.
            take2.eq(~s2_valid | s2_empty | self.o.ready),
            take1.eq(~s1_valid | take2),
            self.i.ready.eq(take1),
            self.o.valid.eq(s2_valid & ~s2_empty),
            self.o.payload.eq(s2),
            self.busy.eq(s1_valid | s2_valid),
        ]
        with m.If(take1):
            m.d.sync += [s1_valid.eq(self.i.valid), s1_odd.eq(j_odd),
                         s1_a.eq(self.i.payload.a)]
        with m.If(take2):
            m.d.sync += [s2_valid.eq(s1_valid), s2_empty.eq(empty),
                         s2.start.eq(start), s2.end.eq(end), s2.a.eq(s1_a)]
        return m
