"""Central control unit: the host register map, layer sequencing, start/done and cycles."""

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen import addrmap as am_
from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.codebook import CodebookWriteSignature
from eie_gen.hw.layouts import (LayerSignature, MemReadSignature, MemWriteSignature, RegBusSignature,
                      acc_shape)

__all__ = ["ControlUnit"]

CB_COPY = 16 + 1        # cycles to copy a layer's codebook into the PEs (read latency 1)


class ControlUnit(EIEComponent):
    """Decode the host's register bus (``eie_gen.addrmap``) and run the layers.

    Host side: identification words, CTRL/STATUS/N_LAYERS/CYCLES/IRQ_EN, ``max_layers`` layer
    descriptors (registers) and codebooks (a memory), and the PEs' memories: writes go out on
    shared address/data ports with a one-hot ``pe_sel``; matrix words arrive in 32-bit parts
    through a staging register. Writes to anything but CTRL and the activations are ignored
    while busy. Reads return data ``READ_LATENCY`` (3) cycles later.

    A run (CTRL.START): for each layer, copy its codebook into every PE (17 cycles), pulse
    ``clear_dst`` and ``scan``, wait a cycle, let the LNZD tree broadcast until it is empty and
    every PE is idle, pulse ``wb_start``, wait for the write-back, flip ``sel``; then DONE
    (``irq`` while DONE and IRQ_EN). CYCLES counts the cycles from START to DONE.

    Members
    -------
    bus : In(RegBusSignature(addr_bits))
    irq : Out(1)
    layer : Out(LayerSignature); sel, clear_src, clear_dst, scan, wb_start : Out(1)
        (``clear_src`` is registered for the same reason as ``act_wr``; a run's first scan is
        17 cycles after START, so CLEAR_ACT and START in one write still clear first)
    cb_wr : Out(CodebookWriteSignature)
    ptr_wr, spmat_wr, bias_wr : Out(write signatures), for the PEs in ``pe_sel``
    act_wr : Out(MemWriteSignature), for the PEs in ``act_sel`` (one-hot): registered, a cycle
        after the bus write. Unregistered, the bus decode fed every PE's source-bank flags
        through the non-zero test, across the chip: the ECP5 critical path from 8 PEs on.
        No host sequence sees the cycle: bus writes are at least 3 cycles apart.
    pe_sel : Out(n_pe), one-hot
    act_rd : Out(MemReadSignature), for the PE in ``pe_sel``; act_data : In(n_pe words)
    all_idle, tree_done, wb_busy : In(1)
    busy : Out(1)

    Latency: see the run above; ``eie_gen.golden.array_model`` counts it. Resources: descriptor
    registers (``max_layers`` x ~31 bits), a ``16 max_layers`` x ``weight_bits`` codebook
    memory, the staging register, a 32-bit cycle counter, the read mux.
    """

    def __init__(self, config: EIEConfig):
        cfg = config
        self.map = am_.address_map(cfg)
        super().__init__(config, {
            "bus": In(RegBusSignature(self.map.addr_bits)),
            "irq": Out(1),
            "layer": Out(LayerSignature(cfg)),
            "sel": Out(1), "clear_src": Out(1), "clear_dst": Out(1), "scan": Out(1),
            "wb_start": Out(1),
            "cb_wr": Out(CodebookWriteSignature(cfg)),
            "ptr_wr": Out(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
            "spmat_wr": Out(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "bias_wr": Out(MemWriteSignature(cfg.bias_addr_bits, signed(cfg.act_bits))),
            "act_wr": Out(MemWriteSignature(cfg.row_bits, acc_shape(cfg))),
            "act_sel": Out(cfg.n_pe),
            "pe_sel": Out(cfg.n_pe),
            "act_rd": Out(MemReadSignature(cfg.row_bits, acc_shape(cfg))),
            "act_data": In(cfg.n_pe * cfg.acc_bits),
            "all_idle": In(1), "tree_done": In(1), "wb_busy": In(1),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg, amap = self.config, self.map
        m = Module()
        bus = self.bus
        stride_bits = amap.pe_stride.bit_length() - 1
        win_bits = (amap.ptr_off or amap.spmat_off).bit_length() - 1   # window size, log2

        # -- registers --------------------------------------------------------------------
        n_layers = Signal(range(cfg.max_layers + 1), init=1)
        irq_en = Signal()
        done = Signal()
        cycles = Signal(32)
        count = Signal(32)
        descs = [{name: Signal(shape, name=f"l{L}_{name}") for name, shape in (
            ("ptr_base", cfg.ptr_addr_bits), ("bias_base", cfg.bias_addr_bits),
            ("n_rows", cfg.row_bits + 1), ("shift", 5), ("relu", 1))}
            for L in range(cfg.max_layers)]
        m.submodules.codebooks = cbm = Memory(shape=signed(cfg.weight_bits),
                                              depth=16 * cfg.max_layers, init=[])
        cb_w = cbm.write_port()
        cb_r = cbm.read_port(domain="sync")

        # -- address decode ---------------------------------------------------------------
        addr = bus.addr
        region = Signal(max(1, amap.addr_bits - stride_bits))   # no aliasing above the map
        m.d.comb += region.eq(addr[stride_bits:])
        in_ctrl = region == 0
        pe_index = Signal(range(max(cfg.n_pe, 2)))
        m.d.comb += pe_index.eq(region - 1)
        in_pe = (region != 0) & (region <= cfg.n_pe)
        window = addr[win_bits:stride_bits]
        index = Signal(win_bits - 2)
        m.d.comb += index.eq(addr[2:win_bits])
        for k in range(cfg.n_pe):
            m.d.comb += self.pe_sel[k].eq(in_pe & (pe_index == k))
        word = addr[2:stride_bits]                     # word index in the control region

        def ctrl_word(n):                              # word index of a control register
            return (amap.ctrl(n) - amap.id_base) >> 2

        busy = Signal()
        m.d.comb += self.busy.eq(busy)

        # -- host writes --------------------------------------------------------------------
        sub_bits = (amap.spmat_sub_stride - 1).bit_length()
        staging = Signal(32 * max(1, amap.spmat_sub - 1))
        start = Signal()
        act_en, clear_src = Signal(), Signal()
        m.d.comb += [
            self.ptr_wr.addr.eq(index), self.ptr_wr.data.eq(bus.w_data),
            self.bias_wr.addr.eq(index), self.bias_wr.data.eq(bus.w_data),
            self.spmat_wr.addr.eq(index >> sub_bits),
            self.spmat_wr.data.eq(Cat(staging, bus.w_data) if amap.spmat_sub > 1
                                  else bus.w_data),
            cb_w.addr.eq(word - (amap.codebook_base >> 2)), cb_w.data.eq(bus.w_data),
        ]
        with m.If(bus.w_en):
            with m.If(in_ctrl):
                with m.If(word == ctrl_word(am_.CTRL)):
                    m.d.comb += [start.eq(bus.w_data[0] & ~busy & (n_layers != 0)),
                                 clear_src.eq(bus.w_data[2] & ~busy)]
                    with m.If(bus.w_data[1]):
                        m.d.sync += done.eq(0)
                with m.Elif(word == ctrl_word(am_.N_LAYERS)):
                    with m.If(~busy):
                        m.d.sync += n_layers.eq(bus.w_data)
                with m.Elif(word == ctrl_word(am_.IRQ_EN)):
                    m.d.sync += irq_en.eq(bus.w_data[0])
                with m.Elif(~busy & (addr >= amap.codebook_base)
                            & (addr < amap.codebook_base + 64 * cfg.max_layers)):
                    m.d.comb += cb_w.en.eq(1)
                for L, desc in enumerate(descs):
                    for n, name in enumerate(am_.LAYER_FIELDS):
                        with m.If(~busy & (addr == amap.layer(L, name))):
                            m.d.sync += desc[name].eq(bus.w_data)
            with m.Elif(in_pe & ~busy):
                with m.Switch(window):
                    with m.Case(0):
                        m.d.comb += self.ptr_wr.en.eq(1)
                    with m.Case(1):
                        sub = index[:sub_bits] if sub_bits else Const(0, 1)
                        with m.If(sub == amap.spmat_sub - 1):
                            m.d.comb += self.spmat_wr.en.eq(1)
                        for part in range(amap.spmat_sub - 1):
                            with m.If(sub == part):
                                m.d.sync += staging.word_select(part, 32).eq(bus.w_data)
                    with m.Case(2):
                        m.d.comb += self.bias_wr.en.eq(1)
                    with m.Case(3):
                        m.d.comb += act_en.eq(1)

        m.d.sync += [self.act_wr.en.eq(act_en), self.clear_src.eq(clear_src)]
        with m.If(act_en):
            m.d.sync += [self.act_wr.addr.eq(index), self.act_wr.data.eq(bus.w_data.as_signed()),
                         self.act_sel.eq(self.pe_sel)]

        # -- host reads: decoded and registered, PE data registered, then selected ---------
        # READ_LATENCY = 3: each PE's read data is registered where it leaves the PE's RAM
        # before the n_pe:1 select (RAM clock-to-out followed by the wide mux across the
        # chip limited Fmax).
        id_values = list(amap.id_values().values())
        ctrl_values = {am_.STATUS: Cat(busy, done), am_.N_LAYERS: n_layers,
                       am_.CYCLES: cycles, am_.IRQ_EN: irq_en}
        value = Signal(32)
        with m.Switch(word):
            for n, v in enumerate(id_values):
                with m.Case(n):
                    m.d.comb += value.eq(v)
            for n, v in ctrl_values.items():
                with m.Case(ctrl_word(n)):
                    m.d.comb += value.eq(v)
        is_act = in_pe & (window == 3)
        m.d.comb += [self.act_rd.addr.eq(index), self.act_rd.en.eq(bus.r_en & is_act)]
        r1_valid, r1_value, r1_act = Signal(), Signal(32), Signal()
        r1_pe = Signal.like(pe_index)
        m.d.sync += r1_valid.eq(bus.r_en)
        with m.If(bus.r_en):
            m.d.sync += [r1_value.eq(Mux(in_ctrl, value, 0)), r1_act.eq(is_act),
                         r1_pe.eq(pe_index)]
        r2_valid, r2_value, r2_act = Signal(), Signal(32), Signal()
        r2_pe = Signal.like(pe_index)
        act_q = Signal.like(self.act_data)
        m.d.sync += [r2_valid.eq(r1_valid), act_q.eq(self.act_data)]
        with m.If(r1_valid):
            m.d.sync += [r2_value.eq(r1_value), r2_act.eq(r1_act), r2_pe.eq(r1_pe)]
        act_words = Array(act_q.word_select(k, cfg.acc_bits).as_signed()
                          for k in range(cfg.n_pe))
        with m.If(r2_valid):                           # hold the data until the next read
            m.d.sync += bus.r_data.eq(Mux(r2_act, act_words[r2_pe], r2_value))

        # -- the run ------------------------------------------------------------------------
        layer = Signal(range(cfg.max_layers + 1))
        cb_count = Signal(range(CB_COPY + 1))
        sel = Signal()
        m.d.comb += self.sel.eq(sel)
        cur = Array(Cat(*(d[name] for name in am_.LAYER_FIELDS)) for d in descs)
        cur_bits = Signal(len(cur[0]))
        # Registered: the descriptor mux fed the PEs' pointer adders and write-back
        # combinationally (the ECP5 critical path). It lags `layer` by a cycle, which the 17
        # codebook cycles at each layer start cover; the host writes descriptors only while
        # idle.
        m.d.sync += cur_bits.eq(cur[layer])
        offset = 0
        for name in am_.LAYER_FIELDS:
            width = len(descs[0][name])
            m.d.comb += getattr(self.layer, name).eq(cur_bits[offset:offset + width])
            offset += width
        m.d.comb += [cb_r.addr.eq(Cat(cb_count[:4], layer)), cb_r.en.eq(1),
                     self.cb_wr.addr.eq(cb_count - 1), self.cb_wr.data.eq(cb_r.data),
                     self.irq.eq(done & irq_en)]
        with m.If(busy):
            m.d.sync += count.eq(count + 1)
        with m.FSM():
            with m.State("IDLE"):
                with m.If(start):
                    m.d.sync += [busy.eq(1), done.eq(0), layer.eq(0), count.eq(1),
                                 cb_count.eq(0)]
                    m.next = "CODEBOOK"
            with m.State("CODEBOOK"):
                m.d.sync += cb_count.eq(cb_count + 1)
                m.d.comb += self.cb_wr.en.eq(cb_count != 0)
                with m.If(cb_count == CB_COPY - 1):
                    m.next = "SCAN"
            with m.State("SCAN"):
                m.d.comb += [self.clear_dst.eq(1), self.scan.eq(1)]
                m.next = "SETTLE"
            with m.State("SETTLE"):                   # the detectors load their masks
                m.next = "BROADCAST"
            with m.State("BROADCAST"):
                with m.If(self.tree_done & self.all_idle):
                    m.next = "WRITEBACK"
            with m.State("WRITEBACK"):
                m.d.comb += self.wb_start.eq(1)
                m.next = "WB_WAIT"
            with m.State("WB_WAIT"):
                with m.If(~self.wb_busy):
                    m.d.sync += [sel.eq(~sel), layer.eq(layer + 1), cb_count.eq(0)]
                    with m.If(layer + 1 == n_layers):
                        m.d.sync += [busy.eq(0), done.eq(1), cycles.eq(count)]
                        m.next = "IDLE"
                    with m.Else():
                        m.next = "CODEBOOK"
        return m
