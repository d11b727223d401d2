"""eie_top: the accelerator a user drops into an FPGA design."""

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from eie_gen.addrmap import address_map
from eie_gen.config import EIEConfig

from eie_gen.hw.axil import AXILiteSignature, AXILiteSlave
from eie_gen.hw.base import EIEComponent
from eie_gen.hw.ccu import ControlUnit
from eie_gen.hw.keep import register_copy
from eie_gen.hw.layouts import BROADCAST_LATENCY, STATUS_FAN_IN, STATUS_LATENCY
from eie_gen.hw.lnzd_tree import LNZDTree
from eie_gen.hw.pe import ProcessingElement

__all__ = ["EIETop", "all_of"]


def all_of(m, bits, name: str):
    """The AND of ``bits`` through ``STATUS_LATENCY`` (2) register stages: the first ANDs
    groups of ``STATUS_FAN_IN`` into registers, the second those; always two stages, so the
    latency does not depend on ``n_pe``."""
    assert STATUS_LATENCY == 2
    groups = []
    for n in range(0, len(bits), STATUS_FAN_IN):
        g = Signal(name=f"{name}_g{n // STATUS_FAN_IN}")
        m.d.sync += g.eq(Cat(*bits[n:n + STATUS_FAN_IN]).all())
        groups.append(g)
    out = Signal(name=name)
    m.d.sync += out.eq(Cat(*groups).all())
    return out


