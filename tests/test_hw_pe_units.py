"""Each PE unit in the Amaranth simulator against an independent expectation.

Expectations come from the golden encoder/decoder and fixed-point helpers, or from plain Python
restatements of SPEC §2-3 (never from the unit under test).
"""

import random

import numpy as np
import pytest
from amaranth.hdl import Elaboratable, Module, Mux, ResetInserter, Signal
from amaranth.lib import wiring
from amaranth.sim import Simulator

from eie_gen.config import EIEConfig
from eie_gen.encode import decode_pe, encode_layer, pack_words
from eie_gen.golden.fixedpoint import wrap, writeback
from eie_gen.placement import pointer_words
from eie_gen.hw.accumulators import Accumulators
from eie_gen.hw.act_queue import ActivationQueue
from eie_gen.hw.act_store import ActivationStore
from eie_gen.hw.arith import ArithmeticUnit
from eie_gen.hw.lnzd_leaf import LNZDLeaf, lowest_set_bit
from eie_gen.hw.matrix_mem import MatrixMemory
from eie_gen.hw.ptr_read import PointerRead
from eie_gen.hw.relidx import RelativeIndex
from eie_gen.hw.spmat_read import SparseMatrixRead
from eie_gen.hw.layouts import shift_masks
from eie_gen.hw.writeback import WriteBack
from eie_gen.sim.bfm.stream import stream_through
from eie_gen.sim.io import AmaranthIO
from eie_gen.sim.amaranth import simulate

IDLE_STALL = [(0.0, 0.0), (0.4, 0.0), (0.0, 0.4), (0.3, 0.3)]


def pack(fields):
    """Pack ``[(value, width), ...]`` low field first (a StructLayout's bit order)."""
    out, shift = 0, 0
    for value, width in fields:
        out |= (int(value) & ((1 << width) - 1)) << shift
        shift += width
    return out


async def write_mem(ctx, port, values, base=0, flag=None):
    """Write through ``port``; an activation port gets ``flag`` (default: value != 0). The data
    is left at 0, as the accumulators' write port requires while idle."""
    for addr, value in enumerate(values, start=base):
        ctx.set(port.en, 1)
        ctx.set(port.addr, addr)
        ctx.set(port.data, int(value))
        if hasattr(port, "flag"):
            ctx.set(port.flag, int(value != 0) if flag is None else flag)
        await ctx.tick()
    ctx.set(port.en, 0)
    ctx.set(port.data, 0)


def on_memory(unit, m=None):
    """``unit`` (a SparseMatrixRead or an ActivationStore) on its MatrixMemory, as in the PE;
    into ``m`` if given."""
    m = Module() if m is None else m
    m.submodules += unit
    m.submodules.matrix = mem = MatrixMemory(unit.config)
    spmat = isinstance(unit, SparseMatrixRead)
    ports = ("spmat_wr", "spmat_rd") if spmat else ("act_wr", "act_rd")
    wiring.connect(m, unit.mem_wr, getattr(mem, ports[0]))
    wiring.connect(m, unit.mem_rd, getattr(mem, ports[1]))
    return m


# -- activation queue -------------------------------------------------------------------------

@pytest.mark.parametrize("idle, stall", IDLE_STALL)
@pytest.mark.parametrize("depth", [1, 3, 8])
def test_queue_keeps_order_under_pressure(depth, idle, stall):
    cfg = EIEConfig(fifo_depth=depth)
    dut = ActivationQueue(cfg)
    rng = random.Random(depth)
    items = [rng.getrandbits(cfg.ptr_addr_bits + cfg.act_bits) for _ in range(300)]
    got = []

    async def bench(ctx):
        got.extend(await stream_through(AmaranthIO(ctx, dut), "i", "o", items, rng, idle,
                                        stall))
    simulate(dut, bench)
    assert got == items


