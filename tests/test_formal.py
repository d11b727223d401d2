"""The formal proofs pass on the real units and fail on units with planted bugs (a clock
enable or a reset that the surrounding logic does not know about), so they can fail."""

import pytest
from amaranth.asserts import AnySeq
from amaranth.hdl import EnableInserter, ResetInserter

from formal.proofs import PROOFS, run_proofs
from formal.run import check

pytestmark = pytest.mark.formal


def test_every_proof_passes(tmp_path):
    res = run_proofs(tmp_path)
    for r in res["proofs"]:
        assert r["passed"], (r["name"], r["modes"])
        assert set(r["modes"]) == {"prove", "cover"}
    assert res["passed"]
    page = (tmp_path / "results.md").read_text()
    assert page.count("| PASS | PASS |") == len(PROOFS)


@pytest.mark.parametrize("name", ["queue_depth4", "queue_depth3", "lnzd_node", "axi_lite"])
@pytest.mark.parametrize("bug", ["stall", "reset"])
def test_a_planted_bug_fails_the_proof(name, bug, tmp_path):
    # "stall": the unit's registers skip cycles (a clock enable the handshakes ignore);
    # "reset": it is reset alone, in the middle of its work.
    what, make, depth = PROOFS[name]
    inserter = EnableInserter if bug == "stall" else ResetInserter
    r = check(make(lambda body: inserter(AnySeq(1))(body)), f"{name}-{bug}", tmp_path,
              modes=("prove",), depth=depth)
    assert not r["passed"]
    prove = r["modes"]["prove"]
    assert prove["reason"] and "Assert failed" in prove["reason"]
    assert prove["traces"], "a failed proof leaves a counterexample trace"


def test_unknown_proof_is_refused(tmp_path):
    with pytest.raises(KeyError, match="no proof 'fifo'"):
        run_proofs(tmp_path, ["fifo"])


def test_cli_names_an_unknown_proof(tmp_path, capsys):
    from eie.cli import main
    assert main(["formal", "--only", "queue_depth4,fifo", "-o", str(tmp_path / "f")]) == 2
    assert "no proof 'fifo'" in capsys.readouterr().err
