"""Central control unit: the host register map, layer sequencing, start/done and cycles."""

from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from eie_gen import addrmap as am_
from eie_gen.config import EIEConfig
from eie_gen.hw.base import EIEComponent
from eie_gen.hw.ccu_regs import RegisterBlock, pe_host_ports
from eie_gen.hw.ccu_seq import Sequencer
from eie_gen.hw.codebook import CodebookWriteSignature
from eie_gen.hw.layouts import LayerSignature, RegBusSignature

__all__ = ["ControlUnit"]


class ControlUnit(EIEComponent):
    """Decode the host's register bus (``eie_gen.addrmap``) and run the layers: the
    :class:`~eie_gen.hw.ccu_regs.RegisterBlock` (decode, registers, staging, read-back) and
    the :class:`~eie_gen.hw.ccu_seq.Sequencer` (the run), wired together.

    Host side: identification words, CTRL/STATUS/N_LAYERS/CYCLES/IRQ_EN, ``max_layers`` layer
    descriptors and codebooks, and the PEs' memories on shared write ports with a one-hot
    ``pe_sel``. Writes to anything but CTRL and IRQ_EN (activations included) are ignored
    while busy. Reads return data ``READ_LATENCY`` (5) cycles later.

    A run (CTRL.START): per layer, copy its codebook into every PE, scan, broadcast until the
    tree is empty and every PE idle, write back; then DONE (``irq`` while DONE and IRQ_EN).
    CYCLES counts the cycles from START to DONE (from the first layer's start when START came
    before the PEs were ready after reset).

    Members
    -------
    bus : In(RegBusSignature(addr_bits))
    irq, busy : Out(1)
    layer : Out(LayerSignature); clear_src, scan, wb_start : Out(1) (``scan`` and
        ``wb_start`` a cycle before the PEs act on them: eie_top registers them on the way,
        :class:`~eie_gen.hw.ccu_seq.Sequencer`)
    cb_wr : Out(CodebookWriteSignature)
    ptr_wr, spmat_wr, bias_wr, act_wr : Out(write signatures), for the PEs in ``wr_sel``
        (one-hot), a cycle after the bus write (no host sequence sees it: bus writes are at
        least 3 cycles apart)
    pe_sel : Out(n_pe), one-hot
    act_rd : Out(RegReadSignature), for the PE in ``pe_sel``; act_data : In(n_pe words)
    all_ready, all_idle, tree_done : In(1), ``STATUS_LATENCY`` cycles late

    Latency: the sequencer's; ``eie_gen.golden.array_model`` counts it. Resources: the
    register block's and the sequencer's.
    """

    summary = "the central control unit: registers, layer sequencing"
    waves = {"control unit":
             ["bus__w_en", "bus__r_en", "bus__addr", "scan", "tree_done", "wb_start",
              "all_idle", "all_ready", "irq"]}

    def __init__(self, config: EIEConfig):
        cfg = config
        self.map = am_.address_map(cfg)
        super().__init__(config, {
            "bus": In(RegBusSignature(self.map.addr_bits)),
            "irq": Out(1),
            "layer": Out(LayerSignature(cfg)),
            "clear_src": Out(1), "scan": Out(1), "wb_start": Out(1),
            "cb_wr": Out(CodebookWriteSignature(cfg)),
            **pe_host_ports(cfg),
            "all_ready": In(1), "all_idle": In(1), "tree_done": In(1),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.regs = regs = RegisterBlock(self.config)
        m.submodules.seq = seq = Sequencer(self.config)
        wiring.connect(m, wiring.flipped(self.bus), regs.bus)
        wiring.connect(m, seq.cb_rd, regs.cb_rd)
        m.d.comb += [seq.start.eq(regs.start), seq.ack.eq(regs.ack),
                     seq.n_layers.eq(regs.n_layers), regs.layer_index.eq(seq.layer_index),
                     regs.busy.eq(seq.busy), regs.done.eq(seq.done),
                     regs.cycles.eq(seq.cycles), regs.act_data.eq(self.act_data),
                     self.irq.eq(regs.irq), self.busy.eq(seq.busy),
                     self.clear_src.eq(regs.clear_src), self.wr_sel.eq(regs.wr_sel),
                     self.pe_sel.eq(regs.pe_sel)]
        for port in ("layer", "ptr_wr", "spmat_wr", "bias_wr", "act_wr", "act_rd"):
            wiring.connect(m, wiring.flipped(getattr(self, port)), getattr(regs, port))
        wiring.connect(m, wiring.flipped(self.cb_wr), seq.cb_wr)
        m.d.comb += [self.scan.eq(seq.scan), self.wb_start.eq(seq.wb_start),
                     seq.all_ready.eq(self.all_ready), seq.all_idle.eq(self.all_idle),
                     seq.tree_done.eq(self.tree_done), seq.n_rows.eq(regs.layer.n_rows)]
        return m
