"""Where a model image goes in a generated accelerator's memories, and whether it fits.

Pure numpy: the driver writes these contents through the host port, the testbenches load them
into a PE, and the capacity check runs before any hardware is touched.

Per PE ``k`` the layers are stacked: layer ``L``'s pointers start at ``ptr_base[L]`` (the
same in every PE: the columns of all earlier layers, plus one each), its entries follow the
earlier layers' entries of that PE (pointers hold absolute entry addresses, so the hardware
adds nothing), and its biases start at ``bias_base[L]`` (the earlier layers' local rows,
``ceil(rows / n_pe)`` each). Every PE writes back ``ceil(rows / n_pe)`` rows; a PE with one
row fewer writes a zero (zero bias, no accumulation) that the next layer never broadcasts.

A pointer-memory word is ``P[j] | empty_j << ptr_bits`` (:func:`pointer_words`): the flag
says column ``j`` has no entries in this PE, so the hardware need not compare two pointers
behind its block RAMs. A layer's last pointer ``P[cols]`` has the flag clear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.encode import pack_words
from eie_gen.errors import InputError
from eie_gen.image import ModelImage

__all__ = ["LayerPlace", "PEContents", "Placement", "place", "check_fits", "LayerNeeds",
           "capacity_problem", "host_writes", "pe_writes", "layer_writes",
           "to_c_writes", "pointer_words",
           "config_for_image"]


@dataclass(frozen=True)
class LayerPlace:
    """The descriptor of one layer as every PE sees it."""

    ptr_base: int
    bias_base: int
    n_rows: int            # local rows written back: ceil(rows / n_pe)
    n_cols: int            # the layer's input length
    shift: int
    relu: bool
    codebook: tuple


@dataclass
class PEContents:
    """Memory contents of one PE (address -> value lists, from address 0)."""

    ptr: list[int] = field(default_factory=list)
    spmat: list[int] = field(default_factory=list)
    bias: list[int] = field(default_factory=list)


@dataclass
class Placement:
    layers: list[LayerPlace]
    pes: list[PEContents]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def pointer_words(ptr, base: int, ptr_bits: int) -> list[int]:
    """Pointer-memory words of one PE's layer: ``ptr + base`` with the empty-column flags."""
    p = [int(x) + base for x in ptr]
    return [p[j] | (int(j + 1 < len(p) and p[j + 1] == p[j]) << ptr_bits) for j in range(len(p))]


@dataclass(frozen=True)
class LayerNeeds:
    """What one layer takes of an accelerator: its shape, shift, and the matrix entries
    (padding included) of each PE."""

    rows: int
    cols: int
    shift: int
    pe_entries: tuple[int, ...]


def capacity_problem(layers, config: EIEConfig) -> str | None:
    """Why ``layers`` (a sequence of :class:`LayerNeeds`, the network's order) cannot run on
    ``config``, in one line, or None when they fit."""
    n_pe = config.n_pe
    if len(layers) > config.max_layers:
        return (f"image has {len(layers)} layers, the accelerator holds "
                f"max_layers={config.max_layers}")
    ptrs = sum(layer.cols + 1 for layer in layers)
    if ptrs > config.ptr_depth:
        return (f"image needs {ptrs} pointers per PE (all layers' cols + 1), the "
                f"accelerator holds ptr_depth={config.ptr_depth}")
    biases = sum(_ceil_div(layer.rows, n_pe) for layer in layers)
    if biases > config.bias_depth:
        return (f"image needs {biases} biases per PE (all layers' local rows), the "
                f"accelerator holds bias_depth={config.bias_depth}")
    for L, layer in enumerate(layers):
        for what, n in (("input", layer.cols), ("output", layer.rows)):
            if _ceil_div(n, n_pe) > config.act_depth:
                return (f"layer {L}: {what} length {n} needs {_ceil_div(n, n_pe)} activations "
                        f"per PE, the accelerator holds act_depth={config.act_depth} "
                        f"(at most {config.max_vector})")
        if not 0 <= layer.shift <= 31:
            return f"layer {L}: shift {layer.shift} is outside 0..31"
    for k in range(n_pe):
        entries = sum(layer.pe_entries[k] for layer in layers)
        if entries > config.spmat_entries:
            return (f"PE {k} needs {entries} matrix entries (all layers), the accelerator "
                    f"holds {config.spmat_entries} (spmat_words={config.spmat_words} x "
                    f"{config.entries_per_word})")
    return None


def check_fits(image: ModelImage, config: EIEConfig) -> None:
    """Raise :class:`InputError` with the reason when ``image`` cannot run on ``config``."""
    problems = []
    for name in ("n_pe", "entries_per_word", "act_bits", "weight_bits", "acc_bits"):
        have, want = getattr(image, name), getattr(config, name)
        if have != want:
            problems.append(f"the image has {name}={have}, the accelerator {want}")
    if problems:
        raise InputError("image does not match the accelerator: " + "; ".join(problems))
    needs = [LayerNeeds(layer.rows, layer.cols, int(layer.shift),
                        tuple(int(e) for e in layer.ptr[:, -1])) for layer in image.layers]
    problem = capacity_problem(needs, config)
    if problem is not None:
        raise InputError(problem)


