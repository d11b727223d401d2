"""The formal proofs pass on the real units and fail on units with planted bugs (a clock
enable or a reset that the surrounding logic does not know about), so they can fail."""

import pytest
from amaranth.asserts import AnySeq
from amaranth.hdl import Const, EnableInserter, Mux, ResetInserter

from eie_gen.formal.proofs import PROOFS, run_proofs
from eie_gen.formal.run import check

pytestmark = pytest.mark.formal


def test_every_proof_passes(tmp_path):
    res = run_proofs(tmp_path)
    for r in res["proofs"]:
        assert r["passed"], (r["name"], r["modes"])
        assert set(r["modes"]) == set(PROOFS[r["name"]][3])
    assert res["passed"]
    page = (tmp_path / "results.md").read_text()
    assert page.count("| PASS | PASS |") == len(PROOFS)
    assert "| lnzd_tree |" in page and "| bmc | 16 |" in page


def _fails(r, mode):
    assert not r["passed"]
    failed = r["modes"][mode]
    assert failed["reason"] and "Assert failed" in failed["reason"]
    assert failed["traces"], "a failed proof leaves a counterexample trace"


@pytest.mark.parametrize("name", ["queue_depth4", "queue_depth3", "lnzd_node", "lnzd_leaf",
                                  "lnzd_node_burst", "lnzd_tree", "axi_lite"])
@pytest.mark.parametrize("bug", ["stall", "reset"])
def test_a_planted_bug_fails_the_proof(name, bug, tmp_path):
    # "stall": the unit's registers skip cycles (a clock enable the handshakes ignore);
    # "reset": it is reset alone, in the middle of its work.
    what, make, depth, modes = PROOFS[name]
    inserter = EnableInserter if bug == "stall" else ResetInserter
    mode = modes[0]
    r = check(make(lambda body: inserter(AnySeq(1))(body)), f"{name}-{bug}", tmp_path,
              modes=(mode,), depth=depth)
    _fails(r, mode)


def _highest_set_bit(bits):
    any_, idx = Const(0, 1), Const(0, max(1, (len(bits) - 1).bit_length()))
    for n in range(len(bits)):
        any_, idx = any_ | bits[n], Mux(bits[n], n, idx)
    return any_, idx


@pytest.mark.parametrize("name", ["lnzd_leaf", "lnzd_tree"])
def test_a_wrong_priority_fails(name, tmp_path, monkeypatch):
    # The leaf's encoder picks the highest pending row instead of the lowest: every row
    # still leaves once, so only the order properties can catch it.
    from eie_gen.hw import lnzd_leaf
    monkeypatch.setattr(lnzd_leaf, "lowest_set_bit", _highest_set_bit)
    what, make, depth, modes = PROOFS[name]
    r = check(make(), f"{name}-priority", tmp_path, modes=(modes[0],), depth=depth)
    _fails(r, modes[0])
    order = ["the lowest pending row leaves first", "pending rows are above the pipeline's",
             "the pipeline's rows ascend", "PE-major, rows ascending, j = r * n_pe + k"]
    assert any(f"[{msg}]" in r["modes"][modes[0]]["reason"] for msg in order), r["modes"]


def test_unknown_proof_is_refused(tmp_path):
    with pytest.raises(KeyError, match="no proof 'fifo'"):
        run_proofs(tmp_path, ["fifo"])


def test_cli_names_an_unknown_proof(tmp_path, capsys):
    from eie_gen.cli import main
    assert main(["formal", "--only", "queue_depth4,fifo", "-o", str(tmp_path / "f")]) == 2
    assert "no proof 'fifo'" in capsys.readouterr().err


def test_a_read_starved_by_writes_fails(tmp_path, monkeypatch):
    # Writes always first: back-to-back writes keep a read waiting as long as they come.
    from eie_gen.hw import axil
    monkeypatch.setattr(axil, "write_first", lambda read_next, arvalid: 1)
    what, make, depth, modes = PROOFS["axi_lite"]
    r = check(make(), "axi_lite-starved", tmp_path, modes=(modes[0],), depth=depth)
    _fails(r, modes[0])
    assert "at most one write" in r["modes"][modes[0]]["reason"] or \
        "goes next" in r["modes"][modes[0]]["reason"], r["modes"]
