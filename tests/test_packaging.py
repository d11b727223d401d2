"""The wheel works outside the checkout: it holds every module of the project's packages and
the ``eie`` command, and, installed into a directory of its own and run from elsewhere, it
imports from there, generates Verilog and runs a model on Icarus, checked against golden."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("golden", "hw", "sim", "synth", "formal", "bench", "eie")

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
    for pkg in PACKAGES:
        for src in (REPO / pkg).rglob("*.py"):
            assert str(src.relative_to(REPO)) in names, src
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "eie = eie.cli:main" in zipfile.ZipFile(wheel).read(entry).decode()


def test_installed_it_runs_outside_the_checkout(installed):
    _, site, tmp = installed
    work = tmp / "elsewhere"
    work.mkdir()
    r = _run(site, work, "-c", "import " + ", ".join(PACKAGES) + "\nimport eie.api\n"
             "print('\\n'.join(m.__file__ for m in (" + ", ".join(PACKAGES) + ")))")
    assert r.returncode == 0, r.stderr
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
