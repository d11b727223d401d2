"""The generated eie_top under cocotb on Icarus and Verilator, driven through cocotbext-axi:
random multi-layer models bit-exact against golden and cycle-exact against the array model,
and a reset in the middle of a run. A missing simulator fails these tests."""

import os
from pathlib import Path

import pytest

from eie_gen.config import EIEConfig
from eie_gen.sim.regress import GRID_CONFIGS, RegressionMismatch, run_regression

# The configurations of make regress's grid (n_pe=2 with act_depth=16 once hung on Icarus:
# combinational blocks never evaluated; see hw.tops.to_verilog).
CONFIGS, PE16 = GRID_CONFIGS[:4], GRID_CONFIGS[4]
# configs/ecp5-85f-64pe.json with 2 PEs: on ecp5 the activations share the matrix's DP16KD.
SHARED = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json").replace(
    n_pe=2)
# On ice40 a 16-bit matrix word is an SB_SPRAM256KA (hw/matrix_mem.py).
ICE40 = CONFIGS[1].replace(entries_per_word=2)
PE64 = EIEConfig(n_pe=64, ptr_depth=256, spmat_words=64, act_depth=4, bias_depth=16)
# 16 PEs on Verilator (its build alone takes two minutes) run in make regress's grid.
CASES = ([pytest.param(sim, c, "generic", id=f"{c.slug}-{sim}") for c in CONFIGS
          for sim in ("icarus", "verilator")]
         + [pytest.param("icarus", PE16, "generic", id=f"{PE16.slug}-icarus"),
            pytest.param("verilator", PE16, "generic", id=f"{PE16.slug}-verilator",
                         marks=pytest.mark.slow)]
         + [pytest.param(sim, CONFIGS[1], "ecp5", id=f"{CONFIGS[1].slug}-{sim}-ecp5")
            for sim in ("icarus", "verilator")]
         + [pytest.param("verilator", SHARED, "ecp5", id=f"{SHARED.slug}-verilator-ecp5")]
         + [pytest.param("icarus", ICE40, "ice40", id=f"{ICE40.slug}-icarus-ice40")]
         + [pytest.param("verilator", PE64, "generic", id=f"{PE64.slug}-verilator",
                         marks=pytest.mark.slow)])


@pytest.mark.sim
@pytest.mark.parametrize("sim, config, target", CASES)
def test_top_rtl_matches_golden_and_array_model(sim, config, target, tmp_path):
    # Layers up to 256 wide where the simulator is fast enough for 'make test'.
    max_size = os.environ.get("EIE_MAX_SIZE", "256" if sim == "verilator" else "96")
    results = run_regression(sim, config, tmp_path / f"{sim}_{config.slug}_{target}",
                             seed=2026, n_cases=int(os.environ.get("EIE_N_CASES", "3")),
                             max_size=int(max_size), target=target)
    assert results.exists()


@pytest.mark.sim
@pytest.mark.parametrize("sim", ["icarus", "verilator"])
def test_a_mismatch_is_replayed_with_a_waveform(sim, tmp_path):
    # A result corrupted on purpose (case 1 of 2): the failure must name layer, PE, row and
    # input, give the seed and case to replay, and point at a waveform of that case.
    with pytest.raises(RegressionMismatch) as info:
        run_regression(sim, CONFIGS[0], tmp_path / "r", seed=5, n_cases=2, max_size=32,
                       extra_env={"EIE_CORRUPT_CASE": "1"})
    msg = str(info.value)
    assert "case 1:" in msg and "PE 0, row" in msg and "input 0" in msg, msg
    assert "Replay: seed 5, EIE_N_CASES=2, EIE_ONLY_CASE=1" in msg
    wave, gtkw = msg.split("(the case alone): ")[1].split(" (GTKWave: ")
    assert Path(wave).is_file() and Path(wave).stat().st_size > 1000, msg
    assert Path(wave).suffix == (".fst" if sim == "icarus" else ".vcd")
    assert Path(gtkw.rstrip(")")).is_file(), msg


@pytest.mark.sim
@pytest.mark.parametrize("sim, target", [("icarus", "generic"), ("verilator", "generic"),
                                         ("verilator", "ecp5")])
def test_backdoor_load_equals_the_bus_load(sim, target, tmp_path):
    # The backdoor writes the PEs' memories into the simulator's arrays; outputs and cycles
    # must be those of the AXI4-Lite load, and golden's.
    import numpy as np

    from eie_gen.golden.model import run_golden
    from eie_gen.placement import config_for_image
    from eie_gen.sim.rtl_run import run_rtl
    from eie_gen.sim.cases.top import top_cases
    case = top_cases(CONFIGS[3], seed=7, n_random=1, max_size=48)[0]
    cfg = config_for_image(case.image)
    want, _ = run_golden(case.image, case.xs, warn=False)
    runs = [run_rtl(case.image, cfg, case.xs, sim, tmp_path / "build", backdoor=bd,
                    target=target) for bd in (False, True)]
    for y, _ in runs:
        assert np.array_equal(np.asarray(y).reshape(want.shape), want)
    assert runs[0][1] == runs[1][1]


@pytest.mark.sim
def test_regression_grid_runs_on_a_dask_cluster(tmp_path):
    # make regress SCHEDULER=...: each (simulator, config, seed) regression is a job on the
    # cluster's workers (here a local cluster of two worker processes).
    from distributed import LocalCluster

    from eie_gen.sim.regress import run_grid
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        res = run_grid(tmp_path / "g", sims=("icarus",), configs=CONFIGS[:1], seeds=(1, 2),
                       n_cases=2, max_size=24, scheduler=cluster.scheduler_address)
    assert res["passed"] and res["executor"] == cluster.scheduler_address
    assert [(r["sim"], r["seed"]) for r in res["runs"]] == [("icarus", 1), ("icarus", 2)]
    assert "| icarus | pe1_pd512_bd128 | 2 | pass |" in (tmp_path / "g" / "results.md").read_text()


@pytest.mark.sim
def test_regression_grid_reports_a_failure_with_its_replay(tmp_path):
    from eie_gen.sim.regress import run_grid
    res = run_grid(tmp_path / "g", sims=("icarus",), configs=CONFIGS[:1], seeds=(5,),
                   n_cases=2, max_size=32, jobs=1, extra_env={"EIE_CORRUPT_CASE": "1"})
    assert not res["passed"]
    problem = res["runs"][0]["problem"]
    assert "PE 0, row" in problem and "EIE_ONLY_CASE=1" in problem and "eie_top.fst" in problem
    assert "**FAIL**" in (tmp_path / "g" / "results.md").read_text()
