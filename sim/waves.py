"""Waveforms of eie_top runs: where each simulator leaves its dump, and a GTKWave save file
that shows the signals that matter, grouped per PE (LNZD leaf, queue, pointer, entry,
accumulator, write-back) and for the shared units (AXI port, control unit, LNZD tree).

The names are the generated Verilog's hierarchy (``eie_top.pe3.queue.level``), the same on
Icarus and Verilator, and under ``bench.top`` in the Amaranth simulator's VCD (both come from
one Amaranth netlist). Widths are read from the Verilog text, so the save file matches the
dump it sits beside; a signal the Verilog does not have is an error here, not an empty row in
GTKWave (tests/test_waves.py keeps the list honest).
"""

from __future__ import annotations

import re
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.hw.registry import units

__all__ = ["SHARED_GROUPS", "PE_GROUPS", "signal_widths", "write_gtkw", "find_dump",
           "SCOPES"]

# Top scope of the design in each simulator's dump.
SCOPES = {"icarus": "eie_top", "verilator": "eie_top", "amaranth": "bench.top"}

def _unit_groups() -> tuple[dict, dict]:
    """(shared, per PE) group -> signals, as "unit.port" below eie_top or below a PE ("" unit:
    eie_top's own ports), from each unit's ``waves`` (:mod:`eie_gen.hw.registry`)."""
    shared, per_pe = {}, {}
    for unit in units().values():
        for title, ports in unit.cls.waves.items():
            prefix = "" if unit.parent is None else unit.instance
            if unit.parent in (None, "eie_top"):
                shared[title] = [f"{prefix}.{p}" for p in ports]
            elif unit.parent == "pe":
                per_pe[title] = [f"{prefix}.{p}" for p in ports]
            else:
                raise RuntimeError(f"hw/{unit.module}.py: waves only for units in eie_top or a PE")
    return shared, per_pe


SHARED_GROUPS, PE_GROUPS = _unit_groups()

_MODULE = re.compile(r"^module (\S+)\s*\(.*?^endmodule", re.M | re.S)
_DECL = re.compile(r"^\s*(?:input|output|inout|wire|reg)\s+(?:signed\s+)?(?:\[(\d+):(\d+)\]\s+)?"
                   r"(\\?\S+?)\s*(?:=.*)?;", re.M)


def signal_widths(verilog: str) -> dict[str, int]:
    """``"pe0.queue.level" -> 4`` for every declared signal of every module of ``verilog``
    (Amaranth's hierarchical module names, ``\\eie_top.pe0.queue``, give the path)."""
    out = {}
    for m in _MODULE.finditer(verilog):
        name = m.group(1).lstrip("\\")
        path = name.split(".", 1)[1] if "." in name else ""
        for d in _DECL.finditer(m.group(0)):
            msb, lsb, sig = d.group(1), d.group(2), d.group(3)
            width = abs(int(msb) - int(lsb)) + 1 if msb is not None else 1
            out[f"{path}.{sig}" if path else f".{sig}"] = width
    return out


def _groups(config: EIEConfig) -> dict[str, list[str]]:
    groups = dict(SHARED_GROUPS)
    for k in range(config.n_pe):
        for name, sigs in PE_GROUPS.items():
            groups[f"PE {k}: {name}"] = [f"pe{k}.{s}" for s in sigs]
    return groups


def write_gtkw(path, dump, config: EIEConfig, verilog: str, sim: str) -> Path:
    """Write a GTKWave save file for ``dump`` (a run of eie_top for ``config`` on ``sim``):
    one collapsed group per unit and per PE unit, in the order above."""
    from vcd.gtkw import GTKWSave  # noqa: PLC0415 (pyvcd: an Amaranth dependency)

    widths = signal_widths(verilog)
    scope = SCOPES[sim]
    groups = _groups(config)
    missing = [s for sigs in groups.values() for s in sigs if s not in widths]
    if missing:
        raise KeyError(f"not in the generated Verilog: {', '.join(missing[:5])}")
    path = Path(path)
    with open(path, "w") as f:
        save = GTKWSave(f)
        save.comment(f"eie_top ({config.slug}) on {sim}, written by eie (sim/waves.py)")
        save.dumpfile(str(Path(dump).resolve()))
        save.treeopen(scope)
        for group, sigs in groups.items():
            with save.group(group, closed=group.startswith("PE ") and "pe0." not in sigs[0]):
                for s in sigs:
                    unit, port = s.rsplit(".", 1) if not s.startswith(".") else ("", s[1:])
                    name = ".".join(p for p in (scope, unit, port) if p)
                    w = widths[s]
                    save.trace(name + (f"[{w - 1}:0]" if w > 1 else ""),
                               datafmt="hex" if w > 1 else "bin")
    return path


def find_dump(build_dir, sim: str) -> Path | None:
    """The dump a cocotb run with waves left in ``build_dir``: Icarus writes
    ``eie_top.fst`` (cocotb's dump module), Verilator ``dump.vcd`` (or ``dump.fst``)."""
    build = Path(build_dir)
    names = {"icarus": ["eie_top.fst"], "verilator": ["dump.fst", "dump.vcd"]}[sim]
    found = [build / n for n in names if (build / n).exists()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else None
