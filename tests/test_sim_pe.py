"""The generated PE Verilog under cocotb on Icarus and Verilator: the PE regression set,
bit-exact against golden and cycle-exact against the PE model, and a reset mid-run.

A missing simulator fails these tests (it does not skip them): CI must run both.
"""

import os
from pathlib import Path

import pytest

from eie_gen.config import EIEConfig
from eie_gen.sim.runner import run_cocotb

CONFIGS = [
    EIEConfig(),
    EIEConfig(n_pe=1),
    EIEConfig(n_pe=3, act_bits=8, weight_bits=8, acc_bits=20, entries_per_word=2, fifo_depth=2,
              spmat_words=2048),
]
# configs/ecp5-85f-64pe.json with 2 PEs: on ecp5 the activations share the matrix's DP16KD.
SHARED = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json").replace(
    n_pe=2)


@pytest.mark.sim
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
@pytest.mark.parametrize("config, target",
                         [(c, "generic") for c in CONFIGS] + [(CONFIGS[0], "ecp5"),
                                                              (CONFIGS[2], "ecp5"),
                                                              (SHARED, "ecp5"),
                                                              (CONFIGS[2], "ice40")],
                         ids=lambda v: v if isinstance(v, str) else v.slug)
def test_pe_rtl_matches_golden_and_cycle_model(sim, config, target, tmp_path):
    """``ecp5``: the netlist with DP16KD instances, on our model of them (sim/models)."""
    results = run_cocotb("pe", config, sim, "eie_gen.sim.tb.pe",
                         tmp_path / f"{sim}_{config.slug}_{target}", seed=2026, target=target,
                         extra_env={"EIE_N_CASES": os.environ.get("EIE_N_CASES", "12")})
    assert results.exists()
