"""AXI4-Lite slave: the host port of eie_top, onto the core's register bus."""

from amaranth.hdl import Module, Signal, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import READ_LATENCY, RegBusSignature

__all__ = ["AXILiteSignature", "AXILiteSlave"]


class AXILiteSignature(wiring.Signature):
    """AXI4-Lite with 32-bit data, from the master's side (a slave port is ``In`` of it)."""

    def __init__(self, addr_bits: int):
        super().__init__({
            "awaddr": Out(unsigned(addr_bits)), "awprot": Out(3), "awvalid": Out(1),
            "awready": In(1),
            "wdata": Out(32), "wstrb": Out(4), "wvalid": Out(1), "wready": In(1),
            "bresp": In(2), "bvalid": In(1), "bready": Out(1),
            "araddr": Out(unsigned(addr_bits)), "arprot": Out(3), "arvalid": Out(1),
            "arready": In(1),
            "rdata": In(32), "rresp": In(2), "rvalid": In(1), "rready": Out(1),
        })


def write_first(read_next, arvalid):
    """Whether an offered write goes before an offered read: not right after a write."""
    return ~(read_next & arvalid)


class AXILiteSlave(EIEComponent):
    """One transaction at a time: a write when address and data are both valid, else a read.

    Contract: each write becomes one ``bus.w_en`` cycle and an OKAY response; each read one
    ``bus.r_en`` cycle and, ``READ_LATENCY`` cycles later, the data with OKAY. ``wstrb`` and
    the protection bits are ignored (every register is a whole word). When a write and a read
    are both offered, the one unlike the last transaction goes first, so a waiting read is
    served right after the write in progress, however many writes follow it.

    Members
    -------
    axi : In(AXILiteSignature(addr_bits))
    bus : Out(RegBusSignature(addr_bits))

    Latency: a write is accepted the cycle after both channels are valid and answered the
    next; a read is answered ``READ_LATENCY`` cycles after its address is accepted. Throughput:
    one write every 3 cycles, one read every ``READ_LATENCY + 2``, with a ready master.
    Resources: a small FSM, four handshake registers, and the bus outputs (enables, address,
    write data) as registers loaded from the channels when a transaction is taken, so the
    core's write decode starts at a flip-flop (it was the ECP5 critical path behind the FSM).
    No read-data register: the core holds read data steady.
    """

    summary = "the host port: AXI4-Lite to the register bus"

    def __init__(self, config: EIEConfig, addr_bits: int):
        self.addr_bits = addr_bits
        super().__init__(config, {"axi": In(AXILiteSignature(addr_bits)),
                                  "bus": Out(RegBusSignature(addr_bits))})

    def elaborate(self, platform):
        m = Module()
        axi, bus = self.axi, self.bus
        # Every handshake output is a register: no combinational path from the master's
        # valids, and nothing undefined before the first transaction (some simulators do not
        # evaluate combinational outputs until an input changes).
        awready, bvalid, arready, rvalid = Signal(), Signal(), Signal(), Signal()
        wait = Signal(range(READ_LATENCY + 1))
        m.d.comb += [axi.awready.eq(awready), axi.wready.eq(awready), axi.bvalid.eq(bvalid),
                     axi.arready.eq(arready), axi.rvalid.eq(rvalid), axi.bresp.eq(0),
                     axi.rresp.eq(0), axi.rdata.eq(bus.r_data)]
        # The bus side, registered: loaded in IDLE from the channels (the master holds address
        # and data until their handshake in the next state), cleared after one cycle.
        w_en, r_en = Signal(), Signal()
        addr, w_data = Signal.like(bus.addr), Signal.like(bus.w_data)
        read_next = Signal()                   # the last transaction was a write
        m.d.comb += [bus.w_en.eq(w_en), bus.r_en.eq(r_en), bus.addr.eq(addr),
                     bus.w_data.eq(w_data)]
        m.d.sync += [w_en.eq(0), r_en.eq(0)]
        with m.FSM() as fsm:
            with m.State("IDLE"):
                with m.If(axi.awvalid & axi.wvalid & write_first(read_next, axi.arvalid)):
                    m.d.sync += [awready.eq(1), w_en.eq(1), addr.eq(axi.awaddr),
                                 w_data.eq(axi.wdata), read_next.eq(1)]
                    m.next = "WRITE"
                with m.Elif(axi.arvalid):
                    m.d.sync += [arready.eq(1), r_en.eq(1), addr.eq(axi.araddr),
                                 read_next.eq(0)]
                    m.next = "READ"
            with m.State("WRITE"):                    # both channels handshake this cycle
                m.d.sync += [awready.eq(0), bvalid.eq(1)]
                m.next = "BRESP"
            with m.State("BRESP"):
                with m.If(axi.bready):
                    m.d.sync += bvalid.eq(0)
                    m.next = "IDLE"
            with m.State("READ"):                     # the address handshakes this cycle
                m.d.sync += [arready.eq(0), wait.eq(READ_LATENCY - 1)]
                m.next = "RWAIT"
            with m.State("RWAIT"):
                m.d.sync += wait.eq(wait - 1)
                with m.If(wait == 1):
                    m.d.sync += rvalid.eq(1)
                    m.next = "RDATA"
            with m.State("RDATA"):
                with m.If(axi.rready):
                    m.d.sync += rvalid.eq(0)
                    m.next = "IDLE"
        self._fsm, self._wait, self._read_next = fsm, wait, read_next   # for formal/axil.py
        return m
