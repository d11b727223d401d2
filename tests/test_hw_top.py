"""eie_top in the Amaranth simulator through its AXI4-Lite port (with random delays): random
multi-layer models bit-exact against golden and cycle-exact against the array model."""

import os

import numpy as np
import pytest

from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.image import image_from_indices
from eie_gen.hw.eie_top import EIETop
from eie_gen.sim.bfm.axil import AmaranthAXILite
from eie_gen.sim.driver import EIEDriver
from eie_gen.sim.io import AmaranthIO
from eie_gen.sim.cases.top import check_top_case, run_top_case, top_cases
from eie_gen.sim.amaranth import simulate

N_CASES = int(os.environ.get("EIE_N_CASES", "3"))


def simulate_top(cfg, bench):
    dut = EIETop(cfg)

    async def testbench(ctx):
        await bench(ctx, dut)
    simulate(dut, testbench)


# Shallow queues stall the broadcast often: the tree's skid registers must keep the
# array model's timing exactly.
@pytest.mark.parametrize("n_pe, max_size, fifo_depth", [
    (1, 48, 8), (2, 64, 8), (3, 64, 8), (4, 96, 8), (1, 32, 1), (5, 48, 1), (6, 64, 2),
    # 16 PEs on the Amaranth simulator take over a minute: make regress; make test runs 16
    # PEs on Icarus (tests/test_sim_top.py).
    pytest.param(16, 40, 8, marks=pytest.mark.slow)])
def test_top_regression(n_pe, max_size, fifo_depth):
    cfg = EIEConfig(n_pe=n_pe, ptr_depth=512, bias_depth=128, fifo_depth=fifo_depth)
    cases = top_cases(cfg, seed=n_pe, n_random=N_CASES, max_size=max_size)
    results = []

    async def bench(ctx, dut):
        bus = AmaranthAXILite(AmaranthIO(ctx, dut), delay=0.3, seed=n_pe)
        for case in cases:
            results.append(await run_top_case(bus, case))
    simulate_top(cfg, bench)
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
    simulate_top(cfg, bench)
    assert log["config"] == cfg
    assert "layer 0: input length 20 needs 10 activations per PE" in log["wide"]
    assert "n_pe=4, the accelerator 2" in log["pes"]
    assert log["cycles_spent"] == 0            # refused before touching the hardware


@pytest.mark.parametrize("top", ["pe", "eie_top"])
def test_generated_verilog_has_only_continuous_logic(top):
    """Amaranth's own back end writes processes as ``always @*`` blocks that Icarus may never
    run (their outputs stay X after reset: eie_top with act_depth=16 hung), and Yosys writes a
    parallel mux as a ``\\$procmux`` function Icarus takes for a system function. The Verilog
    we emit must have neither."""
    from eie_gen.hw.tops import to_verilog
    text = to_verilog(top, EIEConfig(n_pe=2, act_depth=16, ptr_depth=64, spmat_words=64))
    assert f"module {top}(" in text
    assert "always @*" not in text
    assert "function" not in text
    assert "always @(posedge clk)" in text


def test_driver_reports_a_core_that_never_finishes():
    """A core whose STATUS never shows DONE: the driver gives up with a reason after its poll
    budget instead of waiting forever (the regressions rely on this to fail, not hang)."""
    import asyncio

    from eie_gen import addrmap as am_
    from eie_gen.addrmap import address_map
    from eie_gen.sim.driver import DriverError

    cfg = EIEConfig(n_pe=2, ptr_depth=64, spmat_words=64, act_depth=16)
    amap = address_map(cfg)
    ident = list(amap.id_values().values())

    class StuckBus:                     # answers like eie_top, but stays BUSY
        reads = 0

        async def write(self, addr, value):
            pass

        async def read(self, addr):
            StuckBus.reads += 1
            if addr < 4 * len(ident):
                return ident[addr // 4]
            return am_.STATUS_BUSY if addr == amap.ctrl(am_.STATUS) else 0

    image = image_from_indices([np.array([[1, 0], [0, 2]])], [np.arange(16) * 3], n_pe=2)
    drv = EIEDriver(StuckBus())

    async def go():
        await drv.discover()
        await drv.load(image)
        await drv.run(np.array([1, 1]))

    with pytest.raises(DriverError, match="no DONE after .* STATUS reads .*hangs"):
        asyncio.run(go())
    assert StuckBus.reads >= drv.poll_budget()
