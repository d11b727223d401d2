"""Size and load accounting of a model image, in the manner of Deep Compression's tables."""

from __future__ import annotations

import heapq
import json
import math
from collections import Counter

import numpy as np

from eie_gen.encode import column_lengths, entry_fields
from eie_gen.image import ModelImage
from eie_gen.golden.model import ideal_cycles

__all__ = ["huffman_lengths", "huffman_bits", "layer_report", "image_report", "to_markdown"]


def huffman_lengths(counts: dict) -> dict:
    """Code length per symbol of an optimal prefix code for ``counts`` (symbol -> count)."""
    symbols = [s for s, c in counts.items() if c > 0]
    if len(symbols) <= 1:
        return {s: 1 for s in symbols}   # one symbol still needs a bit per occurrence
    heap = [(counts[s], i, [s]) for i, s in enumerate(symbols)]
    heapq.heapify(heap)
    length = Counter()
    tie = len(symbols)
    while len(heap) > 1:
        c1, _, s1 = heapq.heappop(heap)
        c2, _, s2 = heapq.heappop(heap)
        for s in s1 + s2:
            length[s] += 1
        heapq.heappush(heap, (c1 + c2, tie, s1 + s2))
        tie += 1
    return dict(length)


def huffman_bits(symbols) -> int:
    """Total bits of ``symbols`` under their own Huffman code (the table is not counted)."""
    counts = Counter(int(s) for s in np.asarray(symbols).ravel())
    lengths = huffman_lengths(counts)
    return int(sum(counts[s] * lengths[s] for s in counts))


def layer_report(image: ModelImage, L: int) -> dict:
    layer = image.layers[L]
    rows, cols = layer.shape
    v, z = entry_fields(layer.entries)
    n_entries = int(layer.entries.size)
    n_weights = int(np.count_nonzero(v))
    n_pad = n_entries - n_weights
    per_pe = np.diff(layer.entry_offsets)
    # Minimum pointer width for this image; the generated hardware uses its config's ptr_bits.
    ptr_bits = max(1, math.ceil(math.log2(int(per_pe.max()) + 1))) if per_pe.size else 1
    ptr_total = image.n_pe * (cols + 1) * ptr_bits
    codebook_bits = 16 * image.weight_bits
    raw_bits = rows * cols * 32
    pruned_bits = n_entries * (32 + 4) + ptr_total            # float values + relative index
    quant_bits = n_entries * 8 + ptr_total + codebook_bits    # 4-bit v + 4-bit z per entry
    # Stored off chip, the pointers are each PE's column lengths (their differences), Huffman
    # coded like v and z; loading the core takes their prefix sums.
    ptr_huff = huffman_bits(column_lengths(layer.ptr))
    huff_bits = huffman_bits(v) + huffman_bits(z) + ptr_huff + codebook_bits
    dense_cycles = ideal_cycles(cols, column_lengths(layer.ptr).sum(axis=1))
    return {
        "layer": L, "rows": rows, "cols": cols,
        "weights": n_weights, "density": n_weights / (rows * cols),
        "entries": n_entries, "padding": n_pad,
        "padding_share": n_pad / n_entries if n_entries else 0.0,
        "ptr_bits": ptr_bits,
        "index_overhead_bits_per_weight": (n_entries * 4 + ptr_total) / max(n_weights, 1),
        "bits_per_weight": quant_bits / max(n_weights, 1),
        "bits_per_weight_huffman": huff_bits / max(n_weights, 1),
        "pointer_bits": {"stored": ptr_total, "huffman": ptr_huff},
        "bytes": {"raw": raw_bits / 8, "pruned": pruned_bits / 8, "quantized": quant_bits / 8,
                  "huffman": huff_bits / 8},
        "compression": raw_bits / huff_bits if huff_bits else float("inf"),
        "entries_per_pe": per_pe.tolist(),
        "load_balance": float(per_pe.mean() / per_pe.max()) if per_pe.max() else 1.0,
        "cycles_dense_input": dense_cycles,
        "shift": int(layer.shift), "relu": bool(layer.relu),
    }