class EIETop(EIEComponent):
    """``n_pe`` processing elements, the LNZD quadtree, the control unit and an AXI4-Lite port.

    The tree's root is broadcast to every PE's queue, at most one activation per cycle: sent
    while every queue had room two cycles before (the status registers), it reaches all
    queues in the same cycle two cycles later (the broadcast registers), and the queues'
    slack holds what is in flight (``EIEConfig.queue_slots``: ``fifo_depth + 6``). Each PE's
    local detector is a leaf of the tree; the write-back of layer L fills the bank that is
    layer L+1's source, so activations never leave the core between layers.

    Members
    -------
    s_axil : In(AXILiteSignature(addr_bits)), the host port (``eie_gen.addrmap``; the docs are
        generated from the same map: ``eie generate`` writes ``address-map.md``).
    irq : Out(1), high while a run is DONE and IRQ_EN is set.

    Clock ``clk`` and synchronous reset ``rst`` (the ``sync`` domain). Reset stops a run and
    clears the control state; memory contents (model, inputs) survive it.
    Latency and throughput: ``eie_gen.golden.array_model``. Resources: ``n_pe`` x PE, the tree, the
    control unit (see each).
    """

    summary = "the accelerator: PEs, LNZD tree, control unit, AXI4-Lite port"
    top = True
    waves = {"AXI4-Lite port":
             ["s_axil__awvalid", "s_axil__awready", "s_axil__awaddr", "s_axil__wvalid",
              "s_axil__wready", "s_axil__wdata", "s_axil__bvalid", "s_axil__bready",
              "s_axil__arvalid", "s_axil__arready", "s_axil__araddr", "s_axil__rvalid",
              "s_axil__rready", "s_axil__rdata", "irq"]}

    def __init__(self, config: EIEConfig):
        self.map = address_map(config)
        super().__init__(config, {"s_axil": In(AXILiteSignature(self.map.addr_bits)),
                                  "irq": Out(1)})

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        m.submodules.axil = axil = AXILiteSlave(cfg, self.map.addr_bits)
        m.submodules.ccu = ccu = ControlUnit(cfg)
        m.submodules.tree = tree = LNZDTree(cfg)
        pes = []
        for k in range(cfg.n_pe):
            pe = ProcessingElement(cfg)
            m.submodules[f"pe{k}"] = pe
            pes.append(pe)
        wiring.connect(m, wiring.flipped(self.s_axil), axil.axi)
        wiring.connect(m, axil.bus, ccu.bus)
        m.d.comb += self.irq.eq(ccu.irq)

        # Broadcast on credit: the root sends while every queue had room as the status
        # registers saw it, and its item reaches every queue through registers; the queues'
        # slack holds what is in flight (EIEConfig.queue_slots). No path crosses the chip
        # combinationally, from the queues' ready to the tree or from the root to a queue.
        all_room = all_of(m, [pe.room for pe in pes], "all_room")
        m.d.comb += tree.o.ready.eq(all_room)
        in_flight = self._broadcast(m, platform, tree.o.valid & all_room, tree.o.payload, pes)
        for k, pe in enumerate(pes):
            wiring.connect(m, pe.nz_out, tree.leaf[k])

        # Control and host ports, shared by all PEs; host writes go to the PE in wr_sel, host
        # reads to the one in pe_sel.
        wiring.connect(m, ccu.layer, *(pe.layer for pe in pes))
        self._control(m, platform, ccu, pes)
        self._host_writes(m, platform, ccu, pes)
        for k, pe in enumerate(pes):
            m.d.comb += [pe.act_rd.en.eq(ccu.act_rd.en & ccu.pe_sel[k]),
                         pe.act_rd.addr.eq(ccu.act_rd.addr), pe.act_rd.oce.eq(ccu.act_rd.oce)]
        # The PEs' status to the sequencer through a register tree (STATUS_LATENCY cycles).
        m.d.comb += [
            ccu.act_data.eq(Cat(*(pe.act_rd.data for pe in pes))),
            ccu.all_ready.eq(all_of(m, [pe.ready for pe in pes], "all_ready")),
            ccu.all_idle.eq(all_of(m, [pe.idle for pe in pes], "all_idle")),
            ccu.tree_done.eq(all_of(m, [pe.scan_done for pe in pes] + [~tree.busy]
                                    + [~v for v in in_flight], "tree_done")),
        ]
        return m

    def _control(self, m, platform, ccu, pes):
        """The sequencer's pulses and codebook writes to the PEs through a register copy
        per group of ``STATUS_FAN_IN`` PEs (:func:`~eie_gen.hw.keep.register_copy`): the
        sequencer sends ``scan`` and ``wb_start`` a cycle early for it, so the PEs see them
        when they did before; the codebook's last write lands in the scan's cycle, long
        before the first multiply; CLEAR_ACT a cycle later, like the host's writes. (From
        the sequencer's FSM straight to every PE's flags was the 16-PE critical path.)"""
        for n in range(0, len(pes), STATUS_FAN_IN):
            g = n // STATUS_FAN_IN
            group = pes[n:n + STATUS_FAN_IN]
            for pulse in ("clear_src", "scan", "wb_start"):
                q = register_copy(m, platform, getattr(ccu, pulse), f"{pulse}_g{g}", reset=True)
                m.d.comb += [getattr(pe, pulse).eq(q) for pe in group]
            en = register_copy(m, platform, ccu.cb_wr.en, f"cb_wr_en_g{g}", reset=True)
            addr = register_copy(m, platform, ccu.cb_wr.addr, f"cb_wr_addr_g{g}")
            data = register_copy(m, platform, ccu.cb_wr.data, f"cb_wr_data_g{g}")
            for pe in group:
                m.d.comb += [pe.cb_wr.en.eq(en), pe.cb_wr.addr.eq(addr), pe.cb_wr.data.eq(data)]

    def _host_writes(self, m, platform, ccu, pes):
        """The host's writes of the PEs' memories through one more register stage: address
        and data copied once per group of ``STATUS_FAN_IN`` PEs (kept apart,
        :func:`~eie_gen.hw.keep.register_copy`: Yosys had merged the control unit's equal
        write-data registers into one net to every PE's RAMs, the 32-PE critical path), each
        PE's enable its own register. The write lands a cycle later; no host sequence sees
        it (the next bus transaction starts three cycles after a write's). Up to
        ``STATUS_FAN_IN`` PEs (one group) the control unit's registers drive the PEs
        directly: the copies would only cost flip-flops (about 150, which 2 PEs on an
        iCE40 UP5K have no room for)."""
        ports = ("ptr_wr", "spmat_wr", "bias_wr", "act_wr")
        if len(pes) <= STATUS_FAN_IN:
            for k, pe in enumerate(pes):
                for port in ports:
                    src, dst = getattr(ccu, port), getattr(pe, port)
                    m.d.comb += [dst.en.eq(src.en & ccu.wr_sel[k]), dst.addr.eq(src.addr),
                                 dst.data.eq(src.data)]
            return
        for n in range(0, len(pes), STATUS_FAN_IN):
            g = n // STATUS_FAN_IN
            for port in ports:
                src = getattr(ccu, port)
                addr = register_copy(m, platform, src.addr, f"{port}_addr_g{g}")
                data = register_copy(m, platform, src.data, f"{port}_data_g{g}")
                for k in range(n, min(n + STATUS_FAN_IN, len(pes))):
                    dst, en = getattr(pes[k], port), Signal(name=f"{port}_en_pe{k}")
                    m.d.sync += en.eq(src.en & ccu.wr_sel[k])
                    m.d.comb += [dst.en.eq(en), dst.addr.eq(addr), dst.data.eq(data)]

    def _broadcast(self, m, platform, send, payload, pes) -> list:
        """The root's item to every queue through ``BROADCAST_LATENCY`` (2) register stages:
        one at the root, then one of each group of ``STATUS_FAN_IN`` PEs (kept apart,
        :func:`~eie_gen.hw.keep.register_copy`). Returns the stages' valid bits: the
        broadcast is not over while one is set."""
        assert BROADCAST_LATENCY == 2
        valid = register_copy(m, platform, send, "bcast_valid", reset=True)
        data = register_copy(m, platform, payload.as_value(), "bcast_data")
        stages = [valid]
        for n in range(0, len(pes), STATUS_FAN_IN):
            g = n // STATUS_FAN_IN
            g_valid = register_copy(m, platform, valid, f"bcast_valid_g{g}", reset=True)
            g_data = register_copy(m, platform, data, f"bcast_data_g{g}")
            stages.append(g_valid)
            for pe in pes[n:n + STATUS_FAN_IN]:
                m.d.comb += [pe.act_in.valid.eq(g_valid), pe.act_in.payload.eq(g_data)]
        return stages
