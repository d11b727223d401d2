"""The host port's address map (SPEC §5), computed from the configuration.

One function lays it out; the RTL decodes it, the driver uses it, and ``docs/address-map.md``
is printed from it, so they cannot drift. Byte addresses, 32-bit words, little endian.
"""

from __future__ import annotations

from dataclasses import dataclass

from eie_gen.config import EIEConfig

__all__ = ["AddressMap", "address_map", "to_markdown", "to_c_header", "MAGIC", "MAP_VERSION",
           "ID_FIELDS",
           "CTRL_START", "CTRL_ACK", "CTRL_CLEAR_ACT", "STATUS_BUSY", "STATUS_DONE",
           "LAYER_FIELDS"]

MAGIC = 0x45494531              # "EIE1"
MAP_VERSION = 1
# Identification words, in order from address 0 (read-only).
ID_FIELDS = ("magic", "version", "n_pe", "entries_per_word", "weight_bits", "act_bits",
             "acc_bits", "fifo_depth", "spmat_words", "ptr_depth", "act_depth", "bias_depth",
             "max_layers", "pe_base", "pe_stride")
# Control block word offsets (from ctrl_base).
CTRL, STATUS, N_LAYERS, CYCLES, IRQ_EN = range(5)
CTRL_START, CTRL_ACK, CTRL_CLEAR_ACT = 1, 2, 4
STATUS_BUSY, STATUS_DONE = 1, 2
# Layer descriptor words (from layer_base + L * layer_stride).
LAYER_FIELDS = ("ptr_base", "bias_base", "n_rows", "shift", "relu")


def _pow2(n: int) -> int:
    return 1 << max(0, (n - 1).bit_length())


@dataclass(frozen=True)
class AddressMap:
    config: EIEConfig
    id_base: int
    ctrl_base: int
    layer_base: int
    layer_stride: int
    codebook_base: int
    pe_base: int
    pe_stride: int
    ptr_off: int                # within a PE window
    spmat_off: int
    spmat_sub: int              # 32-bit words per matrix word (the last one commits)
    bias_off: int
    act_off: int
    addr_bits: int              # AXI address width

    def id_values(self) -> dict:
        c = self.config
        special = {"magic": MAGIC, "version": MAP_VERSION, "pe_base": self.pe_base,
                   "pe_stride": self.pe_stride}
        return {name: special[name] if name in special else getattr(c, name)
                for name in ID_FIELDS}

    def ctrl(self, word: int) -> int:
        return self.ctrl_base + 4 * word

    def layer(self, L: int, field: str) -> int:
        return self.layer_base + L * self.layer_stride + 4 * LAYER_FIELDS.index(field)

    def codebook(self, L: int, v: int) -> int:
        return self.codebook_base + 4 * (L * 16 + v)

    def pe(self, k: int) -> int:
        return self.pe_base + k * self.pe_stride

    def ptr(self, k: int, n: int) -> int:
        return self.pe(k) + self.ptr_off + 4 * n

    def spmat(self, k: int, word: int, sub: int) -> int:
        return self.pe(k) + self.spmat_off + 4 * (word * self.spmat_sub_stride + sub)

    @property
    def spmat_sub_stride(self) -> int:
        return _pow2(self.spmat_sub)

    def bias(self, k: int, n: int) -> int:
        return self.pe(k) + self.bias_off + 4 * n

    def act(self, k: int, r: int) -> int:
        return self.pe(k) + self.act_off + 4 * r


