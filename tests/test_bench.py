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
    runs = [{"target": "ecp5", "n_pe": n, "speed": s, "key": {"config": {"n_pe": n}},
             "fmax_mhz": f}
            for n, s, f in ((4, "6", 93.8), (16, "6", 71.2), (16, "8", 99.0), (32, "6", None))]
    runs.append({"target": "ice40", "n_pe": 64, "key": {"config": {"n_pe": 64}},
                 "fmax_mhz": 20.0})
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


def _sweep_run(n_pe, speed, fmax, **extra):
    cfg = EIEConfig(n_pe=n_pe, entries_per_word=2, spmat_words=768, act_depth=32,
                    bias_depth=128).to_dict()
    return {"target": "ecp5", "n_pe": n_pe, "speed": speed, "fmax_mhz": fmax,
            "key": {"config": cfg, "design": "abc"}, "seeds": [1],
            "resources": {"lut": 100 * n_pe, "ff": 90 * n_pe, "bram": 3 * n_pe + 1,
                          "dsp": n_pe}, **extra}


def test_the_chip_core_is_the_largest_ecp5_run_that_routed_at_minus_6(tmp_path):
    from eie_gen.bench.chip import chip_core
    runs = [_sweep_run(8, "6", 110.0), _sweep_run(16, "6", 100.0), _sweep_run(16, "8", 130.0),
            _sweep_run(8, "8", 140.0), _sweep_run(32, "6", None, reason="place-and-route "
                                                  "stopped after 6000 s"),
            {"target": "ice40", "n_pe": 64, "speed": None, "fmax_mhz": 20.0}]
    path = tmp_path / "synthesis.json"
    path.write_text(json.dumps({"date": "2026-12-02", "runs": runs}))
    core = chip_core(path)
    assert (core["n_pe"], core["fmax_mhz"], core["fmax_mhz_8"]) == (16, 100.0, 130.0)
    assert core["config"]["n_pe"] == 16 and core["resources"]["bram"] == 49
    assert core["not_routed"] == [{"n_pe": 32, "why": "place-and-route stopped after 6000 s"}]
    assert chip_core(tmp_path / "missing.json") is None


def test_a_paper_layer_on_the_chip_says_whether_it_fits_and_why_not():
    from eie_gen.bench.chip import paper_layer_on_chip
    lay = synthetic_layer(layer_by_name("NT-LSTM"), scale=0.05)        # 120 x 60
    roomy = EIEConfig(n_pe=4, act_depth=32, ptr_depth=128)
    r = paper_layer_on_chip(lay, roomy)
    assert r["fits"] and r["why_not"] is None
    assert r["layer_cycles"] == measure_layer(lay, 4, 8)["layer_cycles"]
    image = layer_image(lay, 4)          # the same positions, encoded: the same entry count
    assert r["entries_per_pe_max"] == max(int(e) for e in image.layers[0].ptr[:, -1])
    short = paper_layer_on_chip(lay, roomy.replace(ptr_depth=32))
    assert not short["fits"] and "ptr_depth=32" in short["why_not"]
    narrow = paper_layer_on_chip(lay, roomy.replace(act_depth=8))
    assert not narrow["fits"] and "act_depth=8" in narrow["why_not"]


def test_the_cpu_network_kernels_agree_and_are_timed():
    from eie_gen.bench.chip import network_cpu_seconds
    rng = np.random.default_rng(0)
    layers = []
    for rows, cols in ((20, 30), (10, 20)):
        w = rng.standard_normal((rows, cols)).astype(np.float32)
        w[rng.random(w.shape) < 0.7] = 0
        layers.append((w, rng.standard_normal(rows).astype(np.float32), True))
    xs = np.maximum(rng.standard_normal((4, 30)), 0)
    s = network_cpu_seconds(layers, xs)
    assert set(s) == {"dense", "csr", "csc_skip"} and all(t > 0 for t in s.values())


def _chip_result(fits: bool) -> dict:
    core = {"n_pe": 16, "config": _sweep_run(16, "6", 100.0)["key"]["config"],
            "fmax_mhz": 100.0, "fmax_mhz_8": 125.0, "seeds": [1], "date": "2026-12-02",
            "design": "abc", "resources": {"lut": 1600, "ff": 1440, "bram": 49, "dsp": 16},
            "not_routed": [{"n_pe": 32, "why": "did not route"}]}
    demo = {"recipe": "r.json", "weights": 1000, "entries_per_pe_max": 90,
            "test_accuracy": 0.89, "fits": fits,
            "why_not": None if fits else "image needs 1187 pointers per PE", "images": 10,
            "cycles_mean": 1000.0, "cycles_min": 900, "cycles_max": 1100,
            "cpu_seconds": {"dense": 40e-6, "csr": 20e-6, "csc_skip": 80e-6}}
    paper = [{"layer": "NT-We", "fits": False, "why_not": "needs more", "layer_cycles": 5000,
              "entries_per_pe_max": 9}]
    return {"core": core, "demo": demo, "paper": paper,
            "cpu": [{"layer": "NT-We", "seconds": {"dense": 1e-3, "csr": 5e-4}}]}


def test_the_chip_section_labels_what_ifs_and_only_them():
    from eie_gen.bench.report import _chip_markdown
    page = "\n".join(_chip_markdown(_chip_result(True)))
    assert "16 PEs at 100.0 MHz (speed grade -6)**, 125.0 MHz at -8" in page
    assert "32 PEs: did not route." in page and "It fits." in page
    # 1000 cycles at 100 MHz: 10 us; numpy dense 40 us -> 4.0x, the best CPU (CSR) 2.00x
    assert "| EIE, 16 PEs @ 100.0 MHz (-6) | 10.0 | 4.0x | 2.00x |" in page
    assert "| NT-We | no (what-if) | needs more | 5000 | 50.0 | 20.0x | 10.00x |" in page
    unfit = "\n".join(_chip_markdown(_chip_result(False)))
    assert "**It does not fit: image needs 1187 pointers per PE**" in unfit
    assert "| EIE, 16 PEs @ 100.0 MHz (-6) (what-if) | 10.0 |" in unfit


@pytest.mark.slow
def test_the_demo_network_on_a_chip_core_fits_and_is_timed():
    from eie_gen.bench.chip import demo_on_chip
    from eie_gen.synth.sweep import sweep_config
    d = demo_on_chip(sweep_config("ecp5", 32), n_images=20, epochs=1)
    assert d["fits"], d["why_not"]
    assert d["images"] == 20 and 0 < d["cycles_min"] <= d["cycles_mean"] <= d["cycles_max"]
    assert d["test_accuracy"] > 0.8
