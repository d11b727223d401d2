"""cocotb tests of eie_top through cocotbext-axi's AXI4-Lite master (random pauses on every
channel), run inside the simulator by :func:`eie_gen.sim.runner.run_cocotb`: random multi-layer
models bit-exact against golden and cycle-exact against the array model, and a reset in the
middle of a run followed by a clean run."""

import itertools
import json
import os
import random

import cocotb
import numpy as np
from cocotb.triggers import ClockCycles, FallingEdge

from eie_gen import addrmap as am_
from eie_gen.golden.array_model import run_timing
from eie_gen.sim.driver import CocotbAXILite, EIEDriver
from eie_gen.sim.cases.top import check_top_case, run_top_case, top_cases
from eie_gen.sim.tb import common

CFG = common.config()
SEED = common.seed()
N_CASES = int(os.environ.get("EIE_N_CASES", "3"))
MAX_SIZE = int(os.environ.get("EIE_MAX_SIZE", "64"))
# Replay and report (sim/regress.py): run only case n; write the first mismatch as JSON; and,
# for the test of that path only, corrupt case n's result.
ONLY_CASE = os.environ.get("EIE_ONLY_CASE")
FAIL_FILE = os.environ.get("EIE_FAIL_FILE")
CORRUPT_CASE = os.environ.get("EIE_CORRUPT_CASE")


def _pauses(rng: random.Random, p: float):
    return (rng.random() < p for _ in itertools.count())


async def _start(dut, pause: float = 0.3) -> CocotbAXILite:
    common.start(dut)
    master = common.axil_master(dut)
    rng = random.Random(SEED)
    for channel in (master.write_if.aw_channel, master.write_if.w_channel,
                    master.write_if.b_channel, master.read_if.ar_channel,
                    master.read_if.r_channel):
        channel.set_pause_generator(_pauses(rng, pause))
    await common.release(dut, 3)
    await ClockCycles(dut.clk, 2)
    return CocotbAXILite(master)


@cocotb.test()
async def regression_set(dut):
    bus = await _start(dut)
    problems = []
    for n, case in enumerate(top_cases(CFG, SEED, N_CASES, MAX_SIZE)):
        if ONLY_CASE is not None and n != int(ONLY_CASE):
            continue
        y, cycles = await run_top_case(bus, case)
        if CORRUPT_CASE is not None and n == int(CORRUPT_CASE):
            y = np.array(y)
            y.flat[0] += 1
        problem = check_top_case(CFG, case, y, cycles)
        dut._log.info(f"case {n} (seed {SEED}) {case.name}: cycles {cycles}"
                      + (f"  MISMATCH {problem}" if problem else ""))
        if problem:
            problems.append((n, problem))
    if problems and FAIL_FILE:
        with open(FAIL_FILE, "w") as f:
            json.dump({"case": problems[0][0], "problem": problems[0][1], "seed": SEED,
                       "mismatches": len(problems)}, f)
    assert not problems, f"{len(problems)} mismatches, first: {problems[0][1]}"


@cocotb.test()
async def reset_in_the_middle_of_a_run(dut):
    """START, reset while layers are running, then load and run again: exact results."""
    bus = await _start(dut, pause=0.0)
    case = top_cases(CFG, SEED + 7, 1, MAX_SIZE)[0]
    drv = EIEDriver(bus)
    await drv.discover()
    await drv.load(case.image)
    amap = drv.map
    expected = run_timing(case.image, CFG, case.xs[0]).cycles
    await drv.start(case.xs[0])
    await ClockCycles(dut.clk, expected // 3)          # well inside the run
    assert (await bus.read(amap.ctrl(am_.STATUS))) & am_.STATUS_BUSY, "the run ended too soon"
    await FallingEdge(dut.clk)
    dut.rst.value = 1
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await ClockCycles(dut.clk, 2)
    assert (await bus.read(amap.ctrl(am_.STATUS))) == 0, "busy or done after reset"
    y, cycles = await run_top_case(bus, case)
    problem = check_top_case(CFG, case, y, cycles)
    assert problem is None, problem
