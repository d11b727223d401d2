"""cocotb tests of the codebook decoder, run inside the simulator by :func:`eie_gen.sim.runner.run_cocotb`.

Checks every decoded weight against the golden decode, with random idle cycles on the input
stream and random back-pressure on the output stream. Seeded from ``COCOTB_RANDOM_SEED``.
"""

import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly

from eie_gen.config import EIEConfig
from eie_gen.encode import codebook_decode

CFG = EIEConfig.from_json(os.environ["EIE_CONFIG"])
N_ITEMS = int(os.environ.get("EIE_N_ITEMS", "1000"))


def _rng(name: str) -> random.Random:
    return random.Random(f"{os.environ.get('COCOTB_RANDOM_SEED', '1')}:{name}")


def _random_codebook(rng: random.Random) -> list[int]:
    return [rng.randint(CFG.weight_min, CFG.weight_max) for _ in range(CFG.codebook_size)]


async def _start(dut):
    Clock(dut.clk, 10, unit="ns").start()
    dut.rst.value = 1
    dut.i__valid.value = 0
    dut.o__ready.value = 0
    dut.wr__en.value = 0
    await ClockCycles(dut.clk, 2)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def _program(dut, codebook):
    """Write the table, one entry per cycle (inputs change on falling edges)."""
    for addr, value in enumerate(codebook):
        dut.wr__en.value = 1
        dut.wr__addr.value = addr
        dut.wr__data.value = value
        await FallingEdge(dut.clk)
    dut.wr__en.value = 0


async def _stream(dut, indices, rng, idle: float, stall: float) -> list[int]:
    """Send ``indices`` through ``i`` and collect ``o``; keeps valid/payload until accepted."""
    got, sent, valid = [], 0, False
    timeout = 20 * len(indices) + 100
    while len(got) < len(indices):
        timeout -= 1
        assert timeout > 0, f"stalled: sent {sent}, received {len(got)} of {len(indices)}"
        if not valid and sent < len(indices) and rng.random() >= idle:
            valid = True
            dut.i__payload.value = indices[sent]
        dut.i__valid.value = int(valid)
        ready = rng.random() >= stall
        dut.o__ready.value = int(ready)
        await ReadOnly()
        if valid and dut.i__ready.value:
            sent, valid = sent + 1, False
        if ready and dut.o__valid.value:
            got.append(dut.o__payload.value.to_signed())
        await FallingEdge(dut.clk)
    dut.i__valid.value = 0
    dut.o__ready.value = 0
    return got


def _check(codebook, indices, got):
    want = codebook_decode(codebook, indices).tolist()
    for n, (idx, w, g) in enumerate(zip(indices, want, got)):
        assert g == w, f"item {n}: index {idx} decoded to {g}, golden says {w}"
    assert len(got) == len(want)


@cocotb.test()
@cocotb.parametrize(idle=[0.0, 0.4], stall=[0.0, 0.4])
async def decode_random(dut, idle, stall):
    rng = _rng(f"decode_random:{idle}:{stall}")
    await _start(dut)
    codebook = _random_codebook(rng)
    await _program(dut, codebook)
    indices = [rng.randrange(CFG.codebook_size) for _ in range(N_ITEMS)]
    _check(codebook, indices, await _stream(dut, indices, rng, idle, stall))


@cocotb.test()
async def reprogram_between_layers(dut):
    """A second codebook written after the first layer drains replaces the first entirely."""
    rng = _rng("reprogram")
    await _start(dut)
    for _layer in range(3):
        codebook = _random_codebook(rng)
        await _program(dut, codebook)
        indices = [rng.randrange(CFG.codebook_size) for _ in range(200)]
        _check(codebook, indices, await _stream(dut, indices, rng, 0.2, 0.2))


@cocotb.test()
async def extremes(dut):
    """The most negative and most positive weights, every index, back to back."""
    rng = _rng("extremes")
    await _start(dut)
    codebook = [CFG.weight_min if k % 2 else CFG.weight_max for k in range(CFG.codebook_size)]
    await _program(dut, codebook)
    indices = list(range(CFG.codebook_size)) * 4
    _check(codebook, indices, await _stream(dut, indices, rng, 0.0, 0.0))
