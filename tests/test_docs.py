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
