"""Payload layouts and port signatures shared by the PE's units (no components here).

Every width comes from the one :class:`~eie_gen.config.EIEConfig`; the units only name them.
"""

from amaranth.hdl import Cat, Const, Value, signed, unsigned
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.addrmap import LAYER_FIELDS
from eie_gen.config import BROADCAST_LAG, ROOM_LAG, EIEConfig

__all__ = ["act_layout", "queued_layout", "column_layout", "entry_layout", "update_layout", "nonzero_layout",
           "MemWriteSignature", "BankWriteSignature", "RowClearSignature", "MemReadSignature",
           "RegReadSignature",
           "LayerSignature", "RegBusSignature", "READ_LATENCY", "acc_shape", "SHIFT_BITS",
           "BROADCAST_LATENCY",
           "STATUS_LATENCY", "STATUS_FAN_IN", "descriptor_fields", "descriptor_layout",
           "shift_masks_layout", "shift_masks", "shift_masks_logic"]


def act_layout(cfg: EIEConfig) -> data.StructLayout:
    """A broadcast activation: column ``j`` of the layer and its value ``a_j``."""
    return data.StructLayout({"j": unsigned(cfg.col_bits), "a": signed(cfg.act_bits)})


def queued_layout(cfg: EIEConfig) -> data.StructLayout:
    """A broadcast activation as the PE queues it: ``p``, the pointer index of its column
    (the layer's ``ptr_base`` plus ``j``, added on the way in), and ``a_j``."""
    return data.StructLayout({"p": unsigned(cfg.ptr_addr_bits), "a": signed(cfg.act_bits)})


def column_layout(cfg: EIEConfig) -> data.StructLayout:
    """One column's work for one PE: entries ``[start, end)`` of its matrix memory, times ``a``."""
    return data.StructLayout({"start": unsigned(cfg.ptr_bits), "end": unsigned(cfg.ptr_bits),
                              "a": signed(cfg.act_bits)})


def entry_layout(cfg: EIEConfig) -> data.StructLayout:
    """One ``(z << 4) | v`` entry, whether it opens its column, and the column's activation."""
    return data.StructLayout({"v": unsigned(cfg.index_bits), "z": unsigned(cfg.zrun_bits),
                              "first": 1, "a": signed(cfg.act_bits)})


def update_layout(cfg: EIEConfig) -> data.StructLayout:
    """One accumulation: local ``row`` += codebook[``v``] * ``a``."""
    return data.StructLayout({"row": unsigned(cfg.row_bits), "v": unsigned(cfg.index_bits),
                              "a": signed(cfg.act_bits)})


def nonzero_layout(cfg: EIEConfig) -> data.StructLayout:
    """A PE's next non-zero source activation: local row ``r`` and value ``a``."""
    return data.StructLayout({"r": unsigned(cfg.row_bits), "a": signed(cfg.act_bits)})


def acc_shape(cfg: EIEConfig):
    return signed(cfg.acc_bits)


class MemWriteSignature(wiring.Signature):
    """A write port as its user drives it: ``en``, ``addr``, ``data``."""

    def __init__(self, addr_bits: int, shape):
        super().__init__({"en": Out(1), "addr": Out(unsigned(addr_bits)), "data": Out(shape)})


class BankWriteSignature(wiring.Signature):
    """An activation write: ``en``, ``addr``, ``data`` and ``flag``, ``data != 0`` (the writer
    knows it cheaply: the write-back from a register, the host from its own test)."""

    def __init__(self, addr_bits: int, shape):
        super().__init__({"en": Out(1), "addr": Out(unsigned(addr_bits)), "data": Out(shape),
                          "flag": Out(1)})


class RowClearSignature(wiring.Signature):
    """Zero one accumulator: ``en`` and ``addr``."""

    def __init__(self, addr_bits: int):
        super().__init__({"en": Out(1), "addr": Out(unsigned(addr_bits))})


class MemReadSignature(wiring.Signature):
    """A synchronous read port as its user drives it: ``addr`` and ``en`` in one cycle,
    ``data`` the next; ``data`` holds while ``en`` is low."""

    def __init__(self, addr_bits: int, shape):
        super().__init__({"en": Out(1), "addr": Out(unsigned(addr_bits)), "data": In(shape)})


class RegReadSignature(wiring.Signature):
    """A block-RAM read port with its output register, as its user drives it: ``addr`` and
    ``en`` in cycle t load the port's latch; ``data`` is the output register, which loads the
    latch at the end of every cycle with ``oce`` high and holds otherwise, so the word read in
    t is on ``data`` in t + 2 when ``oce`` was high in t + 1. The register is the one a reader
    would put right after the RAM: on ECP5 it is the DP16KD's own (REGMODE OUTREG, a 1 ns
    clock-to-out instead of 5.8), elsewhere a fabric register
    (:func:`eie_gen.hw.dp16kd.output_register`). A reader that never holds drives ``oce`` 1."""

    def __init__(self, addr_bits: int, shape):
        super().__init__({"en": Out(1), "addr": Out(unsigned(addr_bits)), "oce": Out(1),
                          "data": In(shape)})


