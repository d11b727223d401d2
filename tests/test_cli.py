"""The 'eie' command: happy paths and bad input (one-line reason, exit 2, nothing written)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from eie_gen.cli import build_parser, main
from eie_gen.image import read_image
from eie_gen.golden.model import run_dense


@pytest.fixture
def net(tmp_path):
    w = tmp_path / "w.npz"
    assert main(["random-net", "--sizes", "40,24,6", "--seed", "2", "-o", str(w)]) == 0
    return w


@pytest.fixture
def model(tmp_path, net):
    m = tmp_path / "m.npz"
    assert main(["compress", str(net), "-o", str(m), "--pes", "3", "--density", "0.3"]) == 0
    return m


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if ": error: " in line]
    assert len(errors) == 1, err
    return errors[0]


def test_every_subcommand_has_help(capsys):
    sub = [a for a in build_parser()._actions if a.dest == "command"][0]
    for name in sub.choices:
        assert main([name, "--help"]) == 0
        assert "usage: eie " + name in capsys.readouterr().out


def test_compress_report_run_round_trip(tmp_path, model, capsys):
    image = read_image(model)
    assert image.n_pe == 3 and image.n_layers == 2
    rj, rm = tmp_path / "r.json", tmp_path / "r.md"
    assert main(["report", str(model), "--json", str(rj), "--md", str(rm)]) == 0
    rep = json.loads(rj.read_text())
    assert [L["rows"] for L in rep["layers"]] == [24, 6]
    assert rm.read_text() in capsys.readouterr().out
    x = tmp_path / "x.npy"
    assert main(["random-input", str(model), "--batch", "3", "-o", str(x)]) == 0
    y = tmp_path / "y.npy"
    capsys.readouterr()
    assert main(["run", str(model), "--input", str(x), "-o", str(y), "--check"]) == 0
    out = capsys.readouterr().out
    assert out.count(" cycles (") == 3
    assert "checked: the golden model equals the dense reference bit for bit on 3" in out
    got = np.load(y)
    assert got.dtype == np.int16 and got.shape == (3, 6)
    assert (got == run_dense(image, np.load(x))).all()


def test_balanced_rows_run_on_the_rtl_in_the_network_order(tmp_path, net, model, capsys):
    # --balance-rows permutes rows across PEs; 'eie run' on the Amaranth-simulated core must
    # give the plain image's outputs, in the network's order.
    bal = tmp_path / "bal.npz"
    assert main(["compress", str(net), "-o", str(bal), "--pes", "3", "--density", "0.3",
                 "--balance-rows"]) == 0
    image = read_image(bal)
    assert image.output_order is not None
    x, y = tmp_path / "x.npy", tmp_path / "y.npy"
    assert main(["random-input", str(model), "--batch", "2", "--seed", "5", "-o", str(x)]) == 0
    capsys.readouterr()
    assert main(["run", str(bal), "--input", str(x), "-o", str(y), "--sim", "amaranth",
                 "--check"]) == 0
    assert "and the amaranth RTL equals golden bit for bit on 2 input(s)" in \
        capsys.readouterr().out
    assert (np.load(y) == run_dense(read_image(model), np.load(x))).all()


@pytest.mark.sim
def test_run_on_icarus_equals_golden_and_the_cycle_model(tmp_path, model, capsys, monkeypatch):
    # 'eie run --sim icarus' (and 'eie evaluate --rtl'): the cocotb module eie_gen.sim.tb.run.
    monkeypatch.chdir(tmp_path)                       # its build directory is ./build/run
    x, y = tmp_path / "x.npy", tmp_path / "y.npy"
    assert main(["random-input", str(model), "--batch", "3", "--seed", "4", "-o", str(x)]) == 0
    capsys.readouterr()
    assert main(["run", str(model), "--input", str(x), "-o", str(y), "--sim", "icarus",
                 "--check"]) == 0
    out = capsys.readouterr().out
    assert "and the icarus RTL equals golden bit for bit on 3 input(s)" in out
    lines = [line for line in out.splitlines() if "cycles on the icarus RTL" in line]
    assert len(lines) == 3
    for line in lines:                                # "input n: C cycles ... (model: P)"
        c = int(line.split(": ")[1].split()[0])
        assert line.endswith(f"(model: {c})")
    assert (np.load(y) == run_dense(read_image(model), np.load(x))).all()
    assert (tmp_path / "build" / "run").is_dir()


def test_run_keeps_1d_shape_and_accepts_any_integer_dtype(tmp_path, model):
    x = tmp_path / "x.npy"
    np.save(x, np.arange(40, dtype=np.uint8))
    y = tmp_path / "y.npy"
    assert main(["run", str(model), "--input", str(x), "-o", str(y)]) == 0
    assert np.load(y).shape == (6,)


def test_generate_codebook_writes_verilog_and_config(tmp_path):
    out = tmp_path / "rtl"
    assert main(["generate", "--pes", "2", "--top", "codebook", "-o", str(out)]) == 0
    assert "module codebook(" in (out / "codebook.v").read_text()
    assert json.loads((out / "config.json").read_text())["n_pe"] == 2


def _files(path):
    return sorted(p.name for p in path.iterdir())


@pytest.mark.parametrize("argv, message", [
    (["compress", "{nw}", "-o", "{out}", "--pes", "2"], "has no 'W0'"),
    (["compress", "{w}", "-o", "{out}", "--pes", "2", "--density", "0"],
     "density must be in (0, 1]"),
    (["compress", "{w}", "-o", "{out}", "--pes", "2", "--density", "1.5"],
     "density must be in (0, 1]"),
    (["compress", "{w}", "-o", "{out}", "--pes", "0"], "n_pe must be in [1, 4096], not 0"),
    (["compress", "{w}", "-o", "{out}", "--pes", "2", "--density", "0.5,0.5,0.5"],
     "got 3 densities for 2 layers"),
    (["compress", "{missing}", "-o", "{out}", "--pes", "2"], "no such file"),
    (["run", "{bad_image}", "--input", "{x}", "-o", "{out}"], "codebook[0] must be 0"),
    (["run", "{junk}", "--input", "{x}", "-o", "{out}"], "not a readable .npz model image"),
    (["run", "{m}", "--input", "{xf}", "-o", "{out}"], "input must hold integers"),
    (["run", "{m}", "--input", "{xlen}", "-o", "{out}"], "input must have shape (40,)"),
    (["run", "{m}", "--input", "{xbig}", "-o", "{out}"], "must fit 16-bit activations"),
    (["run", "{m}", "--input", "{x}", "-o", "{out}", "--sim", "icarus", "--config",
      "{smallcfg}"], "the accelerator holds ptr_depth=4"),
    (["generate", "--config", "{badcfg}", "-o", "{outdir}"], "unknown config field(s): 'pes'"),
    (["synth", "--pes", "2", "--top", "nope", "--target", "ecp5", "-o", "{out}"],
     "unknown top 'nope'"),
])
def test_bad_input_one_line_nonzero_nothing_written(tmp_path, model, argv, message, capsys):
    bad = tmp_path / "bad"
    bad.mkdir()
    np.savez(bad / "nw.npz", W1=np.ones((2, 2)))
    arrays = dict(np.load(model))
    arrays["L0_codebook"] = np.arange(1, 17)
    np.savez(bad / "bad_image.npz", **arrays)
    (bad / "junk.npz").write_bytes(b"junk")
    np.save(bad / "x.npy", np.zeros(40, dtype=np.int16))
    np.save(bad / "xf.npy", np.zeros(40, dtype=np.float32))
    np.save(bad / "xlen.npy", np.zeros(41, dtype=np.int16))
    np.save(bad / "xbig.npy", np.full(40, 1 << 20, dtype=np.int64))
    (bad / "cfg.json").write_text('{"pes": 2}')
    (bad / "small.json").write_text('{"n_pe": 3, "ptr_depth": 4}')
    names = {"nw": bad / "nw.npz", "w": tmp_path / "w.npz", "missing": bad / "missing.npz",
             "bad_image": bad / "bad_image.npz", "junk": bad / "junk.npz", "x": bad / "x.npy",
             "xf": bad / "xf.npy", "xlen": bad / "xlen.npy", "xbig": bad / "xbig.npy",
             "m": model, "badcfg": bad / "cfg.json", "smallcfg": bad / "small.json",
             "out": tmp_path / "out" / "result.npz", "outdir": tmp_path / "out" / "rtl"}
    (tmp_path / "out").mkdir()
    capsys.readouterr()
    rc = main([a.format(**names) for a in argv])
    assert rc == 2
    line = _error(capsys)
    assert message in line and "Traceback" not in line
    assert _files(tmp_path / "out") == []


def test_argparse_errors_exit_2(capsys, tmp_path):
    assert main(["compress", "w.npz", "-o", "m.npz", "--pes", "2", "--density", "abc"]) == 2
    assert "not a number" in capsys.readouterr().err


def test_console_script_runs(tmp_path):
    exe = [sys.executable, "-m", "eie_gen.cli", "status"]
    proc = subprocess.run(exe, capture_output=True, text=True)
    assert proc.returncode == 0 and "Built: Deep Compression" in proc.stdout


def test_wrong_container_kinds(tmp_path, model, capsys):
    npy = tmp_path / "w.npy"
    np.save(npy, np.ones((2, 2)))
    assert main(["compress", str(npy), "-o", str(tmp_path / "m2.npz"), "--pes", "2"]) == 2
    assert "is a single array, not an .npz weights file" in _error(capsys)
    assert main(["run", str(model), "--input", str(model), "-o", str(tmp_path / "y.npy")]) == 2
    assert "is an .npz archive, not a .npy input" in _error(capsys)
    assert not (tmp_path / "m2.npz").exists() and not (tmp_path / "y.npy").exists()


def test_generate_eie_top_writes_verilog_config_and_address_map(tmp_path):
    out = tmp_path / "rtl"
    assert main(["generate", "--pes", "2", "-o", str(out)]) == 0
    text = (out / "eie_top.v").read_text()
    assert "module eie_top(" in text and "s_axil__awaddr" in text
    assert "# eie_top address map (pe2)" in (out / "address-map.md").read_text()


def test_docs_address_map_is_the_generated_one():
    """docs/address-map.md is the default configuration's map, regenerated, not hand-edited."""
    from pathlib import Path

    from eie_gen.addrmap import to_markdown
    from eie_gen.config import EIEConfig
    doc = Path(__file__).resolve().parent.parent / "docs" / "address-map.md"
    assert doc.read_text() == to_markdown(EIEConfig()), \
        "regenerate: python -c 'from eie_gen.addrmap import to_markdown; ...'"


