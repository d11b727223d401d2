"""cocotb tests of one processing element, run inside the simulator by
:func:`eie_gen.sim.runner.run_cocotb`: the regression set of :mod:`eie_gen.sim.cases.pe`
(bit-exact against golden, cycle-exact against the PE model), and a reset in the middle of a
run.
"""

import os

import cocotb

from eie_gen.placement import place
from eie_gen.sim.bfm.pe import PEDriver, broadcasts_for, pack_act
from eie_gen.sim.cases.pe import check_case, pe_cases, run_case
from eie_gen.sim.io import CocotbIO
from eie_gen.sim.tb import common

CFG = common.config()
SEED = common.seed()
N_CASES = int(os.environ.get("EIE_N_CASES", "12"))


async def _start(dut) -> CocotbIO:
    common.start(dut)
    io = CocotbIO(dut)
    PEDriver(io, CFG)                        # drives every control input low
    await common.release(dut)
    return io


@cocotb.test()
async def regression_set(dut):
    io = await _start(dut)
    problems, refused = [], 0
    for case in pe_cases(CFG, SEED, N_CASES):
        result = await run_case(io, CFG, case)
        refused += sum(result.refused)
        problem = check_case(CFG, case, result)
        if problem:
            problems.append(problem)
            dut._log.error(problem)
    assert not problems, f"{len(problems)} mismatches, first: {problems[0]}"
    assert refused > 0, "no broadcast met a full queue: back-pressure was not exercised"


@cocotb.test()
async def reset_in_the_middle_of_a_layer(dut):
    """Reset while broadcasts are queued and entries in flight; then a clean run is exact."""
    io = await _start(dut)
    cases = [c for c in pe_cases(CFG, SEED + 1, 5) if c.name.startswith("density1")]
    case = cases[0]
    drv = PEDriver(io, CFG)
    placement = place(case.image, CFG)
    await drv.load(placement.pes[case.k])
    await drv.layer(placement.layers[0])
    items = broadcasts_for(case.x)
    for cycle in range(min(40, 3 * len(items))):       # offer for a while, never finish
        io.set("act_in.valid", 1)
        io.set("act_in.payload", pack_act(CFG, *items[cycle % len(items)]))
        await io.tick()
    io.set("act_in.valid", 0)
    dut.rst.value = 1
    await io.tick()
    dut.rst.value = 0
    await io.settle()
    assert io.get("idle"), "the PE is not idle after reset"
    await io.tick()
    result = await run_case(io, CFG, case)
    problem = check_case(CFG, case, result)
    assert problem is None, problem
