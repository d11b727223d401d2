"""One mismatch report everywhere: on a row-balanced model, a wrong RTL output is reported at
the PE and row of the core that computed it, not at ``output mod n_pe``."""

import numpy as np
import pytest

from eie_gen import api
from eie_gen.compress.evaluation import rtl_check
from eie_gen.config import EIEConfig
from eie_gen.errors import MismatchError
from eie_gen.golden.array_model import run_timing
from eie_gen.golden.mismatch import describe_mismatch, first_difference
from eie_gen.golden.model import run_golden
from eie_gen.image import image_from_indices
from eie_gen.sim.cases.top import TopCase, check_top_case

# Last layer: 4 outputs on 2 PEs, stored row p computes network output ORDER[p]. Network output
# 3 is stored row 2: PE 0, local row 1 (plain interleaving would say PE 1, row 3).
ORDER = [2, 0, 3, 1]
WANT = "layer 1 (output), PE 0, row 2 (local row 1, network output 3), input 1"


@pytest.fixture
def image():
    rng = np.random.default_rng(3)
    idx0 = rng.integers(0, 16, size=(6, 5))
    idx1 = rng.integers(1, 16, size=(4, 6))
    cb = np.arange(16) - 8
    cb[0] = 0
    return image_from_indices([idx0, idx1], [cb, cb], n_pe=2, shifts=[2, 2],
                              relus=[True, False], row_orders=[None, ORDER])


@pytest.fixture
def xs():
    return np.array([[3, 0, -2, 5, 1], [0, 4, 4, -1, 2]])


def _corrupt(y, n=1, output=3):
    y = np.array(y, dtype=np.int64, copy=True)
    y[n, output] += 1
    return y


def test_describe_mismatch_names_the_stored_row(image):
    assert describe_mismatch(image, 1, 1, 7, 6, output=3) == f"{WANT}: RTL 7, golden 6"
    assert describe_mismatch(image, 0, 2, 1, 0, row=5, names=("golden", "dense"),
                             case="c") == "c: layer 0, PE 1, row 5 (local row 2), input 2: " \
                                          "golden 1, dense 0"
    with pytest.raises(ValueError):
        describe_mismatch(image, 1, 0, 1, 0, row=1, output=1)


def test_first_difference():
    assert first_difference([[1, 2], [3, 4]], [[1, 2], [3, 4]]) is None
    assert first_difference([[1, 2], [3, 5]], [[1, 2], [0, 4]]) == (1, 0)


def test_run_model_reports_a_corrupted_rtl_output_at_its_pe_and_row(image, xs, monkeypatch):
    from eie_gen.sim import rtl_run
    real = rtl_run.run_rtl

    def corrupted(*args, **kwargs):
        y, cycles = real(*args, **kwargs)
        return _corrupt(np.asarray(y).reshape(len(xs), -1)), cycles

    res = api.run_model(image, xs, sim="amaranth", check=True)     # the real RTL agrees
    assert np.array_equal(res.y, run_golden(image, xs, warn=False)[0])
    assert res.cycles == res.predicted
    monkeypatch.setattr(rtl_run, "run_rtl", corrupted)
    with pytest.raises(MismatchError, match=rf"amaranth RTL and golden disagree: "
                                            rf"{WANT.replace('(', '[(]').replace(')', '[)]')}"):
        api.run_model(image, xs, sim="amaranth", check=True)


def test_evaluation_and_regressions_name_the_same_pe_and_row(image, xs):
    y_gold, _ = run_golden(image, xs, warn=False)
    bad = _corrupt(y_gold)
    rep = rtl_check(image, "icarus", bad, y_gold, np.array([0, 1]), "cfg")
    assert rep["first_mismatch"].startswith(WANT)
    assert rep["equal_outputs"] == 1
    cfg = EIEConfig(n_pe=2)
    cycles = [run_timing(image, cfg, a).cycles for a in xs]     # right cycles, wrong output
    problem = check_top_case(cfg, TopCase("case", image, xs), bad, cycles)
    assert problem.startswith(f"case: {WANT}")
