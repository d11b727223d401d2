"""cocotb module behind ``eie run --sim icarus|verilator``: load EIE_RUN_MODEL through the
AXI4-Lite port (its memories straight into the simulator's arrays with EIE_RUN_BACKDOOR=1),
run the inputs in EIE_RUN_INPUT, save outputs and cycles to EIE_RUN_OUTPUT."""

import os

import cocotb
import numpy as np

from eie_gen.image import read_image
from eie_gen.sim.bfm.backdoor import CocotbBackdoor
from eie_gen.sim.driver import CocotbAXILite, EIEDriver
from eie_gen.sim.tb import common


@cocotb.test()
async def run_model(dut):
    common.start(dut)
    master = common.axil_master(dut)
    await common.release(dut, 3)
    drv = EIEDriver(CocotbAXILite(master))
    await drv.discover()
    progress = os.environ.get("EIE_RUN_PROGRESS")

    def loaded(k, n_pe):                       # the load of a large image takes minutes
        if progress:
            with open(progress, "w") as f:
                f.write(f"load {k} {n_pe}\n")

    backdoor = None
    if os.environ.get("EIE_RUN_BACKDOOR") == "1":
        backdoor = CocotbBackdoor(dut, drv.config, os.environ.get("EIE_TARGET", "generic"))
    await drv.load(read_image(os.environ["EIE_RUN_MODEL"]), loaded, backdoor)
    xs = np.load(os.environ["EIE_RUN_INPUT"], allow_pickle=False)
    ys, cycles = [], []
    for n, x in enumerate(xs):                 # one by one, so the caller can show progress
        y1, c1 = await drv.run(x[None])
        ys.append(y1[0])
        cycles += c1
        if progress:
            with open(progress, "w") as f:
                f.write(f"{n + 1} {len(xs)}\n")
    y = np.asarray(ys, dtype=np.int64).reshape(len(xs), -1)
    out = os.environ["EIE_RUN_OUTPUT"]
    np.savez(out, y=np.asarray(y, dtype=np.int64), cycles=np.asarray(cycles, dtype=np.int64))
