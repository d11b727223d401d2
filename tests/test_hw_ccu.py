"""The control unit's two halves on their own, in the Amaranth simulator: the register block
against the address map (eie_gen.addrmap, the contract), the sequencer against the run SPEC §4
and docs/implementation.md describe, with the PEs and the tree played by the testbench."""

import pytest

from eie_gen import addrmap as am_
from eie_gen.config import EIEConfig
from eie_gen.hw.ccu_regs import RegisterBlock
from eie_gen.hw.ccu_seq import Sequencer
from eie_gen.hw.layouts import READ_LATENCY, STATUS_LATENCY, shift_masks
from eie_gen.sim.amaranth import simulate

CFG = EIEConfig(n_pe=3, max_layers=4)
AMAP = am_.address_map(CFG)


async def write(ctx, dut, addr, data):
    """One bus write; returns the PE write ports in the cycle after it and the pulses in the
    cycle after that (both registered, the pulses twice), as bus writes are spaced."""
    ctx.set(dut.bus.addr, addr)
    ctx.set(dut.bus.w_data, data)
    ctx.set(dut.bus.w_en, 1)
    await ctx.tick()
    ctx.set(dut.bus.w_en, 0)
    seen = dict(ptr=ctx.get(dut.ptr_wr.en), spmat=ctx.get(dut.spmat_wr.en),
                spmat_data=ctx.get(dut.spmat_wr.data), spmat_addr=ctx.get(dut.spmat_wr.addr),
                bias=ctx.get(dut.bias_wr.en), wr_sel=ctx.get(dut.wr_sel),
                act=(ctx.get(dut.act_wr.en), ctx.get(dut.wr_sel), ctx.get(dut.act_wr.addr),
                     ctx.get(dut.act_wr.data)),
                early=[ctx.get(getattr(dut, name)) for name in ("start", "ack")])
    await ctx.tick()
    seen.update({name: ctx.get(getattr(dut, name)) for name in ("start", "ack")})
    return seen


async def read(ctx, dut, addr):
    """One bus read; ``r_data`` for each of the READ_LATENCY + 1 cycles that follow."""
    ctx.set(dut.bus.addr, addr)
    ctx.set(dut.bus.r_en, 1)
    await ctx.tick()
    ctx.set(dut.bus.r_en, 0)
    seen = []
    for _ in range(READ_LATENCY + 1):
        seen.append(ctx.get(dut.bus.r_data))
        await ctx.tick()
    return seen


def test_reads_return_the_map_three_cycles_later():
    dut, got = RegisterBlock(CFG), {}

    async def bench(ctx):
        ctx.set(dut.cycles, 123456)
        ctx.set(dut.done, 1)
        await write(ctx, dut, AMAP.ctrl(am_.N_LAYERS), 3)
        await write(ctx, dut, AMAP.ctrl(am_.IRQ_EN), 1)
        for n, name in enumerate(am_.ID_FIELDS):
            got[name] = await read(ctx, dut, AMAP.id_base + 4 * n)
        for reg in (am_.N_LAYERS, am_.STATUS, am_.CYCLES, am_.IRQ_EN):
            got[reg] = await read(ctx, dut, AMAP.ctrl(reg))
        got["irq"] = ctx.get(dut.irq)

    simulate(dut, bench)
    # r_en in cycle 0: data in the cycle READ_LATENCY after it (index READ_LATENCY - 1 here),
    # the previous read's data until then.
    words = list(AMAP.id_values().values()) + [3, am_.STATUS_DONE, 123456, 1]
    names = list(am_.ID_FIELDS) + [am_.N_LAYERS, am_.STATUS, am_.CYCLES, am_.IRQ_EN]
    prev = 0
    for name, want in zip(names, words):
        seen = got[name]
        assert seen[READ_LATENCY - 1:] == [want, want], (name, seen)
        assert seen[READ_LATENCY - 2] == prev, (name, seen)
        prev = want
    assert got["irq"] == 1


