"""The house has floors (docs/architecture.md): every import of a project module runs down a
floor, or stays on its own; none reaches a bare top-level name (``sim``, ``golden``...) that a
user's own folder could shadow; and no function in ``hw/`` or the API outgrows a screen."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FOLDERS = {"eie": "eie_gen", "golden": "eie_gen.golden", "compress": "eie_gen.compress",
           "hw": "eie_gen.hw", "sim": "eie_gen.sim", "synth": "eie_gen.synth",
           "formal": "eie_gen.formal", "bench": "eie_gen.bench"}
CONTRACT = {"config", "errors", "fileio", "parallel", "encode", "rows", "image", "addrmap",
            "placement"}
TOP = {"api", "cli", "reference", "progress", "__init__"}
# floor -> the floors it may import (besides its own); the table of docs/architecture.md.
MAY_IMPORT = {
    "contract": set(),
    "golden": {"contract"},
    "compress": {"contract", "golden"},
    "hw": {"contract"},
    "sim": {"contract", "golden", "compress", "hw"},
    "synth": {"contract", "hw"},
    "formal": {"contract", "hw"},
    "bench": {"contract", "golden", "compress", "hw", "sim", "synth"},
    "top": {"contract", "golden", "compress", "hw", "sim", "synth", "formal", "bench"},
}
BARE = {"golden", "compress", "hw", "sim", "synth", "formal", "bench", "eie"}


def floor(module: str) -> str:
    parts = module.split(".")
    if parts == ["eie_gen"]:
        return "top"
    if parts[1] in CONTRACT:
        return "contract"
    if parts[1] in TOP:
        return "top"
    return parts[1]


def modules():
    for folder, pkg in FOLDERS.items():
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO / folder).with_suffix("").parts
            yield path, ".".join((pkg, *rel)).removesuffix(".__init__")


def imports(path: Path):
    """(line, imported module) for every import of this project and every bare root."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            yield node.lineno, "." * node.level + (node.module or "")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "eie_gen":
                yield from ((node.lineno, f"eie_gen.{a.name}") for a in node.names)
            else:
                yield node.lineno, node.module
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)


def test_every_folder_is_a_floor():
    assert {floor(m) for _, m in modules()} == set(MAY_IMPORT)


def violations(path: Path, module: str) -> list[str]:
    """What is wrong with the imports of ``path``, the source of ``module``."""
    here, bad = floor(module), []
    for line, target in imports(path):
        where = f"{path.name}:{line}"
        root = target.split(".")[0]
        if target.startswith("."):
            bad.append(f"{where}: relative import {target} (write eie_gen....)")
        elif root in BARE:
            bad.append(f"{where}: bare {target} (a user's own {root}/ would shadow it)")
        elif root == "eie_gen":
            there = floor(target)
            if there != here and there not in MAY_IMPORT[here]:
                bad.append(f"{where}: {here} imports {target} ({there}), a floor up")
    return bad


def test_imports_run_down_the_floors():
    bad = [f"{path.parent.name}/{v}" for path, module in modules()
           for v in violations(path, module)]
    assert not bad, "\n".join(bad)


def test_the_floors_test_catches_an_import_up(tmp_path):
    # The check itself can fail: in hw, the golden model, a bare root and a relative import.
    src = tmp_path / "x.py"
    src.write_text("from eie_gen.golden.model import run_golden\nimport sim.io\n"
                   "from .pe import ProcessingElement\nfrom eie_gen.config import EIEConfig\n")
    bad = violations(src, "eie_gen.hw.x")
    assert [b.split(":")[1].split()[0] for b in bad] == ["1", "2", "3"], bad
    assert "a floor up" in bad[0] and "bare sim.io" in bad[1] and "relative" in bad[2]


def test_importing_everything_from_the_checkout_imports_no_bare_root():
    # At the checkout's root the folders golden/, sim/... are on sys.path; nothing may use them.
    names = [m for _, m in modules() if ".tb." not in m]    # tb/: cocotb modules, need a DUT
    code = ("import importlib, sys\n"
            f"for m in {names!r}: importlib.import_module(m)\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(BARE)!r}))")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip() == "[]"


def _long_functions(path: Path, limit: int):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1
            if n > limit:
                yield f"{path.relative_to(REPO)}:{node.lineno} {node.name}: {n} lines"


@pytest.mark.parametrize("files", [sorted((REPO / "hw").glob("*.py")), [REPO / "eie" / "api.py"]],
                         ids=["hw", "api"])
def test_functions_fit_on_a_screen(files):
    long = [msg for path in files for msg in _long_functions(path, 90)]   # "about 80"
    assert not long, "\n".join(long)
