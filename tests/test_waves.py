"""``eie run --waves``: every RTL simulator writes a waveform and a GTKWave save file whose
every trace names a signal in that waveform (checked by reading the VCD's scopes; Icarus
writes FST, which only GTKWave reads, so there the file's presence and its FST header)."""

import re

import pytest

from eie_gen import api
from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.sim.waves import PE_GROUPS, SHARED_GROUPS

pytestmark = pytest.mark.sim

CFG = EIEConfig(n_pe=2, act_depth=8, ptr_depth=16, spmat_words=16, bias_depth=8, max_layers=2)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    api.random_weights([10, 6], d / "w.npz", seed=3)
    api.compress(d / "w.npz", d / "m.npz", CFG, density=[0.5])
    api.random_input(d / "m.npz", d / "x.npy", batch=2, density=0.7)
    return d


def vcd_names(path) -> set[str]:
    """Full names of a VCD's variables, vectors as GTKWave names them (``a.b.sig[3:0]``)."""
    scope, names = [], set()
    with open(path) as f:
        for line in f:
            tok = line.split()
            if not tok:
                continue
            if tok[0] == "$scope":
                scope.append(tok[2])
            elif tok[0] == "$upscope":
                scope.pop()
            elif tok[0] == "$var":
                width, name = int(tok[2]), tok[4].lstrip("\\")
                names.add(".".join([*scope, name]) + (f"[{width - 1}:0]" if width > 1 else ""))
            elif tok[0] == "$enddefinitions":
                break
    return names


def gtkw_traces(path) -> list[str]:
    return [line.strip() for line in open(path)
            if re.match(r"^[A-Za-z_]", line) and not line.startswith(("[", "@", "-", "*"))]


@pytest.mark.parametrize("sim", ["amaranth", "icarus", "verilator"])
def test_waves_and_save_file(sim, model, tmp_path):
    waves = tmp_path / "waves"
    api.run(model / "m.npz", model / "x.npy", tmp_path / "y.npy", sim=sim, check=True,
            config=CFG, waves=waves)
    gtkw = waves / "eie_top.gtkw"
    traces = gtkw_traces(gtkw)
    per_run = len(sum(SHARED_GROUPS.values(), [])) + CFG.n_pe * len(sum(PE_GROUPS.values(), []))
    assert len(traces) == per_run
    text = gtkw.read_text()
    for group in ["-AXI4-Lite port", "-control unit", "-LNZD tree (broadcast)",
                  "-PE 1: queue", "-PE 1: pointer", "-PE 1: entry", "-PE 1: accumulator"]:
        assert group in text
    if sim == "icarus":
        dump = waves / "eie_top.fst"
        assert dump.stat().st_size > 1000 and dump.read_bytes()[:1] == b"\x00"   # FST header
    else:
        dump = waves / "eie_top.vcd"
        missing = [t for t in traces if t not in vcd_names(dump)]
        assert not missing, missing[:5]
    assert f'[dumpfile] "{dump.resolve()}"' in text


def test_waves_need_an_rtl_simulator(model, tmp_path):
    with pytest.raises(InputError, match="--waves needs an RTL simulator"):
        api.run(model / "m.npz", model / "x.npy", tmp_path / "y.npy", waves=tmp_path / "w")
    assert not (tmp_path / "y.npy").exists()
    (tmp_path / "file").write_text("")
    with pytest.raises(InputError, match="not a directory"):
        api.run(model / "m.npz", model / "x.npy", tmp_path / "y.npy", sim="amaranth",
                waves=tmp_path / "file")