def test_writes_while_busy_are_ignored_except_ctrl_and_irq_en():
    dut, got = RegisterBlock(CFG), {}

    async def bench(ctx):
        await write(ctx, dut, AMAP.ctrl(am_.N_LAYERS), 2)
        ctx.set(dut.busy, 1)
        await write(ctx, dut, AMAP.ctrl(am_.N_LAYERS), 4)
        await write(ctx, dut, AMAP.layer(0, "shift"), 7)
        got["start"] = (await write(ctx, dut, AMAP.ctrl(am_.CTRL), am_.CTRL_START))["start"]
        got["ack"] = (await write(ctx, dut, AMAP.ctrl(am_.CTRL), am_.CTRL_ACK))["ack"]
        got["ptr"] = (await write(ctx, dut, AMAP.ptr(1, 0), 5))["ptr"]
        got["bias"] = (await write(ctx, dut, AMAP.bias(1, 0), 5))["bias"]
        await write(ctx, dut, AMAP.ctrl(am_.IRQ_EN), 1)
        got["busy_act"] = (await write(ctx, dut, AMAP.act(2, 3), 0xFFFF_FFFE))["act"][0]
        ctx.set(dut.busy, 0)
        got["act"] = (await write(ctx, dut, AMAP.act(2, 3), 0xFFFF_FFFE))["act"]
        got["n_layers"] = ctx.get(dut.n_layers)
        got["irq_en"] = (await read(ctx, dut, AMAP.ctrl(am_.IRQ_EN)))[-1]
        ctx.set(dut.layer_index, 0)
        await ctx.tick().repeat(2)
        got["shift"] = ctx.get(dut.layer.shift)

    simulate(dut, bench)
    assert got["n_layers"] == 2 and got["shift"] == 0
    assert got["start"] == 0 and got["ptr"] == 0 and got["bias"] == 0
    assert got["ack"] == 1 and got["irq_en"] == 1
    assert got["busy_act"] == 0 and got["act"] == (1, 0b100, 3, -2)


def test_start_needs_an_idle_core_and_a_layer():
    dut, got = RegisterBlock(CFG), []

    async def bench(ctx):
        await write(ctx, dut, AMAP.ctrl(am_.N_LAYERS), 0)
        got.append((await write(ctx, dut, AMAP.ctrl(am_.CTRL), am_.CTRL_START))["start"])
        await write(ctx, dut, AMAP.ctrl(am_.N_LAYERS), 1)
        seen = await write(ctx, dut, AMAP.ctrl(am_.CTRL), am_.CTRL_START)
        got.extend([seen["early"][0], seen["start"]])   # two cycles after the write
        await ctx.tick()
        got.append(ctx.get(dut.start))                  # a pulse, not a level

    simulate(dut, bench)
    assert got == [0, 0, 1, 0]


def test_descriptors_and_codebooks_are_stored_per_layer():
    dut = RegisterBlock(CFG)
    desc = {"ptr_base": 300, "bias_base": 17, "n_rows": 9, "shift": 12, "relu": 1}
    got = {}

    async def bench(ctx):
        for L in (1, 2):
            for name, value in desc.items():
                await write(ctx, dut, AMAP.layer(L, name), value + (L == 2))
            for v in range(CFG.codebook_size):
                await write(ctx, dut, AMAP.codebook(L, v), (-1) ** v * (100 * L + v))
        ctx.set(dut.layer_index, 1)
        got["early"] = ctx.get(dut.layer.ptr_base)      # registered: layer 0's until the edge
        await ctx.tick()
        got["layer"] = {name: ctx.get(getattr(dut.layer, name)) for name in desc}
        await ctx.tick()                                # the masks: a cycle later
        got["masks"] = {name: ctx.get(getattr(dut.layer.wb_masks, name))
                        for name in ("fits", "keep", "sign", "zero")}
        got["cb"] = []
        ctx.set(dut.cb_rd.oce, 1)
        for v in range(CFG.codebook_size):                 # the latch, the output register
            ctx.set(dut.cb_rd.addr, CFG.codebook_size * 2 + v)
            ctx.set(dut.cb_rd.en, 1)
            await ctx.tick().repeat(2)
            got["cb"].append(ctx.get(dut.cb_rd.data))

    simulate(dut, bench)
    assert got["early"] == 0
    assert got["layer"] == desc
    # shift 12 of 32-bit sums into 16-bit outputs: t >> 12 has 20 bits, its top p = 19; the
    # range test's pairs (15, 16) .. (18, 19) lie at or below it, and every output bit.
    assert got["masks"] == {"fits": 0b1111, "keep": (1 << 15) - 1, "sign": 1 << 12, "zero": 0}
    assert got["cb"] == [(-1) ** v * (200 + v) for v in range(CFG.codebook_size)]


@pytest.mark.parametrize("cfg", [CFG, EIEConfig(n_pe=1, acc_bits=20, act_bits=8),
                                 EIEConfig(n_pe=1, acc_bits=48)], ids=["a32", "a20", "a48"])
def test_the_write_back_masks_decode_every_shift(cfg):
    """The control unit's logic against layouts.shift_masks, the decode the write-back's
    regressions check against golden at every shift."""
    dut, got = RegisterBlock(cfg), {}

    async def bench(ctx):
        ctx.set(dut.layer_index, 0)
        for shift in range(32):
            await write(ctx, dut, am_.address_map(cfg).layer(0, "shift"), shift)
            await ctx.tick().repeat(3)
            got[shift] = ctx.get(dut.layer.wb_masks.as_value())

    simulate(dut, bench)
    assert got == {shift: shift_masks(cfg, shift) for shift in range(32)}


