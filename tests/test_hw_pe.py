"""The composed PE in the Amaranth simulator: the regression set of sim/cases/pe.py, bit-exact
against golden and cycle-exact against eie_gen.golden.pe_model."""

import os

import pytest

from eie_gen.config import EIEConfig
from eie_gen.hw.pe import ProcessingElement
from eie_gen.sim.io import AmaranthIO
from eie_gen.sim.cases.pe import check_case, pe_cases, run_case
from eie_gen.sim.amaranth import simulate

CONFIGS = {
    "default": EIEConfig(),
    "one_pe": EIEConfig(n_pe=1),
    "narrow": EIEConfig(n_pe=3, act_bits=8, weight_bits=8, acc_bits=20, entries_per_word=2,
                        fifo_depth=2, act_depth=64, spmat_words=2048),
    "fifo1": EIEConfig(n_pe=2, fifo_depth=1, entries_per_word=1, spmat_words=4096),
}


def run_cases(cfg, cases):
    dut = ProcessingElement(cfg)
    results = []

    async def bench(ctx):
        for case in cases:
            results.append(await run_case(AmaranthIO(ctx, dut), cfg, case))

    simulate(dut, bench)
    return results


@pytest.mark.parametrize("name", CONFIGS)
def test_pe_regression_set(name):
    cfg = CONFIGS[name]
    cases = pe_cases(cfg, seed=len(name), n_random=int(os.environ.get("EIE_N_CASES", "12")))
    results = run_cases(cfg, cases)
    problems = [p for c, r in zip(cases, results) if (p := check_case(cfg, c, r))]
    assert not problems, "\n".join(problems)
    # The set must exercise back-pressure: some broadcasts meet a full queue.
    assert sum(sum(r.refused) for r in results) > 0
