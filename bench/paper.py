"""The EIE paper's nine benchmark layers (Table III) on the array cycle model.

Each layer is synthetic: every weight is non-zero with the layer's weight density and every
input with its activation density, independently (the paper gives densities, not weights).
Only positions matter for cycles, so layers are kept as the positions of their non-zero
weights, never as dense matrices (VGG-6 has 10^8 weights).

Per layer and configuration (``n_pe``, FIFO depth, row order):

* ``theoretical`` = ceil(real multiply-accumulates / n_pe): every PE busy on a real weight in
  every cycle;
* ``actual`` = the broadcast phase of :func:`eie_gen.golden.array_model.layer_timing` (what
  the core spends from the first scan until every PE is idle); ``layer_cycles`` adds the codebook
  copy, the write-back and the control steps, as the core's CYCLES register counts them;
* ``efficiency`` = entries / (n_pe x actual): the share of PE cycles spent on an entry, i.e.
  1 - bubbles / total (the paper's load-balance efficiency, Fig. 8);
* ``real_share`` = real weights / entries (padding is the rest; the paper's Fig. 12).

So ``actual / theoretical = 1 / (efficiency x real_share)``, up to rounding.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from eie_gen.golden.array_model import broadcast_order, layer_timing
from eie_gen.compress.balance import order_for_work
from eie_gen.config import EIEConfig
from eie_gen.encode import coo_column_lengths

__all__ = ["PaperLayer", "PAPER_LAYERS", "SyntheticLayer", "synthetic_layer", "measure_layer",
           "ROW_ORDERS", "layer_by_name"]


@dataclass(frozen=True)
class PaperLayer:
    name: str
    model: str
    inputs: int               # columns
    outputs: int              # rows
    weight_density: float
    act_density: float


# EIE Table III ("size" printed as inputs x outputs); reference/eie-paper-facts.md §2.1.
PAPER_LAYERS = (
    PaperLayer("Alex-6", "AlexNet", 9216, 4096, 0.09, 0.351),
    PaperLayer("Alex-7", "AlexNet", 4096, 4096, 0.09, 0.353),
    PaperLayer("Alex-8", "AlexNet", 4096, 1000, 0.25, 0.375),
    PaperLayer("VGG-6", "VGG-16", 25088, 4096, 0.04, 0.183),
    PaperLayer("VGG-7", "VGG-16", 4096, 4096, 0.04, 0.375),
    PaperLayer("VGG-8", "VGG-16", 4096, 1000, 0.23, 0.411),
    PaperLayer("NT-We", "NeuralTalk", 4096, 600, 0.10, 1.0),
    PaperLayer("NT-Wd", "NeuralTalk", 600, 8791, 0.11, 1.0),
    PaperLayer("NT-LSTM", "NeuralTalk", 1201, 2400, 0.10, 1.0),
)

# Row assignments compared: EIE's i mod N, the compressor's load-aware order (weights only,
# as `eie compress --balance-rows` without calibration data), and an input-aware order that
# knows which inputs are non-zero (an upper bound: a compiler cannot know the input).
ROW_ORDERS = ("interleaved", "balanced", "input_aware")


def layer_by_name(name: str) -> PaperLayer:
    for layer in PAPER_LAYERS:
        if layer.name.lower() == name.lower():
            return layer
    raise KeyError(f"no benchmark layer {name!r} (known: "
                   f"{', '.join(p.name for p in PAPER_LAYERS)})")


@dataclass
class SyntheticLayer:
    spec: PaperLayer
    rows: np.ndarray          # positions of the non-zero weights
    cols: np.ndarray
    x_nonzero: np.ndarray     # bool, inputs

    @property
    def shape(self) -> tuple[int, int]:
        return self.spec.outputs, self.spec.inputs

    @property
    def nnz(self) -> int:
        return int(self.rows.size)


def synthetic_layer(spec: PaperLayer, seed: int = 0, scale: float = 1.0,
                    row_skew: float = 0.0) -> SyntheticLayer:
    """Random positions at the layer's densities (``scale`` < 1 shrinks both dimensions, for
    quick runs and tests). With ``row_skew`` = s > 0 each row's density is the layer's times
    a log-normal factor exp(s z - s^2 / 2) (mean 1), as magnitude pruning leaves rows of
    unequal fan-in; 0 gives every row the same density. Deterministic in ``seed``, the
    layer's name and ``row_skew``."""
    if scale != 1.0:
        spec = PaperLayer(spec.name, spec.model, max(1, round(spec.inputs * scale)),
                          max(1, round(spec.outputs * scale)), spec.weight_density,
                          spec.act_density)
    rng = np.random.default_rng([seed, zlib.crc32(spec.name.encode()), round(row_skew * 1000)])
    density = np.full((spec.outputs, 1), spec.weight_density, dtype=np.float32)
    if row_skew > 0:
        z = rng.standard_normal((spec.outputs, 1))
        density = np.minimum(1.0, density * np.exp(row_skew * z - row_skew ** 2 / 2)
                             ).astype(np.float32)
    rows, cols = [], []
    chunk = max(1, (1 << 22) // spec.outputs)          # ~4M draws at a time
    for start in range(0, spec.inputs, chunk):
        n = min(chunk, spec.inputs - start)
        r, c = np.nonzero(rng.random((spec.outputs, n), dtype=np.float32) < density)
        rows.append(r.astype(np.int64))
        cols.append(c.astype(np.int64) + start)
    x_nonzero = rng.random(spec.inputs) < spec.act_density
    return SyntheticLayer(spec, np.concatenate(rows), np.concatenate(cols), x_nonzero)


def _row_order(layer: SyntheticLayer, n_pe: int, how: str) -> np.ndarray | None:
    if how == "interleaved":
        return None
    if how == "balanced":
        work = np.bincount(layer.rows, minlength=layer.spec.outputs)
    elif how == "input_aware":
        live = layer.x_nonzero[layer.cols]
        work = np.bincount(layer.rows[live], minlength=layer.spec.outputs)
    else:
        raise ValueError(f"unknown row order {how!r} (one of {', '.join(ROW_ORDERS)})")
    return order_for_work(work, n_pe)


def measure_layer(layer: SyntheticLayer, n_pe: int = 64, fifo_depth: int = 8,
                  row_order: str = "interleaved", config: EIEConfig | None = None) -> dict:
    """Cycle-model figures of ``layer`` on ``n_pe`` PEs (see the module's docstring); on
    ``config`` where given (its ``n_pe`` and ``fifo_depth`` must be these), else on the
    defaults."""
    order = _row_order(layer, n_pe, row_order)
    rows = layer.rows
    if order is not None:
        stored = np.empty_like(order)
        stored[order] = np.arange(order.size)      # network row -> stored row
        rows = stored[rows]
    lengths = coo_column_lengths(rows, layer.cols, layer.shape, n_pe)
    x = layer.x_nonzero.astype(np.int64)
    active = broadcast_order(x, n_pe)
    per_broadcast = lengths[:, active]
    cfg = config or EIEConfig(n_pe=n_pe, fifo_depth=fifo_depth)
    assert (cfg.n_pe, cfg.fifo_depth) == (n_pe, fifo_depth)
    timing = layer_timing(per_broadcast, layer.spec.outputs, cfg)
    real = int(layer.x_nonzero[layer.cols].sum())
    entries = int(per_broadcast.sum())
    actual = timing.broadcast_cycles
    pe_entries = timing.pe_entries
    return {
        "layer": layer.spec.name, "inputs": layer.spec.inputs, "outputs": layer.spec.outputs,
        "n_pe": n_pe, "fifo_depth": fifo_depth,
        "row_order": row_order, "broadcasts": len(active), "real_macs": real,
        "entries": entries, "padding": entries - real,
        "real_share": real / entries if entries else 1.0,
        "theoretical": math.ceil(real / n_pe),
        "busiest_pe_entries": int(pe_entries.max()) if pe_entries.size else 0,
        "actual": actual, "layer_cycles": timing.cycles,
        "actual_over_theoretical": actual / math.ceil(real / n_pe) if real else None,
        "efficiency": entries / (n_pe * actual) if actual else 1.0,
        "refused": timing.refused,
    }
