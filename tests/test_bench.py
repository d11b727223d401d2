"""The benchmarks measure what they say (their speeds are reported, never asserted): PE
workloads on the RTL, the paper layers' cycle figures against the image-based array model,
and a quick run of every section that needs no long simulator build."""

import json

import numpy as np
import pytest

from eie_gen.bench.paper import (PAPER_LAYERS, ROW_ORDERS, layer_by_name, measure_layer,
                                 synthetic_layer)
from eie_gen.bench.pe import measure_pe, pe_workloads
from eie_gen.bench.rtl import layer_image, layer_input, run_layer_rtl, sim_speed
from eie_gen.bench.run import run_bench
from eie_gen.cli import main
from eie_gen.golden.array_model import run_timing
from eie_gen.compress.balance import order_for_work
from eie_gen.config import EIEConfig
from eie_gen.image import image_from_indices
from eie_gen.golden.model import run_golden
from eie_gen.placement import config_for_image


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


@pytest.mark.parametrize("argv, message", [
    (["bench", "--seeds", "0", "-o", "OUT"], "seeds must be at least 1"),
    (["bench", "--only", "paper,bogus", "-o", "OUT"], "unknown section 'bogus'"),
    (["bench", "--scale", "0", "-o", "OUT"], "scale must be in (0, 1]"),
    (["bench", "--rtl-layers", "Alex-9", "-o", "OUT"], "no benchmark layer 'Alex-9'"),
    (["bench", "--doc", "nodir/B.md", "-o", "OUT"], "directory nodir does not exist"),
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


def test_synthetic_layers_have_the_papers_densities():
    for spec in PAPER_LAYERS:
        lay = synthetic_layer(spec, scale=0.1)
        rows, cols = lay.shape
        assert lay.nnz == pytest.approx(spec.weight_density * rows * cols, rel=0.1, abs=20)
        assert lay.x_nonzero.mean() == pytest.approx(spec.act_density, abs=0.1)
        assert len(set(zip(lay.rows.tolist(), lay.cols.tolist()))) == lay.nnz
    skewed = synthetic_layer(layer_by_name("Alex-7"), scale=0.1, row_skew=0.8)
    per_row = np.bincount(skewed.rows, minlength=skewed.shape[0])
    plain = synthetic_layer(layer_by_name("Alex-7"), scale=0.1)
    assert per_row.std() > 2 * np.bincount(plain.rows, minlength=plain.shape[0]).std()


@pytest.mark.parametrize("name, n_pe, order", [("Alex-8", 8, "interleaved"),
                                               ("NT-LSTM", 16, "balanced"),
                                               ("VGG-7", 4, "input_aware")])
def test_layer_figures_equal_the_array_model_on_the_image(name, n_pe, order):
    # measure_layer works on positions only; the same layer as a model image (encoded,
    # permuted) through eie_gen.golden.array_model must give the same cycles.
    lay = synthetic_layer(layer_by_name(name), scale=0.08, row_skew=0.5)
    got = measure_layer(lay, n_pe, 8, order)
    x = layer_input(lay)
    idx = np.zeros(lay.shape, np.int64)
    idx[lay.rows, lay.cols] = 1
    live = lay.x_nonzero[lay.cols]
    work = {"interleaved": None, "balanced": np.bincount(lay.rows, minlength=lay.shape[0]),
            "input_aware": np.bincount(lay.rows[live], minlength=lay.shape[0])}[order]
    orders = [None if work is None else order_for_work(work, n_pe)]
    image = image_from_indices([idx], [np.arange(16)], n_pe=n_pe, row_orders=orders)
    timing = run_timing(image, config_for_image(image), x).layers[0]
    assert got["actual"] == timing.broadcast_cycles
    assert got["layer_cycles"] == timing.cycles
    assert got["entries"] == timing.pe_entries.sum()
    assert got["real_macs"] == int((idx[:, x != 0] != 0).sum())
    assert got["theoretical"] <= got["actual"]
    assert 0 < got["efficiency"] <= 1 and 0 < got["real_share"] <= 1


def test_quick_bench_writes_every_section(tmp_path):
    res = run_bench(tmp_path / "out", doc=tmp_path / "B.md", doc_plots=tmp_path / "plots",
                    sections=("paper", "fifo", "pes", "cpu", "conv"), scale=0.03)
    names = [p.name for p in PAPER_LAYERS]
    assert {r["layer"] for r in res["paper"]} == set(names)
    for name in names:                             # a row order never changes the work done
        rows = [r for r in res["paper"] if r["layer"] == name and r["row_skew"] == 0.0]
        assert {r["row_order"] for r in rows} == set(ROW_ORDERS)
        assert len({r["real_macs"] for r in rows}) == 1
    assert sorted({r["fifo_depth"] for r in res["fifo"]}) == [1, 2, 4, 8, 16, 32, 64, 128, 256]
    for name in names:                             # deeper queues never cost cycles
        by_depth = sorted((r["fifo_depth"], r["actual"]) for r in res["fifo"]
                          if r["layer"] == name)
        assert all(a >= b for (_, a), (_, b) in zip(by_depth, by_depth[1:]))
    assert {c["layer"] for c in res["cpu"]} == set(names)
    assert all(t > 0 for c in res["cpu"] for t in c["seconds"].values())
    conv = res["conv"]
    assert conv["cycles_total"] == conv["model_cycles_total"] > 0
    page = (tmp_path / "B.md").read_text()
    for name in names:
        assert f"| {name} |" in page
    for heading in ("## The EIE paper's layers", "### Load-aware row assignment",
                    "## FIFO depth", "## Number of PEs", "## CPU baselines",
                    "## Sparse 1x1 convolution", "Quick run"):
        assert heading in page
    for png in ("fifo", "pes", "balance"):
        assert (tmp_path / "plots" / f"{png}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"(plots/{png}.png)" in page
    assert json.loads((tmp_path / "plots" / "results.json").read_text())["scale"] == 0.03


@pytest.mark.sim
def test_rtl_section_runs_a_layer_exactly(tmp_path):
    lay = synthetic_layer(layer_by_name("Alex-8"), scale=0.02)
    r = run_layer_rtl(lay, 4, tmp_path / "rtl", sim="icarus")
    assert r["bit_exact"] and r["cycle_exact"], r
    image = layer_image(lay, 4)
    assert r["model_cycles"] == run_timing(image, config_for_image(image),
                                           layer_input(lay)).cycles


def test_amaranth_sim_speed_counts_the_clock(tmp_path):
    lay = synthetic_layer(layer_by_name("NT-LSTM"), scale=0.01)
    image = layer_image(lay, 2)
    xs = np.stack([layer_input(lay)] * 2)
    res = sim_speed(image, xs, sims=("amaranth",), build_root=tmp_path)
    r = res["sims"]["amaranth"]
    model = run_timing(image, config_for_image(image), xs[0]).cycles
    assert r["rtl_cycles"] == [model, model]
    assert r["bit_exact"]
    assert r["simulated_cycles"] > 2 * model       # loading and polling take clock cycles too
    assert r["cycles_per_second"] > 0
    assert (run_golden(image, xs, warn=False)[0] != 0).any()


def test_render_only_takes_the_latest_ecp5_fmax(tmp_path, monkeypatch):
    res = run_bench(tmp_path / "out", sections=("paper",), scale=0.02)
    assert res["ecp5"] is None or res["ecp5"]["fmax_mhz"] > 0
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    runs = [{"target": "ecp5", "config": {"n_pe": n}, "fmax_mhz": f}
            for n, f in ((4, 93.8), (16, 71.2), (32, None))]
    runs.append({"target": "ice40", "config": {"n_pe": 64}, "fmax_mhz": 20.0})
    (tmp_path / "docs" / "synthesis.json").write_text(json.dumps({"runs": runs}))
    assert main(["bench", "-o", str(tmp_path / "out"), "--render-only", "--doc",
                 str(tmp_path / "B.md")]) == 0
    page = (tmp_path / "B.md").read_text()
    assert "our ECP5 Fmax, 71.2 MHz" in page and "16 PEs" in page


def test_parallel_section_reports_ratios_of_its_own_timings(tmp_path, monkeypatch):
    # The timing itself is make bench's (minutes); here the bookkeeping around it.
    import eie_gen.bench.parallel as par
    calls = []
    monkeypatch.setattr(par, "_sweep", lambda out, jobs, say: calls.append(("s", jobs)) or
                        (90.0 if jobs == 1 else 50.0))
    monkeypatch.setattr(par, "_pytest", lambda workers, repo: calls.append(("p", workers)) or
                        (30.0 if workers == 1 else 20.0))
    monkeypatch.setattr(par.os, "cpu_count", lambda: 4)
    res = par.measure_parallel(tmp_path)
    assert calls == [("s", 1), ("s", 4), ("p", 1), ("p", 4)]
    assert [w["speedup"] for w in res["workloads"]] == [1.8, 1.5]
    text = "\n".join(par.to_markdown(res))
    assert "| 90.0 | 50.0 (4 jobs) | **1.8x** |" in text and "all 4 cores" in text