def test_matrix_words_are_staged_and_written_with_their_last_part():
    dut, seen = RegisterBlock(CFG), []
    parts = [0x1111_1111 * (p + 1) for p in range(AMAP.spmat_sub)]
    word = sum(p << (32 * i) for i, p in enumerate(parts)) & ((1 << CFG.word_bits) - 1)

    async def bench(ctx):
        for sub, part in enumerate(parts):
            seen.append(await write(ctx, dut, AMAP.spmat(2, 5, sub), part))

    simulate(dut, bench)
    assert [s["spmat"] for s in seen] == [0] * (len(parts) - 1) + [1]
    assert (seen[-1]["spmat_addr"], seen[-1]["spmat_data"], seen[-1]["wr_sel"]) == \
        (5, word, 0b100)


@pytest.mark.parametrize("ready_after", [0, 5])
@pytest.mark.parametrize("layers, broadcast, rows", [(1, 0, 0), (2, 5, 3), (3, 1, 8)])
def test_the_sequencer_runs_every_layer(layers, broadcast, rows, ready_after):
    """``ready_after``: the PEs finish zeroing their accumulators that many cycles after
    START; the run waits for them and CYCLES does not count the wait. The testbench plays
    eie_top: the PEs see ``scan`` and ``wb_start`` a cycle after the sequencer sends them,
    ``tree_done`` is low for ``broadcast`` cycles after the PEs' scan (as eie_top's status
    registers deliver it); the write-back of ``rows`` rows is counted by the sequencer."""
    dut = Sequencer(CFG)
    log = {"scan": [], "wb_start": [], "cb": [], "layer": []}

    async def bench(ctx):
        ctx.set(dut.n_layers, layers)
        ctx.set(dut.n_rows, rows)
        ctx.set(dut.all_idle, 1)
        ctx.set(dut.all_ready, ready_after == 0)
        ctx.set(dut.start, 1)
        await ctx.tick()
        ctx.set(dut.start, 0)
        t, wait, mem = 1, None, [0, 0]
        while ctx.get(dut.busy):
            ctx.set(dut.all_ready, t >= ready_after)
            ctx.set(dut.cb_rd.data, mem[0])       # the memory: data two cycles late
            mem = [mem[1], 1000 + ctx.get(dut.cb_rd.addr)]
            # The inputs first: wb_start follows tree_done in the same cycle.
            ctx.set(dut.tree_done, not (wait and wait[0] == "tree" and t < wait[1] - 1))
            for name in ("scan", "wb_start"):     # sent a cycle early: eie_top registers them
                if ctx.get(getattr(dut, name)):
                    log[name].append(t + 1)
            if ctx.get(dut.cb_wr.en):
                log["cb"].append((ctx.get(dut.cb_wr.addr), ctx.get(dut.cb_wr.data)))
            if log["scan"] and log["scan"][-1] == t + 1:    # the tree is busy for a while
                wait = ("tree", t + 3 + broadcast)
            log["layer"].append(ctx.get(dut.layer_index))
            await ctx.tick()
            t += 1
        log["t"], log["cycles"], log["done"] = t, ctx.get(dut.cycles), ctx.get(dut.done)
        ctx.set(dut.ack, 1)
        await ctx.tick()
        log["acked"] = ctx.get(dut.done)

    simulate(dut, bench)
    n = CFG.codebook_size
    # Each layer: its codebook (read address L*n + v) to PE address v, then a scan.
    assert log["cb"] == [(v, 1000 + L * n + v) for L in range(layers) for v in range(n)]
    # START in cycle 0, the codebook copy in cycles 1 .. n + 2 (after the wait), the first
    # scan next.
    assert log["scan"][0] == n + 3 + ready_after
    assert len(log["scan"]) == len(log["wb_start"]) == layers
    # Settle 1 + STATUS_LATENCY cycles, then wait for the tree; the write-back pulse next.
    w = rows + 8 if rows else 1
    for L in range(layers):
        assert log["wb_start"][L] - log["scan"][L] == max(2 + STATUS_LATENCY, broadcast + 1) + 1
        if L + 1 < layers:              # the write-back's w cycles, the codebook, the scan
            assert log["scan"][L + 1] - log["wb_start"][L] == w + n + 3
    assert log["t"] == log["wb_start"][-1] + w + 1
    assert sorted(set(log["layer"])) == list(range(layers))
    assert log["done"] == 1 and log["acked"] == 0
    assert log["cycles"] == log["t"] - 1 - ready_after    # the cycles busy was high, less the wait
