"""eie_top in the Amaranth simulator through its AXI4-Lite port (with random delays): random
multi-layer models bit-exact against golden and cycle-exact against the array model."""

import os

import numpy as np
import pytest
from amaranth.sim import Simulator

from golden.config import EIEConfig
from golden.errors import InputError
from golden.image import image_from_indices
from hw.eie_top import EIETop
from sim.amaranth_axil import AmaranthAXILite
from sim.driver import EIEDriver
from sim.io import AmaranthIO
from sim.top_cases import check_top_case, run_top_case, top_cases

N_CASES = int(os.environ.get("EIE_N_CASES", "3"))


def simulate(cfg, bench):
    dut = EIETop(cfg)
    sim = Simulator(dut)
    sim.add_clock(1e-8)
    async def testbench(ctx):
        await bench(ctx, dut)
    sim.add_testbench(testbench)
    sim.run()


@pytest.mark.parametrize("n_pe, max_size", [(1, 48), (2, 64), (3, 64), (4, 96), (16, 40)])
def test_top_regression(n_pe, max_size):
    cfg = EIEConfig(n_pe=n_pe, ptr_depth=512, bias_depth=128)
    cases = top_cases(cfg, seed=n_pe, n_random=N_CASES, max_size=max_size)
    results = []

    async def bench(ctx, dut):
        bus = AmaranthAXILite(AmaranthIO(ctx, dut), delay=0.3, seed=n_pe)
        for case in cases:
            results.append(await run_top_case(bus, case))
    simulate(cfg, bench)
    problems = [p for c, (y, cyc) in zip(cases, results) if (p := check_top_case(cfg, c, y, cyc))]
    assert not problems, "\n".join(problems)


def test_driver_discovers_the_core_and_refuses_an_image_that_does_not_fit():
    cfg = EIEConfig(n_pe=2, act_depth=8, ptr_depth=32, spmat_words=16, bias_depth=16)
    too_wide = image_from_indices([np.ones((4, 20), np.int64)], [np.arange(16)], n_pe=2)
    wrong_pes = image_from_indices([np.ones((4, 4), np.int64)], [np.arange(16)], n_pe=4)
    log = {}

    async def bench(ctx, dut):
        io = AmaranthIO(ctx, dut)
        drv = EIEDriver(AmaranthAXILite(io))
        log["config"] = await drv.discover()
        writes_before = io.cycle
        for name, image in (("wide", too_wide), ("pes", wrong_pes)):
            try:
                await drv.load(image)
            except InputError as exc:
                log[name] = str(exc)
        log["cycles_spent"] = io.cycle - writes_before
    simulate(cfg, bench)
    assert log["config"] == cfg
    assert "layer 0: input length 20 needs 10 activations per PE" in log["wide"]
    assert "n_pe=4, the accelerator 2" in log["pes"]
    assert log["cycles_spent"] == 0            # refused before touching the hardware
