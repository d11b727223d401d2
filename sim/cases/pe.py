"""The PE regression set: random and hand-made layers, run on the RTL and checked against the
golden model (outputs) and the PE cycle model (cycles).

One list of cases per configuration (a generated PE has one configuration); the Amaranth
testbench and the cocotb module both run :func:`run_case` and :func:`check_case`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_gen.config import EIEConfig
from eie_gen.encode import column_lengths
from eie_gen.golden.examples import paper_16x8
from eie_gen.image import ModelImage, image_from_indices
from eie_gen.golden.mismatch import describe_mismatch
from eie_gen.golden.model import layer_inputs
from eie_gen.golden.pe_model import pe_cycles, writeback_cycles
from eie_gen.placement import place

from eie_gen.sim.bfm.pe import PEDriver, broadcasts_for
from eie_gen.sim.cases.random import random_codebook, random_indices

__all__ = ["PECase", "PEResult", "pe_cases", "run_case", "check_case"]


@dataclass
class PECase:
    name: str
    image: ModelImage
    k: int                      # which PE of image.n_pe this one plays
    x: np.ndarray               # the network input (one vector)
    gaps: list | None = None    # idle cycles before each broadcast (single-layer cases)
    network: bool = False       # run every layer, the PE's own detector feeding it (n_pe = 1)


@dataclass
class PEResult:
    outputs: list               # per layer, the PE's local output rows (signed)
    cycles: list                # per layer, compute cycles (see PEDriver.broadcast)
    wb_cycles: list             # per layer, write-back cycles
    refused: list               # per layer, cycles the PE refused an offered broadcast


def _input(rng, cfg, n, zero_frac, big=False):
    if big:
        x = np.where(rng.random(n) < 0.5, cfg.act_min, cfg.act_max)
    else:
        x = rng.integers(cfg.act_min, cfg.act_max + 1, n)
    x[rng.random(n) < zero_frac] = 0
    return x


def _gaps(rng, n, p_idle):
    return [int(rng.geometric(1 - p_idle)) - 1 if p_idle else 0 for _ in range(n)]


def pe_cases(cfg: EIEConfig, seed: int, n_random: int = 12) -> list[PECase]:
    """The regression set for a PE generated with ``cfg``."""
    rng = np.random.default_rng(seed)
    n_pe, depth = cfg.n_pe, cfg.act_depth
    widths = dict(act_bits=cfg.act_bits, weight_bits=cfg.weight_bits, acc_bits=cfg.acc_bits,
                  entries_per_word=cfg.entries_per_word)
    max_rows = n_pe * depth
    # A column holds at most act_depth entries in a PE (padding included), so this many
    # columns always fit the matrix memory.
    max_cols = min(n_pe * depth, cfg.ptr_depth - 1, cfg.spmat_entries // depth)
    cases = []

    def layer(name, idx, *, k=None, x=None, shift=None, relu=False, bias=True, gaps=None,
              big=False, zero_frac=0.3):
        rows, cols = idx.shape
        cb = random_codebook(rng, cfg.weight_bits, big)
        b = (rng.integers(cfg.act_min, cfg.act_max + 1, rows) if bias
             else np.zeros(rows, np.int64))
        shift = int(rng.integers(0, 20)) if shift is None else shift
        image = image_from_indices([idx], [cb], n_pe=n_pe, shifts=[shift], relus=[relu],
                                   biases=[b], **widths)
        x = _input(rng, cfg, cols, zero_frac, big) if x is None else x
        k = int(rng.integers(0, n_pe)) if k is None else k
        cases.append(PECase(name, image, k, x, gaps))

    # EIE Fig. 2/3: W 16 x 8, a = (0, 0, a2, 0, a4, a5, 0, a7), on 4 PEs (or fewer).
    if max_rows >= 16 and max_cols >= 8:
        x = np.zeros(8, np.int64)
        x[[2, 4, 5, 7]] = rng.integers(1, cfg.act_max, 4)
        for k in range(n_pe):
            layer(f"fig2_pe{k}", paper_16x8(), k=k, x=x, shift=2)

    # Densities 1 % .. 100 %, random shapes, some with idle cycles between broadcasts.
    for n, density in enumerate(np.resize([0.01, 0.05, 0.2, 0.5, 1.0], n_random)):
        rows = int(rng.integers(1, max_rows + 1))
        cols = int(rng.integers(1, min(max_cols, 96) + 1))
        gaps = _gaps(rng, cols, [0.0, 0.3, 0.7][n % 3]) if n % 3 else None
        layer(f"density{density:g}_{n}", random_indices(rng, rows, cols, density), gaps=gaps,
              relu=bool(n % 2), zero_frac=float(rng.choice([0.0, 0.3, 0.8])))

    # Zero runs of 15, 16, 31, 32, 33 and 63 local rows in the PE's slice, and empty columns.
    if depth >= 64:
        k = int(rng.integers(0, n_pe))
        idx = np.zeros((n_pe * 64, 10), np.int64)
        for c, run in enumerate([15, 16, 31, 32, 33, 47, 48, 63]):
            idx[run * n_pe + k, c] = 1 + c                       # first entry after `run` zeros
            if run + 1 + 15 < 64:
                idx[(run + 1 + 15) * n_pe + k, c] = 2             # then a run of 15 more
        layer("zero_runs", idx, k=k, zero_frac=0.0)
    idx = random_indices(rng, min(max_rows, 40), min(max_cols, 20), 0.3)
    idx[:, ::3] = 0                                               # every third column empty
    layer("empty_columns", idx, zero_frac=0.0)

    # No non-zero input at all: nothing broadcast, the outputs are the biases' write-back.
    idx = random_indices(rng, min(max_rows, 24), min(max_cols, 12), 0.5)
    layer("all_zero_input", idx, x=np.zeros(idx.shape[1], np.int64))

    # Saturating sums (extreme weights and inputs, no shift) and sums that wrap acc_bits.
    idx = random_indices(rng, min(max_rows, 32), min(max_cols, 48), 0.7)
    layer("saturate", idx, shift=0, big=True, zero_frac=0.0)
    layer("saturate_relu", idx, shift=0, big=True, relu=True, zero_frac=0.0)
    layer("wrap", random_indices(rng, min(max_rows, 16), min(max_cols, 64), 1.0), shift=int(
        cfg.acc_bits - cfg.act_bits), big=True, zero_frac=0.0)

    # A whole network on one PE: the detector feeds the PE its own outputs.
    if n_pe == 1 and depth >= 8:
        sizes = [int(rng.integers(4, min(depth, 48) + 1)) for _ in range(4)]
        idxs = [random_indices(rng, sizes[L + 1], sizes[L], 0.4) for L in range(3)]
        cbs = [random_codebook(rng, cfg.weight_bits) for _ in range(3)]
        biases = [rng.integers(cfg.act_min // 4, cfg.act_max // 4, sizes[L + 1])
                  for L in range(3)]
        image = image_from_indices(idxs, cbs, n_pe=1, shifts=[cfg.weight_bits - 2] * 3,
                                   relus=[True, True, False], biases=biases, **widths)
        cases.append(PECase("network3", image, 0, _input(rng, cfg, sizes[0], 0.3),
                            network=True))
    return cases


async def run_case(io, cfg: EIEConfig, case: PECase) -> PEResult:
    """Load ``case`` into the PE behind ``io`` and run it; the PE must be idle (after reset)."""
    drv = PEDriver(io, cfg)
    placement = place(case.image, cfg)
    await drv.load(placement.pes[case.k])
    result = PEResult([], [], [], [])
    if case.network:
        await drv.write_src(case.x)              # the input, in the activations
    for L, lp in enumerate(placement.layers):
        await drv.layer(lp)
        if case.network:
            items = await drv.scan()             # (r, a) with r == j on one PE
            gaps = None
        else:
            items, gaps = broadcasts_for(case.x), case.gaps
        result.cycles.append(await drv.broadcast(items, gaps))
        result.refused.append(drv.refused)
        result.wb_cycles.append(await drv.writeback(lp.n_rows))
        result.outputs.append(await drv.read_src(lp.n_rows))
        if not case.network:
            break
    return result


def check_case(cfg: EIEConfig, case: PECase, result: PEResult) -> str | None:
    """Compare a run with golden (bit for bit) and the cycle model; describe the first
    difference, naming the case, layer, PE, row and input, or return None."""
    acts = layer_inputs(case.image, case.x)
    n_pe, k = case.image.n_pe, case.k
    for L, got in enumerate(result.outputs):
        want = acts[L + 1][k::n_pe]
        for r, (g, w) in enumerate(zip(got, want)):
            if g != w:
                return describe_mismatch(case.image, L, 0, g, w, row=r * n_pe + k,
                                         case=case.name)
        if any(got[len(want):]):
            return f"{case.name}: layer {L}, PE {k}: padding rows not zero: {got[len(want):]}"
        layer = case.image.layers[L]
        nz = np.nonzero(acts[L])[0]
        lengths = column_lengths(layer.ptr[k])[nz]
        gaps = None if case.network else case.gaps
        if gaps is not None:
            gaps = gaps[:len(nz)]
        timing = pe_cycles(lengths, cfg.queue_slots, gaps)
        if result.cycles[L] != timing.cycles:
            return (f"{case.name}: layer {L}, PE {k}: {result.cycles[L]} compute cycles on the "
                    f"RTL, the cycle model predicts {timing.cycles}")
        if result.refused[L] != timing.refused:
            return (f"{case.name}: layer {L}, PE {k}: the RTL refused broadcasts for "
                    f"{result.refused[L]} cycles, the cycle model predicts {timing.refused}")
        n_rows = -(-layer.rows // n_pe)
        if result.wb_cycles[L] != writeback_cycles(n_rows):
            return (f"{case.name}: layer {L}, PE {k}: write-back took {result.wb_cycles[L]} "
                    f"cycles, the model says {writeback_cycles(n_rows)}")
    return None