def _ratio_fixed_pointers(layers: list) -> float:
    raw = sum(r["bytes"]["raw"] * 8 for r in layers)
    bits = sum(r["bytes"]["huffman"] * 8 - r["pointer_bits"]["huffman"]
               + r["pointer_bits"]["stored"] for r in layers)
    return raw / bits if bits else 0.0


def image_report(image: ModelImage) -> dict:
    layers = [layer_report(image, L) for L in range(image.n_layers)]
    total = {k: sum(r["bytes"][k] for r in layers) for k in ("raw", "pruned", "quantized",
                                                           "huffman")}
    weights = sum(r["weights"] for r in layers)
    return {
        "n_pe": image.n_pe, "entries_per_word": image.entries_per_word,
        "act_bits": image.act_bits, "weight_bits": image.weight_bits,
        "acc_bits": image.acc_bits, "layers": layers,
        "total": {"weights": weights, "bytes": total,
                  "compression": total["raw"] / total["huffman"] if total["huffman"] else 0.0,
                  # the same with the pointers at their fixed on-chip width, not coded
                  "compression_fixed_pointers": _ratio_fixed_pointers(layers),
                  "cycles_dense_input": sum(r["cycles_dense_input"] for r in layers)},
        "notes": ["cycles are the ideal model's (one broadcast per cycle, one entry per PE per "
                  "cycle, no stalls) for an input with every activation non-zero",
                  "raw = dense float32; pruned = float32 + 4-bit relative index per entry + "
                  "pointers; quantized = 8-bit entries + pointers + codebook; huffman = "
                  "Huffman-coded v and z streams + Huffman-coded column lengths (the "
                  "pointer differences, from which the loader rebuilds the pointers) + "
                  "codebook"],
    }


def to_markdown(report: dict) -> str:
    head = ("| layer | shape | weights kept | padding | index + pointer bits/weight | "
            "bits/weight | Huffman bits/weight | "
            "raw KiB | pruned KiB | quantized KiB | Huffman KiB | ratio | load balance | "
            "cycles (dense input) |\n|" + "---|" * 14 + "\n")
    rows = []
    for r in report["layers"]:
        b = r["bytes"]
        rows.append(
            f"| {r['layer']} | {r['rows']}×{r['cols']} | {100 * r['density']:.1f}% | "
            f"{100 * r['padding_share']:.1f}% | {r['index_overhead_bits_per_weight']:.2f} | "
            f"{r['bits_per_weight']:.2f} | "
            f"{r['bits_per_weight_huffman']:.2f} | {b['raw'] / 1024:.1f} | "
            f"{b['pruned'] / 1024:.1f} | {b['quantized'] / 1024:.1f} | "
            f"{b['huffman'] / 1024:.1f} | {r['compression']:.1f}× | {r['load_balance']:.3f} | "
            f"{r['cycles_dense_input']} |")
    t = report["total"]
    rows.append(f"| total | | {t['weights']} weights | | | | | {t['bytes']['raw'] / 1024:.1f} | "
                f"{t['bytes']['pruned'] / 1024:.1f} | {t['bytes']['quantized'] / 1024:.1f} | "
                f"{t['bytes']['huffman'] / 1024:.1f} | {t['compression']:.1f}× | | "
                f"{t['cycles_dense_input']} |")
    notes = "".join(f"\n- {n}" for n in report["notes"])
    return (f"# Model report\n\n{report['n_pe']} PEs, {report['entries_per_word']} entries per "
            f"word, {report['act_bits']}-bit activations, {report['weight_bits']}-bit weights, "
            f"{report['acc_bits']}-bit accumulators.\n\n" + head + "\n".join(rows) + "\n"
            + notes + "\n")


def to_json(report: dict) -> str:
    return json.dumps(report, indent=2)
