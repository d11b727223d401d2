"""The benchmark's PE measurements are correct (their speed is reported, never asserted)."""

import pytest

from eie.bench import measure_pe, pe_workloads, to_markdown
from eie.cli import main
from golden.config import EIEConfig


def test_bench_workloads_run_on_the_rtl_exactly_as_modelled():
    cfg = EIEConfig(n_pe=2, act_depth=32, spmat_words=256)
    results = measure_pe(cfg, pe_workloads(cfg))
    assert [r["name"] for r in results] == ["long_columns", "single_entry_columns", "padding",
                                           "random_10pct", "random_30pct"]
    for r in results:
        assert r["rtl_cycles"] == r["model_cycles"], r["name"]
        assert r["rtl_cycles"] >= r["ideal_cycles"]
    long = results[0]
    assert long["entries"] == 32 * long["broadcasts"]       # every local row, every column


def test_markdown_names_every_workload():
    fake = {"pe_throughput": {"long_column_entries_per_cycle": 0.99, "target": 0.98,
                              "meets_target": True, "workloads": [
                                  {"name": "w1", "broadcasts": 1, "entries": 2,
                                   "rtl_cycles": 12, "model_cycles": 12, "ideal_cycles": 2,
                                   "entries_per_cycle": 2 / 12, "rtl_over_ideal": 6.0,
                                   "rtl_over_model": 1.0}]},
            "pe_ecp5": {"device": "dev", "resources": {"lut": 1, "ff": 2, "carry": 3,
                                                        "dsp": 1, "bram": 9, "lutram": 10},
                        "fmax_mhz": None, "mapping": {"arith": {"MULT18X18D": 1}},
                        "multiplier_in_dsp": True, "pointer_and_matrix_in_bram": False}}
    md = to_markdown(fake)
    assert "| w1 | 1 | 2 | 12 | 12 | 2 |" in md
    assert "Fmax" in md and "n/a" in md and "memories in block RAM: NO" in md


@pytest.mark.parametrize("argv, message", [
    (["bench", "--seeds", "0", "-o", "OUT"], "seeds must be at least 1"),
])
def test_bench_rejects_bad_arguments(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bench_refuses_a_file_as_output_directory(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["bench", "-o", str(f)]) == 2
    assert "is not a directory" in capsys.readouterr().err
