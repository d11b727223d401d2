"""The LNZD node (exhaustively) and quadtree in the Amaranth simulator."""

import random

import pytest
from amaranth.hdl import Module, Signal

from eie_gen.config import EIEConfig
from eie_gen.hw.lnzd_node import LNZDNode
from eie_gen.hw.lnzd_tree import LNZDTree
from eie_gen.sim.amaranth import simulate


def clocked(dut):
    m = Module()                          # a clock domain even for a 1-PE tree (no register)
    m.submodules.dut = dut
    m.d.sync += Signal().eq(1)
    return m


def test_node_picks_the_lowest_valid_child_for_every_pattern():
    cfg = EIEConfig(n_pe=4)
    dut = LNZDNode(cfg)
    seen = {}

    async def bench(ctx):
        ctx.set(dut.o.ready, 1)
        for pattern in range(16):
            for n in range(4):
                child = dut.c[n]
                ctx.set(child.valid, (pattern >> n) & 1)
                ctx.set(child.payload.as_value(), 100 + n)
            readies = [ctx.get(dut.c[n].ready) for n in range(4)]
            await ctx.tick()
            for n in range(4):
                ctx.set(dut.c[n].valid, 0)
            seen[pattern] = (readies, ctx.get(dut.o.valid), ctx.get(dut.o.payload.as_value()))
            await ctx.tick()                     # drain the register
    simulate(clocked(dut), bench)
    for pattern, (readies, valid, payload) in seen.items():
        lowest = (pattern & -pattern).bit_length() - 1 if pattern else None
        assert readies == [int(n == lowest) for n in range(4)], pattern
        assert valid == int(pattern != 0)
        if pattern:
            assert payload == 100 + lowest


def test_node_holds_while_stalled():
    dut = LNZDNode(EIEConfig(n_pe=4))
    log = []

    async def bench(ctx):
        ctx.set(dut.c[2].valid, 1)
        ctx.set(dut.c[2].payload.as_value(), 7)
        ctx.set(dut.o.ready, 0)
        for _ in range(3):
            log.append((ctx.get(dut.c[2].ready), ctx.get(dut.o.valid)))
            await ctx.tick()
    simulate(clocked(dut), bench)
    # Takes one into the output register, one into the skid, then back-pressures.
    assert log == [(1, 0), (1, 1), (0, 1)]


def test_node_ready_does_not_look_at_the_output_ready():
    # The broadcast back-pressure must stop at each node (the ECP5 critical path ran from
    # every PE queue through all tree levels into the detectors).
    dut = LNZDNode(EIEConfig(n_pe=4))
    rng = random.Random(5)
    checked = []

    async def bench(ctx):
        for _ in range(200):
            for n in range(4):
                ctx.set(dut.c[n].valid, rng.random() < 0.6)
            readies = []
            for o_ready in (0, 1):
                ctx.set(dut.o.ready, o_ready)
                readies.append([ctx.get(dut.c[n].ready) for n in range(4)])
            checked.append(readies[0] == readies[1])
            ctx.set(dut.o.ready, rng.random() < 0.5)
            await ctx.tick()
    simulate(clocked(dut), bench)
    assert len(checked) == 200 and all(checked)


@pytest.mark.parametrize("stall", [0.0, 0.5])
@pytest.mark.parametrize("n_pe", [1, 2, 3, 4, 5, 8, 16, 17])
def test_tree_delivers_every_item_once_pe_major(n_pe, stall):
    cfg = EIEConfig(n_pe=n_pe, act_depth=16)
    dut = LNZDTree(cfg)
    rng = random.Random(n_pe)
    items = {k: sorted(rng.sample(range(16), rng.randint(0, 6))) for k in range(n_pe)}
    values = {(k, r): rng.randrange(-32768, 32768) for k in items for r in items[k]}
    got = []
    total = sum(len(v) for v in items.values())

    async def bench(ctx):
        pos = {k: 0 for k in items}
        for _ in range(20 * total + 20):
            for k in range(n_pe):                 # leaves: valid while they have items
                leaf = dut.leaf[k]
                if pos[k] < len(items[k]):
                    r = items[k][pos[k]]
                    ctx.set(leaf.valid, 1)
                    ctx.set(leaf.payload.r, r)
                    ctx.set(leaf.payload.a, values[(k, r)])
                else:
                    ctx.set(leaf.valid, 0)
            ready = rng.random() >= stall
            ctx.set(dut.o.ready, int(ready))
            if ready and ctx.get(dut.o.valid):
                got.append((ctx.get(dut.o.payload.j), ctx.get(dut.o.payload.a)))
            for k in range(n_pe):
                if ctx.get(dut.leaf[k].ready) and pos[k] < len(items[k]):
                    pos[k] += 1
            await ctx.tick()
        assert not ctx.get(dut.busy)
    simulate(clocked(dut), bench)
    want = [(r * n_pe + k, values[(k, r)]) for k in range(n_pe) for r in items[k]]
    assert got == want


@pytest.mark.parametrize("n_pe", [1, 4, 5, 16])
def test_tree_latency_is_its_level_count(n_pe):
    cfg = EIEConfig(n_pe=n_pe)
    dut = LNZDTree(cfg)
    cycles = []

    async def bench(ctx):
        ctx.set(dut.o.ready, 1)
        last = dut.leaf[n_pe - 1]
        ctx.set(last.valid, 1)
        ctx.set(last.payload.r, 3)
        for cycle in range(10):
            taken = ctx.get(last.ready)
            if ctx.get(dut.o.valid):
                cycles.append((cycle, ctx.get(dut.o.payload.j)))
            await ctx.tick()
            if taken:
                ctx.set(last.valid, 0)
    simulate(clocked(dut), bench)
    assert cycles == [(cfg.lnzd_levels, 3 * n_pe + n_pe - 1)]