def place(image: ModelImage, config: EIEConfig) -> Placement:
    """Lay ``image`` out in ``config``'s memories (after :func:`check_fits`)."""
    check_fits(image, config)
    n_pe = config.n_pe
    layers, ptr_base, bias_base = [], 0, 0
    for layer in image.layers:
        n_rows = _ceil_div(layer.rows, n_pe)
        layers.append(LayerPlace(ptr_base, bias_base, n_rows, layer.cols, int(layer.shift),
                                 bool(layer.relu), tuple(int(c) for c in layer.codebook)))
        ptr_base += layer.cols + 1
        bias_base += n_rows
    pes = []
    for k in range(n_pe):
        pe, entries, base = PEContents(), [], 0
        for lp, layer in zip(layers, image.layers):
            pe.ptr.extend(pointer_words(layer.ptr[k], base, config.ptr_bits))
            ents = layer.pe_entries(k)
            entries.append(ents)
            base += len(ents)
            bias = np.zeros(lp.n_rows, dtype=np.int64)
            mine = np.asarray(layer.bias, dtype=np.int64)[k::n_pe]
            bias[:len(mine)] = mine
            pe.bias.extend(int(b) for b in bias)
        pe.spmat = pack_words(np.concatenate(entries) if entries else np.zeros(0, np.uint8),
                              config.entries_per_word)
        pes.append(pe)
    return Placement(layers, pes)


def _pow2(n: int) -> int:
    return 1 << max(0, (max(1, n) - 1).bit_length())


def config_for_image(image: ModelImage, **overrides) -> EIEConfig:
    """The smallest accelerator (capacities rounded up to powers of two) that runs ``image``,
    with the image's widths and PE count; ``overrides`` set other fields (e.g. fifo_depth)."""
    n_pe = image.n_pe
    entries = max((sum(int(layer.ptr[k, -1]) for layer in image.layers)
                   for k in range(n_pe)), default=1)
    fields = dict(
        n_pe=n_pe, entries_per_word=image.entries_per_word, act_bits=image.act_bits,
        weight_bits=image.weight_bits, acc_bits=image.acc_bits,
        spmat_words=_pow2(-(-entries // image.entries_per_word)),
        ptr_depth=max(2, _pow2(sum(layer.cols + 1 for layer in image.layers))),
        act_depth=_pow2(max(_ceil_div(n, n_pe) for layer in image.layers
                            for n in (layer.rows, layer.cols))),
        bias_depth=_pow2(sum(_ceil_div(layer.rows, n_pe) for layer in image.layers)),
        max_layers=max(1, image.n_layers))
    fields.update(overrides)
    return EIEConfig(**fields)


def host_writes(image: ModelImage, config: EIEConfig) -> list[tuple[int, int]]:
    """The bus writes that load ``image`` into an ``eie_top`` of ``config``, in the order
    ``eie_gen.sim.driver.EIEDriver.load`` issues them: ``(byte address, 32-bit word)``. For hosts
    that are not this Python driver (``eie export`` writes them as a C array); the inputs and
    START follow (docs/integration.md)."""
    from eie_gen.addrmap import address_map  # noqa: PLC0415

    check_fits(image, config)
    amap = address_map(config)
    placement = place(image, config)
    out = [w for k, pe in enumerate(placement.pes) for w in pe_writes(amap, k, pe)]
    out += layer_writes(amap, placement, image.n_layers)
    return [(a, v & 0xFFFFFFFF) for a, v in out]


def pe_writes(amap, k: int, pe: PEContents) -> list[tuple[int, int]]:
    """PE ``k``'s pointer, matrix and bias words as ``(address, value)`` bus writes (values
    signed where the memory is; a bus keeps their low 32 bits)."""
    out = [(amap.ptr(k, n), int(v)) for n, v in enumerate(pe.ptr)]
    out += [(amap.spmat(k, n, sub), (int(word) >> (32 * sub)) & 0xFFFFFFFF)
            for n, word in enumerate(pe.spmat) for sub in range(amap.spmat_sub)]
    out += [(amap.bias(k, n), int(v)) for n, v in enumerate(pe.bias)]
    return out


def layer_writes(amap, placement: Placement, n_layers: int) -> list[tuple[int, int]]:
    """Every layer's descriptor and codebook, then N_LAYERS, as bus writes."""
    from eie_gen.addrmap import LAYER_FIELDS, N_LAYERS  # noqa: PLC0415
    out = []
    for L, lp in enumerate(placement.layers):
        out += [(amap.layer(L, name), int(getattr(lp, name))) for name in LAYER_FIELDS]
        out += [(amap.codebook(L, v), int(w)) for v, w in enumerate(lp.codebook)]
    out.append((amap.ctrl(N_LAYERS), n_layers))
    return out


def to_c_writes(writes: list[tuple[int, int]], name: str, what: str,
                outputs: int, output_order=None) -> str:
    """``writes`` as a C header: ``static const uint32_t <name>[N][2]`` of (offset, word),
    and ``<name>_output[p]``: the network output that stored output row ``p`` holds
    (``output_order``; the identity when the model's rows are not permuted)."""
    guard = name.upper() + "_H"
    rows = "\n".join(f"    {{0x{a:08x}u, 0x{v:08x}u}}," for a, v in writes)
    order = list(range(outputs)) if output_order is None else [int(i) for i in output_order]
    order_rows = ", ".join(str(i) for i in order)
    return (f"/* {name}.h: {what}, generated by 'eie export'. Write each word at the core's "
            f"base address\n * plus the offset, in order (eie_regs.h names the offsets). */\n"
            f"#ifndef {guard}\n#define {guard}\n\n#include <stdint.h>\n\n"
            f"#define {name.upper()}_COUNT {len(writes)}u\n"
            f"static const uint32_t {name}[{max(1, len(writes))}][2] = {{\n{rows}\n}};\n\n"
            f"/* The outputs after DONE: stored row p (at EIE_ACT(p % EIE_N_PE, p / EIE_N_PE))"
            f" is\n * network output {name}_output[p]. */\n"
            f"#define {name.upper()}_OUTPUTS {outputs}u\n"
            f"static const uint16_t {name}_output[{max(1, outputs)}] = {{{order_rows}}};\n\n"
            f"#endif /* {guard} */\n")
