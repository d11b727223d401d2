"""Resources per unit: the design synthesized without flattening, each module's own cells.

Flattened synthesis (the area and Fmax report) optimizes across unit boundaries, so its total
is a little smaller than the sum here; block RAMs and DSPs are the same either way. Instances
of one unit (``pe0``, ``pe1``, ...; ``node_l0_0``, ...) are summed under one path (``pe``,
``tree.node``) with their count, so a row reads "what one more of these costs"."""

from __future__ import annotations

import json
import re
from pathlib import Path

__all__ = ["NOFLATTEN", "breakdown", "from_stat", "to_markdown"]

# The synthesis script of each target with the hierarchy kept.
NOFLATTEN = {
    "ecp5": "synth_ecp5 -no-rw-check -nowidelut -noflatten -top {top}",
    "ice40": "synth_ice40 -dsp -no-rw-check -noflatten -top {top}",
    "xilinx": "synth_xilinx -family xc7 -top {top}",
}
_INDEX = re.compile(r"(_l?\d+)+$|\d+$")          # pe3 -> pe, node_l1_0 -> node


def unit_path(module: str, top: str) -> str:
    """``\\eie_top.pe3.arith`` -> ``pe.arith``; the top itself is ``top``."""
    parts = module.lstrip("\\").split(".")
    if parts[0] == top:
        parts = parts[1:]
    return ".".join(_INDEX.sub("", p) or p for p in parts) or top


def from_stat(stat: dict, top: str, classify) -> list[dict]:
    """Rows ``{"path", "instances", <resource>: total}`` from a Yosys ``stat -json`` of an
    unflattened design, largest LUT count first; ``classify(cells)`` maps a module's own cell
    counts (its submodules left out) to resources."""
    modules = stat["modules"]
    rows: dict[str, dict] = {}
    for name, mod in modules.items():
        own = {t: n for t, n in mod["num_cells_by_type"].items()
               if f"\\{t}" not in modules and t not in modules}      # not a submodule
        path = unit_path(name, top)
        row = rows.setdefault(path, {"path": path, "instances": 0})
        row["instances"] += 1
        for cls, n in classify(own).items():
            row[cls] = row.get(cls, 0) + n
    return sorted(rows.values(), key=lambda r: (-r.get("lut", 0), r["path"]))


def breakdown(workdir: Path, top: str, target: str, yosys, classify) -> list[dict]:
    """Synthesize ``workdir/<top>.v`` without flattening (``yosys(workdir, top, script,
    stat_file)`` runs it) and return :func:`from_stat`'s rows."""
    yosys(workdir, top, NOFLATTEN[target].format(top=top), "stat_hier.json")
    stat = json.loads((Path(workdir) / "stat_hier.json").read_text())
    return from_stat(stat, top, classify)


def to_markdown(rows: list[dict], columns=("lut", "ff", "carry", "bram", "dsp", "lutram")) -> str:
    """The rows as a table: per unit the instances, then each resource per instance."""
    head = "| unit | instances | " + " | ".join(f"{c} each" for c in columns) + " |"
    lines = [head, "|---|---:|" + "---:|" * len(columns)]
    for r in rows:
        each = [r.get(c, 0) / r["instances"] for c in columns]
        lines.append(f"| `{r['path']}` | {r['instances']} | "
                     + " | ".join(f"{v:.0f}" if v == int(v) else f"{v:.1f}" for v in each)
                     + " |")
    return "\n".join(lines) + "\n"