def test_train_compress_evaluate_on_a_small_data_set(tmp_path, capsys):
    # The 'make demo' chain on a tiny stand-in for Fashion-MNIST (4x4 images, 10 classes).
    from tests.test_train import write_fake_fashion
    data = write_fake_fashion(tmp_path / "data", 900, 120)
    w, m, rep = tmp_path / "float.npz", tmp_path / "model.npz", tmp_path / "rep"
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"density": [0.4, 0.6], "prune_steps": 1, "retrain_epochs": 1,
                                  "finetune_epochs": 1, "batch": 32, "calib_images": 100,
                                  "sensitivity": [1.0, 0.5]}))
    # Sizes that do not fit the data set: refused before training, nothing written.
    assert main(["train", "-o", str(w), "--data-dir", str(data), "--sizes", "784,10"]) == 2
    assert "must start with 16 (pixels)" in _error(capsys)
    assert not w.exists()
    assert main(["train", "-o", str(w), "--data-dir", str(data), "--sizes", "16,12,10",
                 "--epochs", "4", "--lr", "0.1", "--batch", "32"]) == 0
    # A recipe with a density per layer of another network: refused before any work.
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"density": [0.1, 0.2, 0.3]}))
    assert main(["compress", str(w), "-o", str(m), "--pes", "2", "--data", "fashion-mnist",
                 "--data-dir", str(data), "--recipe", str(bad)]) == 2
    assert "3 densities for 2 layers" in _error(capsys)
    assert not m.exists()
    assert main(["compress", str(w), "-o", str(m), "--pes", "2", "--data", "fashion-mnist",
                 "--data-dir", str(data), "--recipe", str(recipe),
                 "--report-dir", str(rep)]) == 0
    assert main(["evaluate", str(m), "--data-dir", str(data), "--float", str(w),
                 "--rtl", "3", "--sim", "amaranth", "--report-dir", str(rep)]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 images equal to golden bit for bit" in out
    assert "cycles equal to the array model on 3 of 3" in out
    for name in ("compress.json", "sensitivity.csv", "sensitivity.png", "weights.png",
                 "report.md", "report.json", "load.png", "config.json"):
        assert (rep / name).stat().st_size > 0, name
    report = json.loads((rep / "report.json").read_text())
    assert [s["stage"] for s in report["stages"]][0] == "float"
    assert report["rtl"]["equal_outputs"] == 3
    assert (rep / "sensitivity.csv").read_text().count("\n") == 1 + 2 * 2
    md = (rep / "report.md").read_text()
    assert "![Pruning sensitivity](sensitivity.png)" in md and "| compression |" in md
    assert read_image(m).layers[0].shape == (12, 16)


@pytest.fixture
def small_data(tmp_path):
    from tests.test_train import write_fake_fashion
    return write_fake_fashion(tmp_path / "data", 240, 40)


@pytest.mark.parametrize("argv, message", [
    (["train", "-o", "{out}", "--data-dir", "{empty}"], "Fashion-MNIST not found in"),
    (["train", "-o", "{out}", "--data-dir", "{data}", "--epochs", "0"],
     "epochs must be at least 1"),
    (["train", "-o", "{missing}/w.npz", "--data-dir", "{data}"], "does not exist"),
    (["compress", "{net}", "-o", "{out}", "--pes", "2", "--data", "fashion-mnist",
      "--data-dir", "{data}"], "the network takes 40 inputs, the data set has 16"),
    (["compress", "{net}", "-o", "{out}", "--pes", "2", "--data", "fashion-mnist",
      "--data-dir", "{data}", "--recipe", "{recipe}"], "unknown key 'epochs'"),
    (["compress", "{net}", "-o", "{out}", "--pes", "2", "--recipe", "{recipe}"],
     "need --data"),
    (["evaluate", "{model}", "--data-dir", "{data}"], "maps 40 inputs to 6 outputs"),
    (["evaluate", "{model}", "--data-dir", "{empty}"], "Fashion-MNIST not found"),
    (["evaluate", "{model}", "--rtl", "-1"], "must not be negative"),
])
def test_data_commands_refuse_bad_input(tmp_path, net, model, small_data, argv, message,
                                        capsys):
    (tmp_path / "empty").mkdir()
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({"epochs": 3}))
    out = tmp_path / "out.npz"
    args = [a.format(out=out, empty=tmp_path / "empty", data=small_data, net=net, model=model,
                     recipe=recipe, missing=tmp_path / "nope") for a in argv]
    assert main(args) == 2
    assert message in _error(capsys)
    assert not out.exists()


def test_progress_steps_are_drawn_as_bars():
    import io

    from eie_gen.progress import Reporter
    ticks = iter([0.0, 10.0, 30.0])
    out = io.StringIO()
    say = Reporter("eie", out, clock=lambda: next(ticks))
    say("sweep: 0 of 4 runs done [0/4]")
    say("sweep: 1 of 4 runs done [1/4]")
    say("a plain message")
    say("sweep: 4 of 4 runs done [4/4]")
    lines = out.getvalue().splitlines()
    assert lines[0] == "eie: sweep: 0 of 4 runs done |" + "." * 24 + "| 0/4 0 s"
    assert lines[1] == "eie: sweep: 1 of 4 runs done |" + "#" * 6 + "." * 18 + "| 1/4 10 s, ~30 s left"
    assert lines[2] == "eie: a plain message"
    assert lines[3].endswith("|" + "#" * 24 + "| 4/4 30 s")
