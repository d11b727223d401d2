"""The documentation's examples run as written: every ```python block of docs/api.md, in
order, in one namespace, in an empty directory."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"

pytestmark = pytest.mark.sim       # it synthesizes (Yosys) and simulates (Amaranth)


def test_api_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / "api.md").read_text(), re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)       # noqa: S102
    for name in ("model.npz", "report.md", "y.npy", "y_rtl.npy", "waves/eie_top.gtkw",
                 "rtl/eie_top.v", "rtl/eie_regs.h", "eie_model.h", "codebook.json"):
        assert (tmp_path / name).exists(), name


def test_generated_reference_pages_are_current():
    # docs/cli.md and docs/design/ come from the code (eie docs): a changed --help, docstring
    # or port list must be regenerated (make docs) and committed.
    from eie_gen.cli import build_parser
    from eie_gen.reference import pages, units

    fresh = pages(build_parser())
    assert set(fresh) == {"cli.md", "design/README.md", "address-map.md", "config.md",
                          *(f"design/{m}.md" for m in units())}
    stale = [rel for rel, text in fresh.items() if (DOCS / rel).read_text() != text]
    assert not stale, f"run 'make docs': {stale} differ from the code"


def test_every_hardware_unit_has_a_page_with_latency_and_resources():
    import ast

    from eie_gen.reference import units
    hw = DOCS.parent / "hw"
    components = {}
    for src in hw.glob("*.py"):
        for node in ast.parse(src.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(
                    getattr(b, "id", None) == "EIEComponent" for b in node.bases):
                components[src.stem] = node.name
    assert {m: units()[m][0] for m in components} == components
    assert all(summary for _, summary in units().values())
    for module in units():
        page = (DOCS / "design" / f"{module}.md").read_text()
        assert "Latency" in page or "latency" in page, module
        assert "Resources" in page or "resources" in page, module
