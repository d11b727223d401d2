"""The wheel works outside the checkout: it holds every module of the project's folders under
the one import root ``eie_gen`` and the ``eie`` command, nothing else, with dependency ranges,
not pins; installed into a directory of its own and run from a directory that has packages
of its own named ``sim``, ``hw`` and ``golden``, it imports from there, generates Verilog and
runs a model on Icarus, checked against golden."""

import email
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Repository folder -> where its modules sit in the wheel.
FOLDERS = {"eie": "eie_gen", "golden": "eie_gen/golden", "compress": "eie_gen/compress",
           "hw": "eie_gen/hw", "sim": "eie_gen/sim", "synth": "eie_gen/synth",
           "formal": "eie_gen/formal", "bench": "eie_gen/bench"}

pytestmark = pytest.mark.sim


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pkg")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp / "dist"), str(REPO)], check=True, capture_output=True, text=True)
    wheel = next((tmp / "dist").glob("eie_gen-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(tmp / "site"), str(wheel)], check=True, capture_output=True, text=True)
    return wheel, tmp / "site", tmp


def _run(site, cwd, *args):
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)


def test_the_wheel_holds_every_module_and_the_command(installed):
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, pkg in FOLDERS.items():
        for src in (REPO / folder).rglob("*.py"):
            assert f"{pkg}/{src.relative_to(REPO / folder)}" in names, src
    for src in (REPO / "sim" / "models").rglob("*.v"):        # the primitives' sim models
        assert f"eie_gen/sim/{src.relative_to(REPO / 'sim')}" in names, src
    dist_info = wheel.name.split("-py")[0] + ".dist-info"
    assert {n.split("/")[0] for n in names} == {"eie_gen", dist_info}
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "eie = eie_gen.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_the_wheel_asks_for_ranges_not_pins(installed):
    wheel, _, _ = installed
    meta = next(n for n in zipfile.ZipFile(wheel).namelist() if n.endswith("/METADATA"))
    requires = email.message_from_bytes(zipfile.ZipFile(wheel).read(meta)).get_all("Requires-Dist")
    assert any(r.startswith("numpy") for r in requires), requires
    pinned = [r for r in requires if "==" in r.split(";")[0]]     # not the marker's extra ==
    assert not pinned, pinned


def test_installed_it_runs_outside_the_checkout(installed):
    _, site, tmp = installed
    work = tmp / "elsewhere"
    for own in ("sim", "hw", "golden"):       # a user's HDL project has folders like these
        (work / own).mkdir(parents=True)
        (work / own / "__init__.py").write_text(f"raise ImportError('the user\\'s own {own}')\n")
    mods = ["eie_gen", "eie_gen.api", "eie_gen.sim.rtl_run", "eie_gen.golden.model",
            "eie_gen.hw.eie_top", "eie_gen.compress.deep", "eie_gen.synth.flow"]
    r = _run(site, work, "-c", "import importlib\nfrom eie_gen import EIEConfig, ModelImage, api\n"
             f"for m in {mods!r}: print(importlib.import_module(m).__file__)")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.split()) == len(mods), r.stdout
    assert all(line.startswith(str(site)) for line in r.stdout.split()), r.stdout
    eie = [str(site / "bin" / "eie")]
    assert "generate" in _run(site, work, *eie, "--help").stdout
    r = _run(site, work, *eie, "generate", "--pes", "2", "-o", "rtl")
    assert r.returncode == 0, r.stderr
    assert (work / "rtl" / "eie_top.v").stat().st_size > 10000
    steps = [["random-net", "--sizes", "8,6", "-o", "w.npz"],
             ["compress", "w.npz", "-o", "m.npz", "--pes", "2", "--density", "0.5"],
             ["random-input", "m.npz", "--batch", "2", "-o", "x.npy"],
             ["run", "m.npz", "--input", "x.npy", "-o", "y.npy", "--sim", "icarus", "--check"]]
    for step in steps:
        r = _run(site, work, *eie, *step)
        assert r.returncode == 0, (step, r.stderr[-2000:])
    assert "icarus RTL equals golden" in r.stdout
