"""The codebook decoder in the Amaranth simulator, against the golden decode."""

import random

import numpy as np
import pytest

from eie_gen.config import EIEConfig
from eie_gen.encode import codebook_decode
from eie_gen.hw.codebook import CodebookDecoder
from eie_gen.sim.bfm.stream import stream_through
from eie_gen.sim.io import AmaranthIO
from eie_gen.sim.amaranth import simulate


def decode(config, codebooks, batches, *, seed=0, idle=0.0, stall=0.0):
    """Program each codebook, stream its batch of indices, return what came out."""
    dut = CodebookDecoder(config)
    rng = random.Random(seed)
    results = []

    async def bench(ctx):
        for codebook, indices in zip(codebooks, batches):
            for addr, value in enumerate(codebook):
                ctx.set(dut.wr.en, 1)
                ctx.set(dut.wr.addr, addr)
                ctx.set(dut.wr.data, int(value))
                await ctx.tick()
            ctx.set(dut.wr.en, 0)
            results.append(
                await stream_through(AmaranthIO(ctx, dut), "i", "o", indices, rng, idle, stall,
                               signed=True))

    simulate(dut, bench)
    return results


@pytest.mark.parametrize("idle, stall", [(0.0, 0.0), (0.5, 0.0), (0.0, 0.5), (0.3, 0.3)])
@pytest.mark.parametrize("weight_bits", [16, 8])
def test_decodes_like_golden(idle, stall, weight_bits):
    cfg = EIEConfig(weight_bits=weight_bits)
    rng = np.random.default_rng(weight_bits)
    codebooks = [rng.integers(cfg.weight_min, cfg.weight_max + 1, size=16) for _ in range(2)]
    batches = [rng.integers(0, 16, size=300) for _ in range(2)]
    results = decode(cfg, codebooks, batches, seed=7, idle=idle, stall=stall)
    for cb, idx, got in zip(codebooks, batches, results):
        assert got == codebook_decode(cb, idx).tolist()


def test_full_throughput_without_backpressure():
    """One index per cycle in, one weight per cycle out, latency 1."""
    cfg = EIEConfig()
    dut = CodebookDecoder(cfg)
    codebook = list(range(100, 116))
    seen = []

    async def bench(ctx):
        for addr, value in enumerate(codebook):
            ctx.set(dut.wr.en, 1)
            ctx.set(dut.wr.addr, addr)
            ctx.set(dut.wr.data, value)
            await ctx.tick()
        ctx.set(dut.wr.en, 0)
        ctx.set(dut.o.ready, 1)
        for cycle in range(20):
            ctx.set(dut.i.valid, int(cycle < 16))
            ctx.set(dut.i.payload, cycle % 16)
            if cycle < 16:
                assert ctx.get(dut.i.ready)
            seen.append((ctx.get(dut.o.valid), ctx.get(dut.o.payload)))
            await ctx.tick()

    simulate(dut, bench)
    assert seen[0][0] == 0                              # latency: nothing in cycle 0
    assert [p for v, p in seen[1:17]] == codebook       # then one result per cycle
    assert all(v for v, _ in seen[1:17]) and not seen[17][0]
    assert CodebookDecoder.latency == 1