def address_map(cfg: EIEConfig) -> AddressMap:
    """Power-of-two aligned windows, so the decoder compares high address bits only: the
    address divided by ``pe_stride`` is 0 for the control region and ``k + 1`` for PE ``k``."""
    id_bytes = _pow2(4 * len(ID_FIELDS))
    ctrl_base = id_bytes
    layer_stride = _pow2(4 * len(LAYER_FIELDS))
    layer_bytes = _pow2(cfg.max_layers * layer_stride)
    codebook_bytes = _pow2(cfg.max_layers * 16 * 4)
    # Control region: id + ctrl (32 bytes each at most), layers, codebooks, each aligned.
    layer_base = max(_pow2(2 * id_bytes), layer_bytes)
    codebook_base = max(2 * layer_base, codebook_bytes)
    control_bytes = 2 * max(codebook_base, codebook_bytes)
    sub = -(-cfg.word_bits // 32)
    windows = {"ptr": 4 * cfg.ptr_depth, "spmat": 4 * cfg.spmat_words * _pow2(sub),
               "bias": 4 * cfg.bias_depth, "act": 4 * cfg.act_depth}
    size = max(_pow2(w) for w in windows.values())
    offsets = {name: n * size for n, name in enumerate(windows)}
    pe_stride = max(4 * size, control_bytes)
    pe_base = pe_stride
    top = pe_base + cfg.n_pe * pe_stride
    return AddressMap(cfg, 0, ctrl_base, layer_base, layer_stride, codebook_base, pe_base,
                      pe_stride, offsets["ptr"], offsets["spmat"], sub, offsets["bias"],
                      offsets["act"], max(12, (top - 1).bit_length()))


def to_markdown(cfg: EIEConfig) -> str:
    """The address map as a document (``eie generate`` writes it next to the Verilog)."""
    am = address_map(cfg)
    h = lambda n: f"0x{n:0{(am.addr_bits + 3) // 4}x}"  # noqa: E731
    lines = [f"# eie_top address map ({cfg.slug})", "",
             f"AXI4-Lite, 32-bit data, {am.addr_bits}-bit byte addresses; every register is a "
             "32-bit word (`wstrb` is ignored: writes are whole words). Reads of write-only "
             "words return 0; writes other than CTRL and IRQ_EN (the activations too) are "
             "ignored while the core is busy.", "",
             "## Identification (read-only)", "", "| address | name | value |", "|---|---|---|"]
    for n, (name, value) in enumerate(am.id_values().items()):
        lines.append(f"| {h(am.id_base + 4 * n)} | {name.upper()} | {value:#x} |")
    lines += ["", "## Control", "", "| address | name | access | meaning |", "|---|---|---|---|",
              f"| {h(am.ctrl(CTRL))} | CTRL | W | bit 0 START a run of N_LAYERS layers on the "
              "PEs' activations; bit 1 ACK: clear DONE and the interrupt; bit 2 CLEAR_ACT: "
              "every PE's activations count as zero until written (write the non-zero inputs "
              "after it) |",
              f"| {h(am.ctrl(STATUS))} | STATUS | R | bit 0 BUSY, bit 1 DONE |",
              f"| {h(am.ctrl(N_LAYERS))} | N_LAYERS | RW | layers per run, 1..{cfg.max_layers} |",
              f"| {h(am.ctrl(CYCLES))} | CYCLES | R | clock cycles of the last run, START to "
              "DONE |",
              f"| {h(am.ctrl(IRQ_EN))} | IRQ_EN | RW | bit 0: drive `irq` while DONE |",
              "", "## Layer descriptors (write-only)", "",
              f"Layer L at {h(am.layer_base)} + L x {h(am.layer_stride)}, L < "
              f"{cfg.max_layers}:", "", "| offset | field | meaning |", "|---|---|---|"]
    meaning = {"ptr_base": "first pointer of the layer in every PE's pointer memory",
               "bias_base": "first bias of the layer in every PE's bias memory",
               "n_rows": "local output rows per PE: ceil(rows / n_pe)",
               "shift": "write-back right shift, 0..31", "relu": "bit 0: apply ReLU"}
    for n, name in enumerate(LAYER_FIELDS):
        lines.append(f"| {h(4 * n)} | {name.upper()} | {meaning[name]} |")
    lines += ["", "## Codebooks (write-only)", "",
              f"Entry v of layer L at {h(am.codebook_base)} + (16 L + v) x 4: a signed "
              f"{cfg.weight_bits}-bit weight (entry 0 must be 0).", "",
              "## Processing elements", "",
              f"PE k at {h(am.pe_base)} + k x {h(am.pe_stride)}, k < {cfg.n_pe}:", "",
              "| offset | window | access | words |", "|---|---|---|---|",
              f"| {h(am.ptr_off)} | PTR | W | {cfg.ptr_depth} pointer words `P[j] \\| empty_j << "
              f"{cfg.ptr_bits}` (absolute entry addresses; empty_j: column j has no entries "
              "in this PE) |",
              f"| {h(am.spmat_off)} | SPMAT | W | {cfg.spmat_words} matrix words of "
              f"{cfg.word_bits} bits, word n at n x {4 * am.spmat_sub_stride} bytes as "
              f"{am.spmat_sub} 32-bit parts, low part first; writing the last part stores the "
              "word |",
              f"| {h(am.bias_off)} | BIAS | W | {cfg.bias_depth} signed biases |",
              f"| {h(am.act_off)} | ACT | RW | {cfg.act_depth} activations (row r holds "
              "a_{r n_pe + k}); before START the inputs, after DONE the outputs (a row no layer "
              "wrote and the host did not write since CLEAR_ACT reads back its old word) |"]
    return "\n".join(lines) + "\n"


def to_c_header(cfg: EIEConfig) -> str:
    """The address map as a C header, ``eie_regs.h`` (``eie generate`` writes it): byte
    addresses from the core's base, as ``uint32_t`` offsets and macros of the indices."""
    am = address_map(cfg)
    h = lambda n: f"0x{n:x}u"  # noqa: E731
    guard = "EIE_REGS_H"
    lines = [f"/* eie_regs.h: the host registers of eie_top ({cfg.slug}), generated by",
             " * 'eie generate' from eie/addrmap.py; see address-map.md for each word.",
             " * Byte offsets from the core's base address; every register is a 32-bit word",
             " * written whole (wstrb is ignored). */",
             f"#ifndef {guard}", f"#define {guard}", "", "#include <stdint.h>", "",
             f"#define EIE_MAGIC {h(MAGIC)}  /* \"EIE1\", the word at EIE_ID_MAGIC */",
             f"#define EIE_MAP_VERSION {MAP_VERSION}u",
             f"#define EIE_ADDR_BITS {am.addr_bits}u  /* AXI4-Lite byte address width */", "",
             "/* Configuration this core was generated for (also readable at EIE_ID_*). */"]
    for name in ID_FIELDS:
        if name not in ("magic", "version", "pe_base", "pe_stride"):
            lines.append(f"#define EIE_{name.upper()} {getattr(cfg, name)}u")
    lines += [f"#define EIE_PTR_BITS {cfg.ptr_bits}u  /* PTR word: entry address | empty << "
              "EIE_PTR_BITS */", "", "/* Identification words (read-only). */"]
    for n, name in enumerate(ID_FIELDS):
        lines.append(f"#define EIE_ID_{name.upper()} {h(am.id_base + 4 * n)}")
    lines += ["", "/* Control. */",
              f"#define EIE_CTRL {h(am.ctrl(CTRL))}  /* W */",
              f"#define EIE_CTRL_START {h(CTRL_START)}",
              f"#define EIE_CTRL_ACK {h(CTRL_ACK)}",
              f"#define EIE_CTRL_CLEAR_ACT {h(CTRL_CLEAR_ACT)}",
              f"#define EIE_STATUS {h(am.ctrl(STATUS))}  /* R */",
              f"#define EIE_STATUS_BUSY {h(STATUS_BUSY)}",
              f"#define EIE_STATUS_DONE {h(STATUS_DONE)}",
              f"#define EIE_N_LAYERS {h(am.ctrl(N_LAYERS))}  /* RW, 1..EIE_MAX_LAYERS */",
              f"#define EIE_CYCLES {h(am.ctrl(CYCLES))}  /* R, cycles of the last run */",
              f"#define EIE_IRQ_EN {h(am.ctrl(IRQ_EN))}  /* RW, bit 0 */", "",
              "/* Layer descriptors (write-only), layer L < EIE_MAX_LAYERS. */",
              f"#define EIE_LAYER_BASE {h(am.layer_base)}",
              f"#define EIE_LAYER_STRIDE {h(am.layer_stride)}"]
    for n, name in enumerate(LAYER_FIELDS):
        lines.append(f"#define EIE_LAYER_{name.upper()}(L) (EIE_LAYER_BASE + (uint32_t)(L) * "
                     f"EIE_LAYER_STRIDE + {h(4 * n)})")
    lines += ["", "/* Codebooks (write-only): entry v < 16 of layer L, a signed weight; entry 0 "
              "is 0. */",
              f"#define EIE_CODEBOOK_BASE {h(am.codebook_base)}",
              "#define EIE_CODEBOOK(L, v) (EIE_CODEBOOK_BASE + ((uint32_t)(L) * 16u + "
              "(uint32_t)(v)) * 4u)", "",
              "/* Processing element k < EIE_N_PE: its windows. */",
              f"#define EIE_PE_BASE {h(am.pe_base)}",
              f"#define EIE_PE_STRIDE {h(am.pe_stride)}",
              "#define EIE_PE(k) (EIE_PE_BASE + (uint32_t)(k) * EIE_PE_STRIDE)",
              f"#define EIE_PTR(k, n) (EIE_PE(k) + {h(am.ptr_off)} + (uint32_t)(n) * 4u)",
              f"#define EIE_SPMAT_PARTS {am.spmat_sub}u  /* 32-bit parts per matrix word, low "
              "first; the last one stores it */",
              f"#define EIE_SPMAT(k, word, part) (EIE_PE(k) + {h(am.spmat_off)} + "
              f"((uint32_t)(word) * {am.spmat_sub_stride}u + (uint32_t)(part)) * 4u)",
              f"#define EIE_BIAS(k, n) (EIE_PE(k) + {h(am.bias_off)} + (uint32_t)(n) * 4u)",
              "/* Activation r of PE k holds a[r * EIE_N_PE + k]: the inputs "
              "before START, the outputs after DONE. */",
              f"#define EIE_ACT(k, r) (EIE_PE(k) + {h(am.act_off)} + (uint32_t)(r) * 4u)", "",
              f"#endif /* {guard} */", ""]
    return "\n".join(lines)
