"""The control unit's register block: host address decode, write staging and read-back."""

from amaranth.hdl import Array, Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen import addrmap as am_
from eie_gen.config import EIEConfig
from eie_gen.hw.base import EIEComponent
from eie_gen.hw.dp16kd import output_register
from eie_gen.hw.layouts import (STATUS_FAN_IN, LayerSignature, MemWriteSignature,
                                RegReadSignature, RegBusSignature, descriptor_layout,
                                shift_masks_logic)

__all__ = ["RegisterBlock", "pe_host_ports", "ACT_WINDOW"]

PTR_WINDOW, SPMAT_WINDOW, BIAS_WINDOW, ACT_WINDOW = range(4)   # a PE region's windows


def pe_host_ports(cfg: EIEConfig) -> dict:
    """The members through which the host reaches the PEs' memories (shared by the control
    unit, which passes them on)."""
    return {
        "ptr_wr": Out(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
        "spmat_wr": Out(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
        "bias_wr": Out(MemWriteSignature(cfg.bias_addr_bits, signed(cfg.act_bits))),
        "act_wr": Out(MemWriteSignature(cfg.row_bits, signed(cfg.act_bits))),
        "wr_sel": Out(cfg.n_pe),
        "pe_sel": Out(cfg.n_pe),
        "act_rd": Out(RegReadSignature(cfg.row_bits, signed(cfg.act_bits))),
        "act_data": In(cfg.n_pe * cfg.act_bits),
    }


class RegisterBlock(EIEComponent):
    """The host's view of the core (``eie_gen.addrmap``): decode, registers, write staging
    and read-back; the sequencer (:class:`~eie_gen.hw.ccu_seq.Sequencer`) runs the layers.

    Contract: identification words read back as the address map says; CTRL (START,
    ACK, CLEAR_ACT), N_LAYERS, IRQ_EN and the ``max_layers`` layer descriptors and codebooks
    (a memory) are written here; STATUS and CYCLES read the sequencer's ``busy``, ``done``
    and ``cycles``. PE memories are written on shared address/data ports with a one-hot
    ``pe_sel``; matrix words arrive in 32-bit parts through a staging register and are written
    with the last part. Writes to anything but CTRL and IRQ_EN (activations included) are
    ignored while ``busy``; START is ignored while busy or when N_LAYERS is 0.

    Members
    -------
    bus : In(RegBusSignature(addr_bits)), the host port
    start, ack : Out(1), pulses two cycles after the CTRL write (START accepted, ACK)
    clear_src : Out(1), CLEAR_ACT, a pulse two cycles after the write
    n_layers : Out(range(max_layers + 1))
    busy, done : In(1); cycles : In(32), from the sequencer
    irq : Out(1), ``done`` while IRQ_EN
    layer_index : In(range(max_layers + 1)), the layer the sequencer runs
    layer : Out(LayerSignature), that layer's descriptor, registered (a cycle after
        ``layer_index``; the sequencer's codebook copy at each layer start covers it), and
        the write-back's masks of its shift (a cycle later)
    cb_rd : In(RegReadSignature), the sequencer's read port on the codebooks, through an
        output register in fabric (the block RAM's latch, 5.8 ns clock-to-out, fed the
        codebook's register copies across the chip: the 16-PE critical path)
    ptr_wr, spmat_wr, bias_wr, act_wr : Out(write signatures), for the PEs in ``wr_sel``
        (one-hot): registered, a cycle after the bus write, so no bus decode reaches every
        PE's memories in one cycle
    pe_sel : Out(n_pe), one-hot
    act_rd : Out(RegReadSignature), for the PE in ``pe_sel`` (both registered, a cycle after
        the bus read; ``oce`` is 1); act_data : In(n_pe words), the PEs' read ports' output
        registers

    Latency: register writes take effect at the end of the cycle after the bus write, the
    PEs' memory writes are in that cycle, ``start``, ``ack`` and ``clear_src`` pulse in the
    next; read data is on ``bus.r_data`` ``READ_LATENCY`` (5)
    cycles after ``r_en``: decode into the PE's read, the PE's RAM latch, its output
    register, a register per group of ``STATUS_FAN_IN`` PEs, the group select.
    Resources: ``max_layers`` descriptors (about 31 bits each), a ``codebook_size x
    max_layers`` x ``weight_bits`` memory, the staging register, a 32-bit read pipeline and
    the two-level read select.
    """

    summary = "the control unit's register block: decode, registers, staging, read-back"

    def __init__(self, config: EIEConfig):
        cfg = config
        self.map = am_.address_map(cfg)
        cb_addr = (cfg.codebook_size * cfg.max_layers - 1).bit_length()
        super().__init__(config, {
            "bus": In(RegBusSignature(self.map.addr_bits)),
            "start": Out(1), "ack": Out(1), "clear_src": Out(1),
            "n_layers": Out(range(cfg.max_layers + 1), init=1),
            "busy": In(1), "done": In(1), "cycles": In(32), "irq": Out(1),
            "layer_index": In(range(cfg.max_layers + 1)),
            "layer": Out(LayerSignature(cfg)),
            "cb_rd": In(RegReadSignature(cb_addr, signed(cfg.weight_bits))),
            **pe_host_ports(cfg),
        })

    def _word(self, n: int) -> int:
        """Word index in the control region of control register ``n``."""
        return (self.map.ctrl(n) - self.map.id_base) >> 2

    def elaborate(self, platform):
        m = Module()
        d = self._decode(m)
        d["w_data"] = w_data = Signal(32)         # registered with the decode, for writes
        m.d.sync += w_data.eq(self.bus.w_data)
        irq_en = Signal()
        self._descriptors(m, d)
        self._control_writes(m, d, irq_en)
        self._pe_writes(m, d)
        self._reads(m, d, irq_en)
        m.d.comb += self.irq.eq(self.done & irq_en)
        return m

    def _decode(self, m) -> dict:
        """Which region, PE, window and index the bus address names."""
        cfg, amap, addr = self.config, self.map, self.bus.addr
        stride_bits = amap.pe_stride.bit_length() - 1
        win_bits = (amap.ptr_off or amap.spmat_off).bit_length() - 1   # window size, log2
        region = Signal(max(1, amap.addr_bits - stride_bits))   # no aliasing above the map
        pe_index = Signal(range(max(cfg.n_pe, 2)))
        index = Signal(win_bits - 2)
        m.d.comb += [region.eq(addr[stride_bits:]), pe_index.eq(region - 1),
                     index.eq(addr[2:win_bits])]
        in_pe = (region != 0) & (region <= cfg.n_pe)
        sel = Signal(cfg.n_pe)
        for k in range(cfg.n_pe):
            m.d.comb += sel[k].eq(in_pe & (pe_index == k))
        return {"in_ctrl": region == 0, "in_pe": in_pe, "pe_index": pe_index, "sel": sel,
                "window": addr[win_bits:stride_bits], "index": index,
                "word": addr[2:stride_bits]}

    def _descriptors(self, m, d):
        """Descriptor registers and the codebook memory, written while idle, a cycle after
        the bus write: the decode is registered (it fanned out from the bus address to every
        descriptor register's enable, the 16-PE critical path), and no host sees the cycle
        (the next bus transaction comes 3 cycles after a write). The running layer's
        descriptor out, registered (the mux fed the PEs' pointer adders)."""
        cfg, amap, bus = self.config, self.map, self.bus
        layout = descriptor_layout(cfg)
        descs = [Signal(layout, name=f"layer{L}") for L in range(cfg.max_layers)]
        idle_write = bus.w_en & d["in_ctrl"] & ~self.busy
        w_data = d["w_data"]
        for L, desc in enumerate(descs):
            for name in am_.LAYER_FIELDS:
                hit = Signal(name=f"layer{L}_{name}_wr")
                m.d.sync += hit.eq(idle_write & (bus.addr == amap.layer(L, name)))
                with m.If(hit):
                    m.d.sync += desc[name].eq(w_data)
        current = Signal(layout)
        m.d.sync += current.eq(Array(desc.as_value() for desc in descs)[self.layer_index])
        # The write-back's masks, decoded here once for every PE, a cycle after the rest.
        wb_masks = Signal.like(self.layer.wb_masks.as_value())
        m.d.sync += wb_masks.eq(shift_masks_logic(cfg, current.shift))
        m.d.comb += [getattr(self.layer, name).eq(current[name]) for name in am_.LAYER_FIELDS]
        m.d.comb += self.layer.wb_masks.eq(wb_masks)

        size = cfg.codebook_size * cfg.max_layers
        m.submodules.codebooks = cbm = Memory(shape=signed(cfg.weight_bits), depth=size, init=[])
        cb_w = cbm.write_port()
        cb_r = cbm.read_port(domain="sync")
        in_cb = (bus.addr >= amap.codebook_base) & (bus.addr < amap.codebook_base + 4 * size)
        m.d.sync += [cb_w.addr.eq(d["word"] - (amap.codebook_base >> 2)),
                     cb_w.en.eq(idle_write & in_cb)]
        m.d.comb += [cb_w.data.eq(w_data),
                     cb_r.addr.eq(self.cb_rd.addr), cb_r.en.eq(self.cb_rd.en)]
        output_register(m, cb_r.data, self.cb_rd)

    def _control_writes(self, m, d, irq_en):
        """CTRL (START, ACK, CLEAR_ACT), N_LAYERS and IRQ_EN, a cycle after the bus write
        like the descriptors (the decode ran from the bus address across the chip into
        IRQ_EN and N_LAYERS, the 16-PE critical path); START, ACK and CLEAR_ACT registered
        again (the decode ran into the sequencer's state logic, the 2-PE critical path). A
        run's first scan is well after START, so CLEAR_ACT and START in one write still
        clear first. No host sees the two cycles: its next transaction reaches the bus
        three cycles after a write."""
        ctrl_write = self.bus.w_en & d["in_ctrl"]
        names = {am_.CTRL: "ctrl_wr", am_.N_LAYERS: "n_layers_wr", am_.IRQ_EN: "irq_en_wr"}
        hit = {n: Signal(name=name) for n, name in names.items()}
        m.d.sync += [h.eq(ctrl_write & (d["word"] == self._word(n))) for n, h in hit.items()]
        data, idle, ctrl = d["w_data"], ~self.busy, hit[am_.CTRL]
        with m.If(hit[am_.N_LAYERS] & idle):
            m.d.sync += self.n_layers.eq(data)
        with m.If(hit[am_.IRQ_EN]):
            m.d.sync += irq_en.eq(data[0])
        m.d.sync += [self.clear_src.eq(ctrl & data[2] & idle),
                     self.start.eq(ctrl & data[0] & idle & (self.n_layers != 0)),
                     self.ack.eq(ctrl & data[1])]

    def _pe_writes(self, m, d):
        """The PEs' pointer, matrix, bias and activation memories, all registered: the bus
        decode reaches no PE in the cycle it is made (it fanned out to every PE's block-RAM
        address mux, the ECP5 critical path at 8 PEs)."""
        amap, bus, index = self.map, self.bus, d["index"]
        sub_bits = (amap.spmat_sub_stride - 1).bit_length()
        staging = Signal(32 * max(1, amap.spmat_sub - 1))
        en = {name: Signal(name=f"{name}_en") for name in ("ptr", "spmat", "bias", "act")}
        with m.If(bus.w_en & d["in_pe"] & ~self.busy):
            with m.Switch(d["window"]):
                with m.Case(PTR_WINDOW):
                    m.d.comb += en["ptr"].eq(1)
                with m.Case(SPMAT_WINDOW):
                    sub = index[:sub_bits] if sub_bits else Const(0, 1)
                    with m.If(sub == amap.spmat_sub - 1):
                        m.d.comb += en["spmat"].eq(1)
                    for part in range(amap.spmat_sub - 1):
                        with m.If(sub == part):
                            m.d.sync += staging.word_select(part, 32).eq(bus.w_data)
                with m.Case(BIAS_WINDOW):
                    m.d.comb += en["bias"].eq(1)
                with m.Case(ACT_WINDOW):
                    m.d.comb += en["act"].eq(1)
        m.d.sync += [getattr(self, f"{name}_wr").en.eq(e) for name, e in en.items()]
        with m.If(Cat(*en.values()).any()):
            m.d.sync += [
                self.ptr_wr.addr.eq(index), self.ptr_wr.data.eq(bus.w_data),
                self.bias_wr.addr.eq(index), self.bias_wr.data.eq(bus.w_data),
                self.act_wr.addr.eq(index), self.act_wr.data.eq(bus.w_data.as_signed()),
                self.spmat_wr.addr.eq(index >> sub_bits),
                self.spmat_wr.data.eq(Cat(staging, bus.w_data) if amap.spmat_sub > 1
                                      else bus.w_data),
                self.wr_sel.eq(d["sel"]),
            ]

    def _reads(self, m, d, irq_en):
        """Read-back in READ_LATENCY = 5 cycles: decode and register; the PE's RAM latch (and
        the control word's select); its output register; a register per group of PEs; the
        group select into ``r_data`` (one n_pe:1 select from the RAMs across the chip was the
        16-PE critical path)."""
        cfg, amap, bus = self.config, self.map, self.bus
        ctrl_values = {am_.STATUS: Cat(self.busy, self.done), am_.N_LAYERS: self.n_layers,
                       am_.CYCLES: self.cycles, am_.IRQ_EN: irq_en}
        is_act = d["in_pe"] & (d["window"] == ACT_WINDOW)
        # The PE read registered, like the writes: the decode reached every PE's block-RAM
        # enable in one cycle (the 8-PE critical path once the write-back was fixed).
        m.d.sync += [self.act_rd.addr.eq(d["index"]), self.act_rd.en.eq(bus.r_en & is_act),
                     self.pe_sel.eq(d["sel"])]
        # The control word's select a cycle after the decode (from the bus address through
        # the region compare into the 32-bit select was the 2-PE critical path); the PE's
        # word takes that cycle in its RAM.
        r0_valid, r0_word, r0_ctrl, r0_act, r0_pe = _stage(m, bus.r_en, d["word"], d["in_ctrl"],
                                                           is_act, d["pe_index"])
        value = Signal(32)
        with m.Switch(r0_word):
            for n, v in enumerate(amap.id_values().values()):
                with m.Case(n):
                    m.d.comb += value.eq(v)
            for n, v in ctrl_values.items():
                with m.Case(self._word(n)):
                    m.d.comb += value.eq(v)
        r1 = _stage(m, r0_valid, Mux(r0_ctrl, value, 0), r0_act, r0_pe)
        r2 = _stage(m, *r1)
        r3_valid, r3_value, r3_act, r3_pe = _stage(m, *r2)
        # Each PE's word is in its read port's output register (a DP16KD's on ECP5) in the
        # cycle r2 holds; a register per group of STATUS_FAN_IN PEs takes the named PE's
        # word there, so the n_pe:1 select is two short ones with a register between.
        m.d.comb += self.act_rd.oce.eq(1)
        low = (STATUS_FAN_IN - 1).bit_length()
        groups = []
        for g in range(0, cfg.n_pe, STATUS_FAN_IN):
            words = Array(self.act_data.word_select(k, cfg.act_bits).as_signed()
                          for k in range(g, min(g + STATUS_FAN_IN, cfg.n_pe)))
            q = Signal(signed(cfg.act_bits), name=f"act_group{g // STATUS_FAN_IN}")
            m.d.sync += q.eq(words[r2[3][:low]])
            groups.append(q)
        with m.If(r3_valid):                           # hold the data until the next read
            m.d.sync += bus.r_data.eq(Mux(r3_act, Array(groups)[r3_pe >> low], r3_value))


def _stage(m, valid, *values):
    """A register stage of the read pipeline: ``valid`` every cycle, ``values`` while it is
    high. Returns the registers, ``valid``'s first."""
    q_valid, qs = Signal(), [Signal(v.shape()) for v in values]
    m.d.sync += q_valid.eq(valid)
    with m.If(valid):
        m.d.sync += [q.eq(v) for q, v in zip(qs, values)]
    return (q_valid, *qs)