@pytest.mark.parametrize("depth", [1, 2, 8])
def test_queue_holds_its_slack_and_gives_room_below_depth(depth):
    """fifo_depth + 6 slots; room while fewer than fifo_depth + 2 are held (the broadcast's
    view is 2 cycles old, and 4 items may be on their way)."""
    cfg = EIEConfig(fifo_depth=depth)
    dut = ActivationQueue(cfg)
    slots = depth + 6
    seen = []

    async def bench(ctx):
        ctx.set(dut.o.ready, 0)
        ctx.set(dut.i.valid, 1)
        for n in range(slots + 3):
            seen.append((ctx.get(dut.i.ready), ctx.get(dut.level), ctx.get(dut.room)))
            await ctx.tick()
        ctx.set(dut.i.valid, 0)
        ctx.set(dut.o.ready, 1)
        await ctx.tick()
        seen.append((ctx.get(dut.i.ready), ctx.get(dut.level), ctx.get(dut.room)))
    simulate(dut, bench)
    assert [r for r, _, _ in seen[:slots]] == [1] * slots         # takes slots items...
    assert [r for r, _, _ in seen[slots:slots + 3]] == [0] * 3    # ...then refuses
    assert [level for _, level, _ in seen[:slots + 1]] == list(range(slots + 1))
    assert [room for _, _, room in seen[:slots + 1]] == [1] * (depth + 2) + [0] * 5
    assert seen[-1] == (1, slots - 1, 0)


# -- pointer read -------------------------------------------------------------------------

@pytest.mark.parametrize("idle, stall", IDLE_STALL)
@pytest.mark.parametrize("base", [0, 1, 6, 7])
def test_pointer_read_pairs_and_drops_empty_columns(base, idle, stall):
    cfg = EIEConfig(ptr_depth=64, act_depth=16)
    dut = PointerRead(cfg)
    rng = random.Random(base * 10 + int(idle * 10))
    cols = 64 - base - 1
    ptr = np.cumsum([0] + [rng.choice([0, 0, 1, 2, 9]) for _ in range(cols)])
    js = [rng.randrange(cols) for _ in range(200)]
    acts = [rng.randrange(-(1 << 15), 1 << 15) for _ in js]
    items = [pack([(base + j, cfg.ptr_addr_bits), (a, cfg.act_bits)]) for j, a in zip(js, acts)]
    want = [pack([(ptr[j], cfg.ptr_bits), (ptr[j + 1], cfg.ptr_bits), (a, cfg.act_bits)])
            for j, a in zip(js, acts) if ptr[j + 1] != ptr[j]]
    got = []

    async def bench(ctx):
        await write_mem(ctx, dut.wr, [0] * base + pointer_words(ptr, 0, cfg.ptr_bits))
        got.extend(await stream_through(AmaranthIO(ctx, dut), "i", "o", items, rng, idle,
                                        stall, n_out=len(want)))
    simulate(dut, bench)
    assert got == want


# -- sparse-matrix read -------------------------------------------------------------------

def _columns(rng, n_entries, n_cols):
    """Random non-empty ranges over ``n_entries``: mid-word starts, word crossings, singles."""
    cols = []
    for _ in range(n_cols):
        start = rng.randrange(n_entries - 1)
        end = min(n_entries, start + rng.choice([1, 1, 2, 3, 7, 8, 9, 17, 40]))
        cols.append((start, end))
    return cols


