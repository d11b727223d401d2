"""The proofs ``make formal`` runs, each on a small configuration (the properties do not
depend on the widths; small ones keep the solver fast)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.fileio import atomic_write_text

from eie_gen.formal.axil import AXILiteProof
from eie_gen.formal.lnzd import LeafProof, NodeProof, TreeProof
from eie_gen.formal.queue import QueueProof
from eie_gen.formal.run import ENGINE, check

__all__ = ["PROOFS", "run_proofs", "to_markdown"]

_SMALL = dict(act_bits=4, act_depth=4, ptr_depth=8, spmat_words=4, bias_depth=4)
# The whole tree is a bounded check whose cost grows steeply with the cycles it covers: the
# fewest rows and bits that still give two tree levels with a padded node.
_TREE = dict(act_bits=2, acc_bits=2, act_depth=2, ptr_depth=8, spmat_words=4, bias_depth=4)
PROVE = ("prove", "cover")          # k-induction: every reachable state
BOUNDED = ("bmc", "cover")          # every run of up to ``depth`` cycles

# name -> (what is proved, proof factory, depth, modes)
PROOFS = {
    "queue_depth4": ("activation queue (fifo_depth 4: 10 slots) equals a reference queue: no "
                     "loss, no duplication, order, ready/valid/level/room",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=4, **_SMALL), m), 12,
                     PROVE),
    "queue_depth3": ("the same with fifo_depth 3 (9 slots: pointers wrap at a non-power of two)",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=3, **_SMALL), m), 11,
                     PROVE),
    "queue_depth1": ("the same with fifo_depth 1 (7 slots)",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=1, **_SMALL), m), 9,
                     PROVE),
    "lnzd_node": ("LNZD node: lowest valid child first, every item out once and in order, "
                  "children's ready only from the skid, stream rules on the output",
                  lambda m=None: NodeProof(EIEConfig(n_pe=4, **_SMALL), m), 8, PROVE),
    "lnzd_leaf": ("LNZD leaf: after load, every flagged row out once, lowest first, none "
                  "skipped, with the bank's value; first out 4 cycles after load, then no gap; "
                  "done exactly when none is left",
                  lambda m=None: LeafProof(EIEConfig(n_pe=1, **_SMALL), m), 12, PROVE),
    "lnzd_node_burst": ("LNZD node on burst children (all start together, no gap, never "
                        "again): the output is one burst, a cycle later, child-major",
                        lambda m=None: NodeProof(EIEConfig(n_pe=4, **_SMALL), m, burst=True),
                        8, PROVE),
    "lnzd_tree": ("LNZD tree, 5 real leaves (two levels, a padded node), one whole layer: "
                  "every non-zero out once, PE-major, rows ascending, j = r * n_pe + k, its "
                  "value; bounded (with the leaf and burst lemmas it holds for any size)",
                  lambda m=None: TreeProof(EIEConfig(n_pe=5, **_TREE), m), 16, BOUNDED),
    "axi_lite": ("AXI4-Lite port: one response per accepted write/read, responses held "
                 "until taken, one bus access per transaction with its address and data, "
                 "read data READ_LATENCY cycles later",
                 lambda m=None: AXILiteProof(EIEConfig(n_pe=1, **_SMALL), m), 10, PROVE),
}


def run_proofs(out_dir, names=None, progress=None) -> dict:
    """Prove and cover each of ``names`` (default all); write ``results.json`` and
    ``results.md`` in ``out_dir``."""
    say = progress or (lambda msg: None)
    names = list(names or PROOFS)
    unknown = [n for n in names if n not in PROOFS]
    if unknown:
        raise KeyError(f"no proof {unknown[0]!r} (known: {', '.join(PROOFS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {"date": time.strftime("%Y-%m-%d"), "engine": ENGINE, "proofs": []}
    for k, name in enumerate(names):
        what, make, depth, modes = PROOFS[name]
        say(f"formal: {name} ({' and '.join(modes)}, depth {depth}) [{k}/{len(names)}]")
        r = check(make(), name, out, depth=depth, modes=modes)
        r["what"] = what
        results["proofs"].append(r)
    results["passed"] = all(r["passed"] for r in results["proofs"])
    atomic_write_text(out / "results.json", json.dumps(results, indent=1) + "\n")
    atomic_write_text(out / "results.md", to_markdown(results))
    return results


def to_markdown(results: dict) -> str:
    lines = ["# Formal proofs", "", f"SymbiYosys (yowasp) with {results.get('engine', ENGINE)}, "
             f"{results['date']}. *prove*: k-induction, so the properties hold in every "
             "reachable state; *bmc*: they hold in every run of up to *depth* cycles from "
             "reset; *cover*: the reachability goals are met within the depth.", "",
             "| proof | what | check | depth | result | cover | seconds |",
             "|---|---|---|---|---|---|---|"]
    for r in results["proofs"]:
        modes = r["modes"]
        cell = {k: ("PASS" if v["passed"] else f"FAIL: {v['reason']}") for k, v in modes.items()}
        secs = sum(v["seconds"] for v in modes.values())
        check_mode = next((k for k in modes if k != "cover"), "-")
        lines.append(f"| {r['name']} | {r['what']} | {check_mode} | {r['depth']} | "
                     f"{cell.get(check_mode, '-')} | {cell.get('cover', '-')} | {secs:.1f} |")
    return "\n".join(lines) + "\n"
