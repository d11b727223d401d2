"""How much the parallel runs gain on this machine: the same work on one process and on
every core, wall-clock, measured in one run (``make bench``, section ``parallel``).

* a synthesis sweep (Yosys, Xilinx, eie_top with 1-4 PEs: four independent jobs, nothing
  reused) through :func:`synth.sweep.run_sweep` with ``jobs=1`` and ``jobs=cores``;
* a regression (a fixed set of cocotb and Amaranth-simulator tests) through pytest with one
  worker and with ``-n cores`` (pytest-xdist), as ``make regress`` runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["measure_parallel", "REGRESSION_TESTS", "SWEEP"]

SWEEP = {"targets": ("xilinx",), "pes": (1, 2, 3, 4)}
# Tests that run from an installed package or a checkout; cocotb builds go to tmp dirs.
REGRESSION_TESTS = ["tests/test_hw_pe_units.py", "tests/test_sim_codebook.py"]


def _sweep(out: Path, jobs: int, say) -> float:
    from eie_gen.synth.sweep import run_sweep  # noqa: PLC0415
    t0 = time.perf_counter()
    run_sweep(out, targets=SWEEP["targets"], pes=SWEEP["pes"], seeds=1, jobs=jobs,
              reuse=False, progress=say)
    return time.perf_counter() - t0


def _pytest(workers: int, repo: Path) -> float:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *REGRESSION_TESTS]
    cmd += ["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=repo, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"the regression subset failed:\n{r.stdout[-2000:]}")
    return time.perf_counter() - t0


def measure_parallel(out_dir, repo=None, progress=None) -> dict:
    """Wall-clock seconds of each workload serial and on every core, and the speed-up."""
    say = progress or (lambda msg: None)
    cores = os.cpu_count() or 1
    repo = Path(repo or Path(__file__).resolve().parent.parent)
    out = Path(out_dir)
    res = {"cores": cores, "date": time.strftime("%Y-%m-%d"), "workloads": []}
    say(f"parallel: synthesis sweep {SWEEP}, 1 job")
    serial = _sweep(out / "sweep-1", 1, say)
    say(f"parallel: synthesis sweep, {cores} jobs")
    par = _sweep(out / f"sweep-{cores}", cores, say)
    res["workloads"].append({"name": "synthesis sweep (make synth)", "what": (
        f"Yosys, {'/'.join(SWEEP['targets'])}, eie_top with {SWEEP['pes']} PEs, "
        "nothing reused"), "serial_s": round(serial, 1), "parallel_s": round(par, 1),
        "jobs": cores})
    if (repo / "tests").is_dir():
        say("parallel: regression subset, 1 worker")
        serial = _pytest(1, repo)
        say(f"parallel: regression subset, {cores} workers")
        par = _pytest(cores, repo)
        res["workloads"].append({"name": "regression (make regress)",
                                 "what": "pytest " + " ".join(REGRESSION_TESTS),
                                 "serial_s": round(serial, 1), "parallel_s": round(par, 1),
                                 "jobs": cores})
    for w in res["workloads"]:
        w["speedup"] = round(w["serial_s"] / w["parallel_s"], 2)
    return res


def to_markdown(p: dict) -> list[str]:
    lines = ["## Parallel runs", "",
             f"The same work on one process and on all {p['cores']} cores of this machine "
             f"(wall clock, both measured in one run on {p.get('date', 'the page date')}; "
             "the regression subset is short, so pytest-xdist's start-up weighs on it). "
             "`make regress` runs pytest with `-n auto`; `make synth` a process per core, or "
             "the jobs of a Dask cluster with `make synth SCHEDULER=tcp://host:8786`.", "",
             "| workload | what | 1 process (s) | all cores (s) | speed-up |",
             "|---|---|---|---|---|"]
    for w in p["workloads"]:
        lines.append(f"| {w['name']} | {w['what']} | {w['serial_s']} | {w['parallel_s']} "
                     f"({w['jobs']} jobs) | **{w['speedup']}x** |")
    return lines + [""]
