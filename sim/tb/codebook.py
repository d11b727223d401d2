"""cocotb tests of the codebook decoder, run inside the simulator by
:func:`eie_gen.sim.runner.run_cocotb`.

Checks every decoded weight against the golden decode, with random idle cycles on the input
stream and random back-pressure on the output stream. Seeded from ``COCOTB_RANDOM_SEED``.
"""

import os

import cocotb
from cocotb.triggers import FallingEdge

from eie_gen.encode import codebook_decode
from eie_gen.sim.bfm.stream import stream_through
from eie_gen.sim.io import CocotbIO
from eie_gen.sim.tb import common

CFG = common.config()
N_ITEMS = int(os.environ.get("EIE_N_ITEMS", "1000"))


def _random_codebook(rng) -> list[int]:
    return [rng.randint(CFG.weight_min, CFG.weight_max) for _ in range(CFG.codebook_size)]


async def _start(dut):
    common.start(dut)
    dut.i__valid.value = 0
    dut.o__ready.value = 0
    dut.wr__en.value = 0
    await common.release(dut)


async def _program(dut, codebook):
    """Write the table, one entry per cycle (inputs change on falling edges)."""
    for addr, value in enumerate(codebook):
        dut.wr__en.value = 1
        dut.wr__addr.value = addr
        dut.wr__data.value = value
        await FallingEdge(dut.clk)
    dut.wr__en.value = 0


async def _stream(dut, indices, rng, idle: float, stall: float) -> list[int]:
    """Send ``indices`` through ``i`` and collect ``o`` (signed weights)."""
    return await stream_through(CocotbIO(dut), "i", "o", indices, rng, idle, stall, signed=True)


def _check(codebook, indices, got):
    want = codebook_decode(codebook, indices).tolist()
    for n, (idx, w, g) in enumerate(zip(indices, want, got)):
        assert g == w, f"item {n}: index {idx} decoded to {g}, golden says {w}"
    assert len(got) == len(want)


@cocotb.test()
@cocotb.parametrize(idle=[0.0, 0.4], stall=[0.0, 0.4])
async def decode_random(dut, idle, stall):
    rng = common.rng(f"decode_random:{idle}:{stall}")
    await _start(dut)
    codebook = _random_codebook(rng)
    await _program(dut, codebook)
    indices = [rng.randrange(CFG.codebook_size) for _ in range(N_ITEMS)]
    _check(codebook, indices, await _stream(dut, indices, rng, idle, stall))


@cocotb.test()
async def reprogram_between_layers(dut):
    """A second codebook written after the first layer drains replaces the first entirely."""
    rng = common.rng("reprogram")
    await _start(dut)
    for _layer in range(3):
        codebook = _random_codebook(rng)
        await _program(dut, codebook)
        indices = [rng.randrange(CFG.codebook_size) for _ in range(200)]
        _check(codebook, indices, await _stream(dut, indices, rng, 0.2, 0.2))


@cocotb.test()
async def extremes(dut):
    """The most negative and most positive weights, every index, back to back."""
    rng = common.rng("extremes")
    await _start(dut)
    codebook = [CFG.weight_min if k % 2 else CFG.weight_max for k in range(CFG.codebook_size)]
    await _program(dut, codebook)
    indices = list(range(CFG.codebook_size)) * 4
    _check(codebook, indices, await _stream(dut, indices, rng, 0.0, 0.0))