@pytest.mark.parametrize("idle, stall", IDLE_STALL)
@pytest.mark.parametrize("epw", [1, 2, 8])
def test_matrix_read_walks_entries(epw, idle, stall):
    cfg = EIEConfig(entries_per_word=epw, spmat_words=512 // epw)
    dut = SparseMatrixRead(cfg)
    rng = random.Random(epw)
    entries = [rng.randrange(256) for _ in range(500)]
    cols = _columns(rng, len(entries), 120)
    acts = [rng.randrange(-(1 << 15), 1 << 15) for _ in cols]
    items = [pack([(s, cfg.ptr_bits), (e, cfg.ptr_bits), (a, cfg.act_bits)])
             for (s, e), a in zip(cols, acts)]
    want = [pack([(entries[n] & 15, 4), (entries[n] >> 4, 4), (n == s, 1), (a, cfg.act_bits)])
            for (s, e), a in zip(cols, acts) for n in range(s, e)]
    got = []

    async def bench(ctx):
        await write_mem(ctx, dut.wr, pack_words(np.array(entries, np.uint8), epw))
        got.extend(await stream_through(AmaranthIO(ctx, dut), "i", "o", items, rng, idle,
                                        stall, n_out=len(want)))
    simulate(on_memory(dut), bench)
    assert got == want


@pytest.mark.parametrize("epw", [1, 8])
def test_matrix_read_issues_one_entry_per_cycle_across_columns_and_words(epw):
    """Columns waiting back to back come out with no bubble, whatever their alignment."""
    cfg = EIEConfig(entries_per_word=epw, spmat_words=512 // epw)
    dut = SparseMatrixRead(cfg)
    rng = random.Random(3)
    cols = _columns(rng, 500, 60)
    total = sum(e - s for s, e in cols)
    valid_cycles = []

    async def bench(ctx):
        await write_mem(ctx, dut.wr, [rng.getrandbits(8 * epw) for _ in range(512 // epw)])
        ctx.set(dut.o.ready, 1)
        sent = 0
        for cycle in range(total + 10):
            if sent < len(cols):
                s, e = cols[sent]
                ctx.set(dut.i.valid, 1)
                ctx.set(dut.i.payload.as_value(), pack([(s, cfg.ptr_bits), (e, cfg.ptr_bits)]))
            else:
                ctx.set(dut.i.valid, 0)
            if ctx.get(dut.o.valid):
                valid_cycles.append(cycle)
            if sent < len(cols) and ctx.get(dut.i.ready):
                sent += 1
            await ctx.tick()
    simulate(on_memory(dut), bench)
    assert valid_cycles == list(range(3, 3 + total))     # latency 3, then no gap


# -- relative index ---------------------------------------------------------------------------

@pytest.mark.parametrize("idle, stall", IDLE_STALL)
def test_relative_index_matches_the_decoder(idle, stall):
    """Rows from the unit equal golden's decode of an encoded slice with long zero runs."""
    cfg = EIEConfig(n_pe=1, act_depth=64)
    dut = RelativeIndex(cfg)
    rng = np.random.default_rng(5)
    v = rng.integers(1, 16, size=(64, 30))
    v[rng.random(v.shape) < 0.8] = 0
    v[:, 3] = 0                                  # an empty column
    v[:, 4] = 0
    v[[15, 16, 48], 4] = [1, 2, 3]              # runs of 15, 0 and 31 zeros
    v[:, 5] = 0
    v[63, 5] = 9                                 # a run of 63: three paddings
    ptr, entries, _ = encode_layer(v, 1)
    rows, cols, vals = decode_pe(ptr[0], entries, 64)
    col_of = np.repeat(np.arange(30), np.diff(ptr[0]))
    acts = rng.integers(-(1 << 15), 1 << 15, size=30)
    items = [pack([(e & 15, 4), (e >> 4, 4), (n == ptr[0][col_of[n]], 1),
                   (acts[col_of[n]], 16)]) for n, e in enumerate(entries)]
    want = [pack([(r, cfg.row_bits), (v_, 4), (acts[c], 16)])
            for r, c, v_ in zip(rows, cols, vals)]
    got = []
    prng = random.Random(1)

    async def bench(ctx):
        got.extend(await stream_through(AmaranthIO(ctx, dut), "i", "o", items, prng, idle,
                                        stall, n_out=len(want)))
    simulate(dut, bench)
    assert got == want


# -- arithmetic unit with the accumulators ------------------------------------------------------

class ArithBench(Elaboratable):
    """The arithmetic unit on the accumulators, as in the PE; ``peek`` lets the testbench read
    the accumulators once the unit is idle."""

    def __init__(self, cfg):
        self.arith = ArithmeticUnit(cfg)
        self.acc = Accumulators(cfg)
        self.peek_en, self.peek_addr = Signal(), Signal(cfg.row_bits)

    def elaborate(self, platform):
        m = Module()
        m.submodules.arith, m.submodules.acc = arith, acc = self.arith, self.acc
        wiring.connect(m, arith.acc_wr, acc.wr)
        m.d.comb += [arith.acc_rd.data.eq(acc.rd.data), acc.rd.oce.eq(1),
                     acc.rd.en.eq(arith.acc_rd.en | self.peek_en),
                     acc.rd.addr.eq(Mux(self.peek_en, self.peek_addr, arith.acc_rd.addr))]
        return m


async def read_rows(ctx, en, addr, data, n, latency=1):
    """Rows ``0 .. n-1`` through a synchronous read port's ``en``/``addr``/``data``, its data
    ``latency`` cycles after the address (2: through an output register, its ``oce`` high)."""
    out = []
    for r in range(n + latency - 1):
        ctx.set(en, int(r < n))
        ctx.set(addr, min(r, n - 1))
        await ctx.tick()
        if r >= latency - 1:
            out.append(ctx.get(data))
    ctx.set(en, 0)
    return out


async def wait_ready(ctx, acc):
    while not ctx.get(acc.ready):
        await ctx.tick()


@pytest.mark.parametrize("pattern", ["same_row", "alternate", "cycle3", "random", "pairs"])
@pytest.mark.parametrize("idle", [0.0, 0.5])
@pytest.mark.parametrize("acc_bits", [32, 20])
def test_arithmetic_unit_accumulates_exactly(pattern, idle, acc_bits):
    """Updates of one row 1, 2 and 3 cycles apart (the two bypasses and the memory), random
    rows, and wrapping sums."""
    cfg = EIEConfig(act_depth=16, acc_bits=acc_bits)
    bench_top = ArithBench(cfg)
    arith = bench_top.arith
    rng = np.random.default_rng(len(pattern) + acc_bits)
    n = 400
    rows = {"same_row": np.full(n, 3), "alternate": np.arange(n) % 2 * 5,
            "cycle3": np.arange(n) % 3, "random": rng.integers(0, 16, n),
            "pairs": np.arange(n) // 2 % 3}[pattern]
    vs = rng.integers(0, 16, n)
    acts = rng.integers(-(1 << 15), 1 << 15, n)
    codebook = rng.integers(-(1 << 15), 1 << 15, 16)
    want = np.zeros(16, dtype=np.int64)
    for r, v, a in zip(rows, vs, acts):
        want[r] = wrap(want[r] + int(codebook[v]) * int(a), acc_bits)
    prng = random.Random(2)
    got = []

    async def bench(ctx):
        await write_mem(ctx, arith.cb_wr, codebook)
        await wait_ready(ctx, bench_top.acc)
        for r, v, a in zip(rows, vs, acts):
            while prng.random() < idle:
                ctx.set(arith.i.valid, 0)
                await ctx.tick()
            ctx.set(arith.i.valid, 1)
            ctx.set(arith.i.payload.as_value(), pack([(r, cfg.row_bits), (v, 4), (a, 16)]))
            assert ctx.get(arith.i.ready)
            await ctx.tick()
        ctx.set(arith.i.valid, 0)
        for _ in range(ArithmeticUnit.latency):
            await ctx.tick()
        assert not ctx.get(arith.busy)
        got.extend(await read_rows(ctx, bench_top.peek_en, bench_top.peek_addr,
                                   bench_top.acc.rd.data, 16, latency=2))
    simulate(bench_top, bench)
    assert got == want.tolist()


# -- accumulators and activations ------------------------------------------------------------

def test_accumulators_zero_themselves_after_reset_and_on_clear():
    cfg = EIEConfig(act_depth=8, acc_bits=20)
    dut = Accumulators(cfg)
    rst = Signal()
    m = Module()
    m.submodules.acc = ResetInserter(rst)(dut)
    log = {}

    async def rows(ctx):
        return await read_rows(ctx, dut.rd.en, dut.rd.addr, dut.rd.data, 8, latency=2)

    async def bench(ctx):
        ctx.set(dut.rd.oce, 1)
        ready = []
        for _ in range(10):
            ready.append(ctx.get(dut.ready))
            await ctx.tick()
        log["ready"] = ready
        await write_mem(ctx, dut.wr, [3, -1, 5, 7, -(1 << 19), 9, 1, 2])
        log["written"] = await rows(ctx)
        for row in (1, 4):                                    # the write-back's clears
            ctx.set(dut.clear.en, 1)
            ctx.set(dut.clear.addr, row)
            await ctx.tick()
        ctx.set(dut.clear.en, 0)
        log["cleared"] = await rows(ctx)
        ctx.set(rst, 1)                                       # a reset in mid-layer
        await ctx.tick()
        ctx.set(rst, 0)
        log["after_reset"] = ctx.get(dut.ready)
        await wait_ready(ctx, dut)
        log["swept"] = await rows(ctx)
    simulate(m, bench)
    assert log["ready"] == [0] * 8 + [1, 1]
    assert log["written"] == [3, -1, 5, 7, -(1 << 19), 9, 1, 2]
    assert log["cleared"] == [3, 0, 5, 7, 0, 9, 1, 2]
    assert log["after_reset"] == 0 and log["swept"] == [0] * 8


def test_activation_store_keeps_biases_apart_and_flags_non_zeros():
    cfg = EIEConfig(act_depth=8, bias_depth=5)
    dut = ActivationStore(cfg)
    log = {}

    async def bench(ctx):
        await write_mem(ctx, dut.bias_wr, [-4, 3, 2, 1, 100])
        await write_mem(ctx, dut.act_wr, [5, 0, -7, 0, 0, 0, 0, 9])
        log["flags"] = ctx.get(dut.nonzero)
        ctx.set(dut.act_rd.oce, 1)
        ctx.set(dut.bias_rd.oce, 1)
        log["acts"] = await read_rows(ctx, dut.act_rd.en, dut.act_rd.addr, dut.act_rd.data, 8,
                                      latency=2)
        log["bias"] = await read_rows(ctx, dut.bias_rd.en, dut.bias_rd.addr, dut.bias_rd.data,
                                      5, latency=2)
        await write_mem(ctx, dut.act_wr, [0], base=0)                   # row 0 := 0
        await write_mem(ctx, dut.act_wr, [0], base=3, flag=1)           # the writer's flag
        log["flags_after"] = ctx.get(dut.nonzero)
        ctx.set(dut.clear, 1)
        await write_mem(ctx, dut.act_wr, [6], base=6)                   # with the clear: lost
        ctx.set(dut.clear, 0)
        log["cleared"] = ctx.get(dut.nonzero)
    simulate(on_memory(dut), bench)
    assert log["flags"] == 0b10000101
    assert log["acts"] == [5, 0, -7, 0, 0, 0, 0, 9] and log["bias"] == [-4, 3, 2, 1, 100]
    assert log["flags_after"] == 0b10001100
    assert log["cleared"] == 0


# -- leading non-zero detection --------------------------------------------------------------------

@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 6, 7])
def test_lowest_set_bit_exhaustive(width):
    bits = Signal(width)
    any_, idx = lowest_set_bit(bits)
    m = Module()
    out_any, out_idx = Signal(), Signal(8)
    m.d.comb += [out_any.eq(any_), out_idx.eq(idx)]
    bad = []

    async def bench(ctx):
        for value in range(1 << width):
            ctx.set(bits, value)
            got = (ctx.get(out_any), ctx.get(out_idx) if value else 0)
            want = (int(value != 0), (value & -value).bit_length() - 1 if value else 0)
            if got != want:
                bad.append((value, got, want))
    sim = Simulator(m)
    sim.add_testbench(bench)
    sim.run()
    assert not bad


@pytest.mark.parametrize("stall", [0.0, 0.5])
@pytest.mark.parametrize("depth", [1, 5, 64])
def test_leaf_emits_every_non_zero_ascending(depth, stall):
    cfg = EIEConfig(act_depth=depth)
    leaf, store = LNZDLeaf(cfg), ActivationStore(cfg)
    m = Module()
    m.submodules.leaf = leaf
    on_memory(store, m)
    wiring.connect(m, leaf.src_rd, store.act_rd)
    m.d.comb += [leaf.flags.eq(store.nonzero), store.bias_rd.oce.eq(1)]
    rng = random.Random(depth)
    values = [rng.choice([0, 0, 1, -1, 32767, -32768, rng.randrange(-999, 999)])
              for _ in range(depth)]
    runs = []

    async def bench(ctx):
        for _ in range(2):                  # a second scan of the same bank repeats the first
            await write_mem(ctx, store.act_wr, values)
            ctx.set(leaf.load, 1)
            await ctx.tick()
            ctx.set(leaf.load, 0)
            out = []
            for _ in range(4 * depth + 10):
                ready = rng.random() >= stall
                ctx.set(leaf.o.ready, int(ready))
                if ready and ctx.get(leaf.o.valid):
                    p = ctx.get(leaf.o.payload.as_value())
                    out.append((p & ((1 << cfg.row_bits) - 1),
                                ((p >> cfg.row_bits) ^ 0x8000) - 0x8000))
                if ctx.get(leaf.done) and not ctx.get(leaf.o.valid):
                    break
                await ctx.tick()
            runs.append(out)
    simulate(m, bench)
    want = [(r, a) for r, a in enumerate(values) if a != 0]
    assert runs == [want, want]


# -- write-back --------------------------------------------------------------------------------

def _boundary_accumulators(rng, bias, shift, acc_bits, act_bits):
    """64 accumulators whose sums with the shifted biases sit at the edges that matter at
    ``shift``: the output range's ends and its rounding steps, zero and the accumulator's
    own ends; the rest random."""
    step, half = 1 << shift, (1 << shift) >> 1
    edges = [(1 << (act_bits - 1)) * step, -(1 << (act_bits - 1)) * step - step, 0,
             1 << (acc_bits - 1), -(1 << (acc_bits - 1))]
    sums = [e + d for e in edges for d in (-half - 1, -half, -1, 0, half - 1, half)]
    sums += list(rng.integers(-(1 << (acc_bits - 1)), 1 << (acc_bits - 1), 64 - len(sums)))
    return wrap(np.array(sums[:64], dtype=np.int64) - (bias << shift), acc_bits)


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("acc_bits, act_bits, shifts", [
    (32, 16, range(32)), (48, 16, (0, 1, 7, 15, 16, 17, 31)), (24, 8, range(0, 32, 3)),
    (16, 16, (0, 1, 8, 15, 16, 31)), (12, 4, range(0, 16, 2))])
def test_writeback_rounds_saturates_and_relus_like_golden(acc_bits, act_bits, shifts, relu):
    cfg = EIEConfig(act_depth=64, acc_bits=acc_bits, act_bits=act_bits, bias_depth=80)
    wb, acc_mem, store = WriteBack(cfg), Accumulators(cfg), ActivationStore(cfg)
    m = Module()
    m.submodules.wb, m.submodules.acc = wb, acc_mem
    on_memory(store, m)
    peek_en, peek_addr = Signal(), Signal(cfg.row_bits)     # the testbench's reads
    m.d.comb += [acc_mem.rd.en.eq(wb.acc_rd.en | peek_en), wb.acc_rd.data.eq(acc_mem.rd.data),
                 acc_mem.rd.addr.eq(Mux(peek_en, peek_addr, wb.acc_rd.addr)),
                 acc_mem.rd.oce.eq(1)]
    wiring.connect(m, wb.acc_clr, acc_mem.clear)
    wiring.connect(m, wb.bias_rd, store.bias_rd)
    wiring.connect(m, wb.act_wr, store.act_wr)
    rng = np.random.default_rng(acc_bits + act_bits)
    bias = rng.integers(-(1 << (act_bits - 1)), 1 << (act_bits - 1), 64)
    bias[:3] = [0, (1 << (act_bits - 1)) - 1, -(1 << (act_bits - 1))]
    results, accs = {}, {}

    async def bench(ctx):
        await write_mem(ctx, store.bias_wr, [0] * 16 + list(bias))  # layer at bias_base 16
        ctx.set(store.act_rd.oce, 1)                # the host's and detector's: never hold
        ctx.set(wb.bias_base, 16)
        ctx.set(wb.relu, int(relu))
        await wait_ready(ctx, acc_mem)
        for shift in shifts:
            acc = _boundary_accumulators(rng, bias, shift, acc_bits, act_bits)
            accs[shift] = acc
            await write_mem(ctx, acc_mem.wr, acc)
            ctx.set(wb.shift, shift)
            ctx.set(wb.masks.as_value(), shift_masks(cfg, shift))
            ctx.set(wb.n_rows, 64)
            ctx.set(wb.start, 1)
            await ctx.tick()
            ctx.set(wb.start, 0)
            cycles = 1
            while ctx.get(wb.busy):
                await ctx.tick()
                cycles += 1
            outputs = await read_rows(ctx, store.act_rd.en, store.act_rd.addr,
                                      store.act_rd.data, 64, latency=2)
            left = await read_rows(ctx, peek_en, peek_addr, acc_mem.rd.data, 64, latency=2)
            results[shift] = (cycles, outputs, ctx.get(store.nonzero), left)
    simulate(m, bench)
    for shift, (cycles, got, flags, left) in results.items():
        want = writeback(wrap(accs[shift] + (bias << shift), acc_bits), shift, relu, act_bits)
        assert got == want.tolist(), f"shift {shift}"
        assert flags == sum(1 << r for r, y in enumerate(want) if y != 0), f"shift {shift}"
        assert left == [0] * 64, "the write-back leaves the accumulators zero"
        assert cycles == 64 + WriteBack.latency