SHIFT_BITS = 5          # SPEC §3: a layer's write-back shift is 0..31
# Register stages between the PEs' status (idle, detector done, ready) and the sequencer: a
# tree of registers in eie_top, so no path crosses the chip from every PE to the control FSM.
STATUS_LATENCY = ROOM_LAG
STATUS_FAN_IN = 8       # PEs per first-stage register
# Register stages from the LNZD tree's root to the queues (the root's, then one per group of
# STATUS_FAN_IN PEs); the queues' slack counts them (eie_gen.config.BROADCAST_SLACK).
BROADCAST_LATENCY = BROADCAST_LAG


def descriptor_fields(cfg: EIEConfig) -> dict:
    """A layer descriptor's fields and widths, in the address map's order
    (:data:`eie_gen.addrmap.LAYER_FIELDS`)."""
    widths = {"ptr_base": cfg.ptr_addr_bits, "bias_base": cfg.bias_addr_bits,
              "n_rows": cfg.row_bits + 1, "shift": SHIFT_BITS, "relu": 1}
    return {name: widths[name] for name in LAYER_FIELDS}


def descriptor_layout(cfg: EIEConfig) -> data.StructLayout:
    """A layer descriptor as the control unit stores it."""
    return data.StructLayout({name: unsigned(w) for name, w in descriptor_fields(cfg).items()})


def shift_masks_layout(cfg: EIEConfig) -> data.StructLayout:
    """The write-back's masks for a layer's shift (:func:`shift_masks`)."""
    return data.StructLayout({"fits": cfg.acc_bits - cfg.act_bits, "keep": cfg.act_bits - 1,
                              "sign": min(cfg.acc_bits, 1 << SHIFT_BITS), "zero": 1})


def shift_masks(cfg: EIEConfig, shift: int) -> int:
    """The bit pattern (:func:`shift_masks_layout`) that the control unit decodes from a
    layer's ``shift`` once for every PE's write-back (:class:`~eie_gen.hw.writeback.WriteBack`),
    with ``p = acc_bits - 1 - shift``, the top bit of ``t >> shift``'s ``acc_bits - shift``:
    ``fits`` bit ``j``: pair ``j`` of the range test (bits ``act_bits - 1 + j`` and
    ``act_bits + j``) lies at or below ``p``; ``keep`` bit ``i - 1``: bit ``i`` does (above
    ``p`` the value is sign); ``sign``: one-hot, selects bit ``p``; ``zero``: ``p < 0``, every
    output is 0."""
    A, K, p = cfg.acc_bits, cfg.act_bits, cfg.acc_bits - 1 - shift
    fields = {"fits": sum(1 << j for j in range(A - K) if K + j <= p),
              "keep": sum(1 << (i - 1) for i in range(1, K) if i <= p),
              "sign": (1 << shift) if p >= 0 else 0, "zero": int(p < 0)}
    layout = shift_masks_layout(cfg)
    return sum(value << layout[name].offset for name, value in fields.items())


def shift_masks_logic(cfg: EIEConfig, shift) -> Value:
    """:func:`shift_masks` as logic of a ``shift`` signal: thermometer and one-hot codes of
    it (shifts of constants, not a table, which Yosys would make a ROM and move its output
    register in front of the ROM)."""
    A, K, top = cfg.acc_bits, cfg.act_bits, 1 << SHIFT_BITS
    le = (Const(-1, top) << shift)[:top]                    # le[k]: shift <= k

    def at(k):
        return le[k] if 0 <= k < top else Const(int(k >= top), 1)
    return Cat(Cat(at(A - K - 1 - j) for j in range(A - K)),
               Cat(at(A - 1 - i) for i in range(1, K)),
               (Const(1, top) << shift)[:min(A, top)], ~at(A - 1))


class LayerSignature(wiring.Signature):
    """The layer descriptor fields a PE needs, as the control unit drives them, and
    ``wb_masks``, the write-back's decode of ``shift`` (:func:`shift_masks`)."""

    def __init__(self, cfg: EIEConfig):
        members = {name: Out(unsigned(w)) for name, w in descriptor_fields(cfg).items()}
        super().__init__({**members, "wb_masks": Out(shift_masks_layout(cfg))})


class RegBusSignature(wiring.Signature):
    """The host port inside the core, as the AXI4-Lite slave drives it: a word write
    (``w_en``, ``addr``, ``w_data``) or a read (``r_en``, ``addr``) per cycle; read data is on
    ``r_data`` :data:`READ_LATENCY` cycles after ``r_en`` and holds until the next read."""

    def __init__(self, addr_bits: int):
        super().__init__({"addr": Out(unsigned(addr_bits)), "w_en": Out(1),
                          "w_data": Out(unsigned(32)), "r_en": Out(1),
                          "r_data": In(unsigned(32))})


READ_LATENCY = 5
