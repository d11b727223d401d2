"""The accelerator regression set: random multi-layer models run through eie_top's host port,
checked bit for bit against golden and cycle for cycle against eie_gen.golden.array_model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eie_gen.golden.array_model import run_timing
from eie_gen.golden.mismatch import describe_mismatch
from eie_gen.compress.balance import balanced_row_order
from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.image import ModelImage, image_from_indices
from eie_gen.golden.model import run_golden
from eie_gen.placement import check_fits

from eie_gen.sim.cases.random import random_indices
from eie_gen.sim.driver import EIEDriver

__all__ = ["TopCase", "top_cases", "run_top_case", "check_top_case"]


@dataclass
class TopCase:
    name: str
    image: ModelImage
    xs: np.ndarray              # (batch, n) raw inputs


def _random_image(rng, cfg: EIEConfig, n_layers: int, max_size: int) -> ModelImage:
    widths = dict(act_bits=cfg.act_bits, weight_bits=cfg.weight_bits, acc_bits=cfg.acc_bits,
                  entries_per_word=cfg.entries_per_word)
    top = min(max_size, cfg.max_vector)
    sizes = [int(rng.integers(1, top + 1)) for _ in range(n_layers + 1)]
    idxs, cbs, biases = [], [], []
    for L in range(n_layers):
        rows, cols = sizes[L + 1], sizes[L]
        density = float(rng.choice([0.02, 0.1, 0.3, 0.7, 1.0]))
        idx = random_indices(rng, rows, cols, density)
        cb = rng.integers(cfg.weight_min, cfg.weight_max + 1, 16)
        # Adversarial layers, one in four: the most padding (weights only in each PE's last
        # local row), no weights at all, one full column, or the codebook's extremes.
        adversary = int(rng.integers(0, 8))
        if adversary == 1:
            idx[:] = 0
            last = rows - 1 - np.arange(min(cfg.n_pe, rows))
            idx[last, :] = rng.integers(1, 16, (len(last), cols))
        elif adversary == 2:
            idx[:] = 0
        elif adversary == 3:
            idx[:] = 0
            idx[:, int(rng.integers(0, cols))] = rng.integers(1, 16, rows)
        elif adversary == 4:
            cb = rng.choice([cfg.weight_min, cfg.weight_max], 16)
        cb[0] = 0
        idxs.append(idx)
        cbs.append(cb)
        biases.append(rng.integers(cfg.act_min // 2, cfg.act_max // 2 + 1, sizes[L + 1]))
    # A shift that keeps typical sums inside the activation range, so later layers see
    # non-trivial inputs (saturation still happens, and wrapping when acc_bits is small).
    shifts = [int(min(31, cfg.weight_bits - 1 + max(0, int(np.log2(max(1, s)) // 2))))
              for s in sizes[:-1]]
    relus = [bool(rng.integers(0, 2)) if L < n_layers - 1 else False for L in range(n_layers)]
    # Row orders (compress/balance.py): none, load-balanced or random, layer by layer, so the
    # driver's and golden's un-permuting of the outputs is checked too.
    kind = rng.integers(0, 3, n_layers)
    orders = [None if k == 0 else balanced_row_order(idx, cfg.n_pe) if k == 1
              else rng.permutation(idx.shape[0]) for k, idx in zip(kind, idxs)]
    return image_from_indices(idxs, cbs, n_pe=cfg.n_pe, shifts=shifts, relus=relus,
                              biases=biases, row_orders=orders, **widths)


def top_cases(cfg: EIEConfig, seed: int, n_random: int = 4, max_size: int = 64) -> list:
    """Random models of 1..4 layers (shapes up to ``max_size``) that fit ``cfg``, two inputs
    each (one of them all zeros in the first case). One layer in four is adversarial (the most
    padding, no weights, one full column, extreme codebook) and one input in eight takes only
    the activation range's extremes. Deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    cases = []
    attempts = 0
    while len(cases) < n_random:
        attempts += 1
        if attempts > 50 * n_random:
            raise InputError(f"cannot draw models that fit {cfg.slug}")
        n_layers = int(rng.integers(1, min(4, cfg.max_layers) + 1))
        image = _random_image(rng, cfg, n_layers, max_size)
        try:
            check_fits(image, cfg)
        except InputError:
            continue
        n = image.input_size
        xs = rng.integers(cfg.act_min, cfg.act_max + 1, (2, n))
        xs[rng.random(xs.shape) < float(rng.choice([0.0, 0.3, 0.7]))] = 0
        if rng.integers(0, 4) == 0:                   # adversarial: the range's extremes
            xs[1] = rng.choice([cfg.act_min, cfg.act_max], n)
        if not cases:
            xs[1] = 0
        shape = "x".join(str(s) for s in [image.input_size] + [layer.rows
                                                              for layer in image.layers])
        cases.append(TopCase(f"model{len(cases)}_{shape}", image, xs))
    return cases


async def run_top_case(bus, case: TopCase):
    """Load and run ``case`` through the host port; ``(y, cycles)``."""
    drv = EIEDriver(bus)
    await drv.discover()
    await drv.load(case.image)
    return await drv.run(case.xs)


def check_top_case(cfg: EIEConfig, case: TopCase, y, cycles) -> str | None:
    """First difference from golden (naming layer, PE, row, input) or the cycle model."""
    want, _ = run_golden(case.image, case.xs, warn=False)
    last = case.image.n_layers - 1
    for n in range(len(case.xs)):
        bad = np.nonzero(np.asarray(y[n]) != want[n])[0]
        if bad.size:
            i = int(bad[0])                            # a network output
            return describe_mismatch(case.image, last, n, y[n][i], want[n][i], output=i,
                                     case=case.name)
        model = run_timing(case.image, cfg, case.xs[n]).cycles
        if cycles[n] != model:
            return (f"{case.name}: input {n}: {cycles[n]} cycles on the RTL, the array model "
                    f"predicts {model}")
    return None
