"""The generated codebook Verilog under cocotb on Icarus and Verilator, against golden.

A missing simulator fails these tests (it does not skip them): CI must run both.
"""

import os

import pytest

from eie_gen.config import EIEConfig
from eie_gen.sim.runner import run_cocotb

CONFIGS = [EIEConfig(), EIEConfig(weight_bits=8)]


@pytest.mark.sim
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.slug)
def test_codebook_rtl_matches_golden(sim, config, tmp_path):
    results = run_cocotb("codebook", config, sim, "eie_gen.sim.tb.codebook",
                         tmp_path / f"{sim}_{config.slug}", seed=1234,
                         extra_env={"EIE_N_ITEMS": os.environ.get("EIE_N_ITEMS", "1000")})
    assert results.exists()


def test_missing_simulator_is_an_error_with_a_hint(monkeypatch):
    from eie_gen.sim.tools import SimulatorMissing, require_simulator
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("shutil.which", lambda name, *a, **k: None)
    with pytest.raises(SimulatorMissing, match=r"icarus is not installed .*apt-get install -y "
                       r"iverilog"):
        require_simulator("icarus")
    with pytest.raises(SimulatorMissing, match="unknown simulator 'modelsim'"):
        require_simulator("modelsim")
