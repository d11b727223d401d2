"""The AXI4-Lite port: every accepted write and read gets exactly one response; responses are
held until taken; each write is one bus write (its address and data) and each read one bus
read answered ``READ_LATENCY`` cycles later; ready is only raised under a valid; a waiting
read is overtaken by at most one write.

The master is the solver's free inputs, assumed to obey AXI (a valid stays, with its address
or data unchanged, until its handshake); the core's read data is assumed steady while the
response waits (its contract: it changes only when a read's data arrives).
"""

from __future__ import annotations

from amaranth.hdl import Assert, Assume, Cover, ResetSignal, Signal

from eie_gen.hw.axil import AXILiteSlave
from eie_gen.hw.layouts import READ_LATENCY

from eie_gen.formal.harness import Proof

__all__ = ["AXILiteProof"]


class AXILiteProof(Proof):
    """An :class:`eie_gen.hw.axil.AXILiteSlave` with its proof obligations."""

    def __init__(self, config, mutate=None, addr_bits: int = 6):
        super().__init__(AXILiteSlave(config, addr_bits), mutate)

    def _held(self, m, valid, ready, *payload, who: str, assume: bool):
        """``valid`` (with ``payload``) stays until ``ready``: assumed of the master's
        channels, asserted of the slave's."""
        was = Signal(name=f"{who}_was_waiting")
        m.d.sync += was.eq(valid & ~ready & ~ResetSignal())
        prev = []
        for n, p in enumerate(payload):
            q = Signal.like(p, name=f"{who}_prev{n}")
            m.d.sync += q.eq(p)
            prev.append((p, q))
        rule = valid
        for p, q in prev:
            rule = rule & (p == q)
        with m.If(was & ~ResetSignal()):
            m.d.comb += (Assume if assume else Assert)(rule)

    def properties(self, m, port):
        axi, bus = port.axi, port.bus
        self._held(m, axi.awvalid, axi.awready, axi.awaddr, who="aw", assume=True)
        self._held(m, axi.wvalid, axi.wready, axi.wdata, who="w", assume=True)
        self._held(m, axi.arvalid, axi.arready, axi.araddr, who="ar", assume=True)
        self._held(m, axi.bvalid, axi.bready, axi.bresp, who="b", assume=False)
        self._held(m, axi.rvalid, axi.rready, axi.rresp, axi.rdata, who="r", assume=False)
        steady = Signal.like(bus.r_data)
        m.d.sync += steady.eq(bus.r_data)
        was_rvalid = Signal()
        m.d.sync += was_rvalid.eq(axi.rvalid & ~ResetSignal())
        with m.If(was_rvalid & axi.rvalid):
            m.d.comb += Assume(bus.r_data == steady)

        aw = axi.awvalid & axi.awready
        w = axi.wvalid & axi.wready
        ar = axi.arvalid & axi.arready
        b = axi.bvalid & axi.bready
        r = axi.rvalid & axi.rready
        writes, reads = Signal(2), Signal(2)               # accepted, not yet answered
        m.d.sync += [writes.eq(writes + aw - b), reads.eq(reads + ar - r)]
        # Writes accepted while a read address waits (arvalid high, not yet taken).
        overtaken = Signal(2)
        with m.If(ar | ~axi.arvalid):
            m.d.sync += overtaken.eq(0)
        with m.Elif(aw & (overtaken != 3)):
            m.d.sync += overtaken.eq(overtaken + 1)
        since = Signal(range(READ_LATENCY + 2))            # cycles since a read's address
        with m.If(ar):
            m.d.sync += since.eq(1)
        with m.Elif((since != 0) & (since != READ_LATENCY + 1)):
            m.d.sync += since.eq(since + 1)
        with m.If(r):
            m.d.sync += since.eq(0)
        # AXI: the master drives its valids low during reset; the rules hold outside it.
        rst = ResetSignal()
        with m.If(rst):
            m.d.comb += Assume(~axi.awvalid & ~axi.wvalid & ~axi.arvalid)
        checks = [
            Assert(~axi.awready | (axi.awvalid & axi.wvalid), "awready only under both valids"),
            Assert(axi.awready == axi.wready, "address and data handshake together"),
            Assert(~axi.arready | axi.arvalid, "arready only under arvalid"),
            Assert(writes <= 1, "one write at a time"),
            Assert(reads <= 1, "one read at a time"),
            Assert((writes + reads) <= 1, "a write and a read are never both open"),
            Assert(~axi.bvalid | (writes == 1), "a write response answers an accepted write"),
            Assert(~axi.rvalid | (reads == 1), "a read response answers an accepted read"),
            Assert(bus.w_en == aw, "one bus write per accepted write, in its cycle"),
            Assert(bus.r_en == ar, "one bus read per accepted read, in its cycle"),
            Assert(~axi.rvalid | (since >= READ_LATENCY), "no read data before its latency"),
            Assert((since != READ_LATENCY) | axi.rvalid,
                   "read data READ_LATENCY cycles after the address"),
            Assert((axi.bresp == 0) & (axi.rresp == 0), "responses are OKAY"),
            Assert(overtaken <= 1, "a waiting read is served after at most one write"),
            Assert((overtaken == 0) | port._read_next | axi.arready,
                   "a read that waited goes next"),
        ]
        # The invariant: what each state holds (makes the proof inductive).
        fsm, idle = port._fsm, port._fsm.ongoing("IDLE")
        quiet = ~axi.awready & ~axi.arready & ~axi.bvalid & ~axi.rvalid
        states = ("IDLE", "WRITE", "BRESP", "READ", "RWAIT", "RDATA")
        known = idle
        for name in states[1:]:
            known = known | fsm.ongoing(name)
        checks += [
            Assert(known, "the FSM is in one of its states"),
            Assert(~idle | (quiet & (writes == 0) & (reads == 0) & (since == 0)), "IDLE"),
            Assert(~fsm.ongoing("WRITE") | (axi.awready & ~axi.arready & ~axi.bvalid
                                            & ~axi.rvalid & (writes == 0) & (reads == 0)
                                            & (since == 0)), "WRITE"),
            Assert(~fsm.ongoing("BRESP") | (axi.bvalid & ~axi.awready & ~axi.arready
                                            & ~axi.rvalid & (writes == 1) & (since == 0)),
                   "BRESP"),
            Assert(~fsm.ongoing("READ") | (axi.arready & ~axi.awready & ~axi.bvalid
                                           & ~axi.rvalid & (reads == 0) & (writes == 0)
                                           & (since == 0)), "READ"),
            Assert(~fsm.ongoing("RWAIT") | (quiet & (reads == 1) & (since >= 1)
                                            & (since + port._wait == READ_LATENCY)), "RWAIT"),
            Assert(~fsm.ongoing("RDATA") | (axi.rvalid & ~axi.awready & ~axi.arready
                                            & ~axi.bvalid & (reads == 1)), "RDATA"),
        ]
        with m.If(~rst):
            m.d.comb += checks
            with m.If(aw):
                m.d.comb += [Assert(bus.addr == axi.awaddr, "the bus writes the write's address"),
                             Assert(bus.w_data == axi.wdata, "the bus writes the write's data")]
            with m.If(ar):
                m.d.comb += Assert(bus.addr == axi.araddr, "the bus reads the read's address")
        # Reachability: a write answered, then a read answered.
        done_write = Signal()
        with m.If(b):
            m.d.sync += done_write.eq(1)
        m.d.comb += Cover(done_write & r)
