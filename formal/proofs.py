"""The proofs ``make formal`` runs, each on a small configuration (the properties do not
depend on the widths; small ones keep the solver fast)."""

from __future__ import annotations

import json
import time
from pathlib import Path

from golden.config import EIEConfig
from golden.fileio import atomic_write_text

from .axil import AXILiteProof
from .lnzd import NodeProof
from .queue import QueueProof
from .run import check

__all__ = ["PROOFS", "run_proofs", "to_markdown"]

_SMALL = dict(act_bits=4, act_depth=4, ptr_depth=8, spmat_words=4, bias_depth=4)

# name -> (what is proved, proof factory, k-induction depth)
PROOFS = {
    "queue_depth4": ("activation queue (FIFO depth 4) equals a reference queue: no loss, no "
                     "duplication, order, ready/valid/level",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=4, **_SMALL), m), 8),
    "queue_depth3": ("the same with depth 3 (pointers wrap at a non-power of two)",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=3, **_SMALL), m), 8),
    "queue_depth1": ("the same with depth 1",
                     lambda m=None: QueueProof(EIEConfig(n_pe=1, fifo_depth=1, **_SMALL), m), 6),
    "lnzd_node": ("LNZD node: lowest valid child first, every item out once and in order, "
                  "children's ready only from the skid, stream rules on the output",
                  lambda m=None: NodeProof(EIEConfig(n_pe=4, **_SMALL), m), 8),
    "axi_lite": ("AXI4-Lite port: one response per accepted write/read, responses held "
                 "until taken, one bus access per transaction with its address and data, "
                 "read data READ_LATENCY cycles later",
                 lambda m=None: AXILiteProof(EIEConfig(n_pe=1, **_SMALL), m), 10),
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
    results = {"date": time.strftime("%Y-%m-%d"), "proofs": []}
    for name in names:
        what, make, depth = PROOFS[name]
        say(f"formal: {name} (prove and cover, depth {depth})")
        r = check(make(), name, out, depth=depth)
        r["what"] = what
        results["proofs"].append(r)
    results["passed"] = all(r["passed"] for r in results["proofs"])
    atomic_write_text(out / "results.json", json.dumps(results, indent=1) + "\n")
    atomic_write_text(out / "results.md", to_markdown(results))
    return results


def to_markdown(results: dict) -> str:
    lines = ["# Formal proofs", "", f"SymbiYosys (yowasp) with z3, {results['date']}. *prove*: "
             "k-induction, so the properties hold in every reachable state; *cover*: the "
             "reachability goals are met within the depth.", "",
             "| proof | what | prove | cover | seconds |", "|---|---|---|---|---|"]
    for r in results["proofs"]:
        modes = r["modes"]
        cell = {k: ("PASS" if v["passed"] else f"FAIL: {v['reason']}") for k, v in modes.items()}
        secs = sum(v["seconds"] for v in modes.values())
        lines.append(f"| {r['name']} | {r['what']} | {cell.get('prove', '-')} | "
                     f"{cell.get('cover', '-')} | {secs:.1f} |")
    return "\n".join(lines) + "\n"
