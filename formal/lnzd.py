"""The leading-non-zero detection: the leaf (one PE's detector), the node (four children into
one) and the tree (all PEs into the broadcast).

* :class:`LeafProof` (k-induction): after ``load``, the leaf sends every row whose flag was
  set once, lowest first, none skipped, with the source bank's value; the first 4 cycles after
  ``load`` and then with no gap until the last; ``done`` exactly when nothing is left.
* :class:`NodeProof` (k-induction): every item taken from a child leaves once, in the order
  taken; the lowest valid child is taken first; the children's ``ready`` never waits on
  ``o.ready``. The reference is a two-place queue (output register and skid) fed by the
  node's own takes. With ``burst=True`` the children are bursts as the leaves send them (all
  start in one cycle, no gap until each one's last item, never again after it); then the
  output is a burst too, starting one cycle later, and child-major: an item from child ``c``
  leaves only once children ``0 .. c-1`` have finished.
* :class:`TreeProof` (bounded, a whole layer): real leaves under the real tree; the root
  sends every non-zero of every PE once, PE-major and rows ascending within a PE, with
  ``j = r * n_pe + k`` and the right value.

The first two compose into the third for any size and any stall pattern: the leaves are
bursts starting together 4 cycles after the common ``load``, so by the burst lemma every node
of a level starts its output burst in the same cycle and sends child-major; by induction over
the levels the root sends PE-major, each PE's rows ascending (the leaf lemma). The bounded tree
proof checks the composition end to end on a whole layer.
"""

from __future__ import annotations

from itertools import combinations

from amaranth.asserts import AnySeq
from amaranth.hdl import Array, Assert, Assume, Cat, Const, Cover, Elaboratable, Module, \
    ResetSignal, Signal, Value

from eie_gen.hw.lnzd_leaf import LNZDLeaf
from eie_gen.hw.lnzd_node import FAN_IN, LNZDNode
from eie_gen.hw.lnzd_tree import LNZDTree

from eie_gen.formal.harness import Proof

__all__ = ["LeafProof", "NodeProof", "TreeProof"]


def _lowest(m, bits, name) -> Signal:
    """The index of the lowest set bit of ``bits`` (0 if none), written as a plain priority
    chain: the reference must not share the hardware's balanced encoder."""
    idx = Signal(range(max(2, len(bits))), name=name)
    for n in reversed(range(len(bits))):
        with m.If(bits[n]):
            m.d.comb += idx.eq(n)
    return idx


def _onehot(valid, row, width) -> Value:
    return (valid << row)[:width]


def _bank(m, cfg, ref, name) -> Array:
    """A source bank of ``act_depth`` values that the host may rewrite only while no row of it
    is pending (the leaf's contract); otherwise free."""
    bank = Array(Signal(cfg.act_bits, name=f"{name}{n}") for n in range(cfg.act_depth))
    with m.If(ref == 0):
        for n in range(cfg.act_depth):
            m.d.sync += bank[n].eq(AnySeq(cfg.act_bits))
    return bank


def _read_port(m, leaf, bank, name) -> Signal:
    """The bank's read port as the leaf sees it: a latch loaded while enabled, then an output
    register loaded while ``oce`` is high; the bits above ``act_bits`` are free (the leaf must
    ignore them). Returns the latch."""
    width, act_bits = len(leaf.src_rd.data), len(bank[0])
    latch = Signal(width, name=f"{name}_rd")
    out = Signal(width, name=f"{name}_out")
    high = [AnySeq(width - act_bits)] if width > act_bits else []
    with m.If(leaf.src_rd.en):
        m.d.sync += latch.eq(Cat(bank[leaf.src_rd.addr], *high))
    with m.If(leaf.src_rd.oce):
        m.d.sync += out.eq(latch)
    m.d.comb += leaf.src_rd.data.eq(out)
    return latch


class LeafProof(Proof):
    """An :class:`eie_gen.hw.lnzd_leaf.LNZDLeaf` on a modelled source bank. ``flags``, ``load`` and
    ``o.ready`` are free; ``load`` only comes while the leaf is done (the control unit's
    contract: a layer's scan starts after the last one drained)."""

    def __init__(self, config, mutate=None):
        super().__init__(LNZDLeaf(config), mutate)

    def properties(self, m, leaf):
        cfg = leaf.config
        depth = cfg.act_depth
        ref = Signal(depth)                   # rows still to leave, set by load
        age = Signal(range(5), init=4)        # cycles since the last load, saturating
        bank = _bank(m, cfg, ref, "bank")
        rd = _read_port(m, leaf, bank, "bank")
        m.d.comb += Assume(~leaf.load | leaf.done)

        take = leaf.o.valid & leaf.o.ready
        r = leaf.o.payload.r
        expected = _lowest(m, ref, "expected")
        with m.If(take):
            m.d.comb += [Assert(ref.bit_select(r, 1), "an output row is pending"),
                         Assert(r == expected, "the lowest pending row leaves first"),
                         Assert(leaf.o.payload.a.as_unsigned() == bank[r], "with the bank's value")]
            m.d.sync += ref.bit_select(r, 1).eq(0)
        with m.If(leaf.load):
            m.d.sync += [ref.eq(leaf.flags), age.eq(1)]
        with m.Elif(age != 4):
            m.d.sync += age.eq(age + 1)
        m.d.comb += Assert(leaf.done == (ref == 0), "done exactly when no row is left")
        with m.If(age != 4):
            m.d.comb += Assert(~leaf.o.valid, "nothing out in the 3 cycles after load")
        with m.Elif(ref != 0):
            m.d.comb += Assert(leaf.o.valid, "no gap while rows are left")

        # The invariant: the rows left are the pending mask plus the pipeline's four rows,
        # all different, in order (queue head < its second < stage 2 < stage 1 < any pending
        # row), the stages filled from the output back, and the values read are the bank's.
        pending = leaf._pending
        (v1, row1), (v2, row2) = leaf._s1, leaf._s2
        out_row, out_a = leaf._out
        vs, second_row, second_a = leaf._second
        v0 = leaf.o.valid
        stages = [(v0, out_row), (vs, second_row), (v2, row2), (v1, row1)]
        left = pending
        for v, row in stages:
            left = left | _onehot(v, row, depth)
        m.d.comb += Assert(left == ref, "pending and in flight are the rows left")
        at_or_below = lambda row: ((Const(2, depth + 1) << row) - 1)[:depth]   # noqa: E731
        for (va, ra), (vb, rb) in combinations(stages, 2):
            with m.If(va & vb):
                m.d.comb += Assert(ra < rb, "the pipeline's rows ascend")
        for v, row in stages:
            with m.If(v):
                m.d.comb += Assert((pending & at_or_below(row)) == 0,
                                   "pending rows are above the pipeline's")
        m.d.comb += Assert(~vs | v0, "the second place fills only behind the head")
        count, h_valid, s3_valid = leaf._queue
        m.d.comb += Assert((count <= 2) & (v0 == (count != 0)) & (vs == (count == 2)),
                           "the output queue's count, valid and full agree")
        m.d.comb += Assert(count == h_valid + s3_valid,
                           "the queue is the hold register and stage 3")
        with m.If(vs):
            m.d.comb += Assert(second_a == bank[second_row], "the second holds its row's value")
        m.d.comb += Assert(~v1 | v2 | (age < 3), "stage 2 fills before stage 1 waits")
        m.d.comb += Assert(~v2 | v0 | (age < 4), "the output fills before stage 2 waits")
        m.d.comb += Assert((pending == 0) | v1 | (age < 2), "stage 1 fills while rows pend")
        with m.If(age == 1):
            m.d.comb += Assert(~v1 & ~v2, "load empties the pipeline")
        with m.If(age == 2):
            m.d.comb += Assert(~v2, "stage 2 is empty a cycle after load")
        with m.If(v2):
            m.d.comb += Assert(rd[:cfg.act_bits] == bank[row2], "stage 2's value is read")
        with m.If(v0):
            m.d.comb += Assert(out_a == bank[out_row], "the output holds its row's value")
        # Reachability: a full bank drained under a stall, the last row out.
        full = Signal()
        with m.If(leaf.load):
            m.d.sync += full.eq(leaf.flags.all())
        stalled = Signal()
        with m.If(leaf.o.valid & ~leaf.o.ready & full):
            m.d.sync += stalled.eq(1)
        m.d.comb += Cover(stalled & take & (ref == (1 << (depth - 1))))


class NodeProof(Proof):
    """An :class:`eie_gen.hw.lnzd_node.LNZDNode` with its proof obligations; ``burst=True`` adds the
    burst lemma (module docstring)."""

    def __init__(self, config, mutate=None, burst=False):
        super().__init__(LNZDNode(config), mutate)
        self.burst = burst

    def properties(self, m, node):
        children = list(node.c)
        width = len(node.o.payload.as_value())
        started = Signal()                       # a cycle has passed since reset
        m.d.sync += started.eq(1)

        # Children obey the stream rules: a valid item is held until taken.
        was_valid = []
        for n, c in enumerate(children):
            was_v, was_taken = Signal(name=f"c{n}_was_valid"), Signal(name=f"c{n}_taken")
            was = Signal(width, name=f"c{n}_was")
            m.d.sync += [was_v.eq(c.valid), was_taken.eq(c.valid & c.ready),
                         was.eq(c.payload.as_value())]
            with m.If(started & was_v & ~was_taken & ~ResetSignal()):
                m.d.comb += Assume(c.valid & (c.payload.as_value() == was))
            was_valid.append(was_v)

        # Which child is taken, and the priority rule.
        taken = Cat(c.valid & c.ready for c in children)
        m.d.comb += Assert((taken & (taken - 1)) == 0, "at most one child taken per cycle")
        for n, c in enumerate(children):
            lower = Cat(children[k].valid for k in range(n))
            with m.If(c.valid & c.ready):
                if n:
                    m.d.comb += Assert(lower == 0, f"child {n} taken only with no lower one valid")
            m.d.comb += Assert(~c.ready | ~node._skid_valid, "children wait only on the skid")
        # No stall without cause: with the skid empty, the lowest valid child is taken.
        with m.If(~node._skid_valid & Cat(c.valid for c in children).any()):
            m.d.comb += Assert(taken != 0, "an empty skid takes a valid child")

        # The reference: a two-place queue of the items taken, in order, each with the
        # child it came from.
        ref = Array(Signal(width, name=f"ref{n}") for n in range(2))
        tag = Array(Signal(range(FAN_IN), name=f"tag{n}") for n in range(2))
        count = Signal(range(3))
        push = taken.any()
        item = Signal(width)
        source = Signal(range(FAN_IN))
        for n, c in reversed(list(enumerate(children))):
            with m.If(c.valid & c.ready):
                m.d.comb += [item.eq(c.payload.as_value()), source.eq(n)]
        pop = node.o.valid & node.o.ready
        with m.If(pop):
            m.d.sync += [ref[0].eq(ref[1]), tag[0].eq(tag[1])]
        with m.If(push):
            m.d.sync += [ref[count - pop].eq(item), tag[count - pop].eq(source)]
        m.d.sync += count.eq(count + push - pop)
        m.d.comb += [
            Assert(count <= 2, "at most two items held"),
            Assert(node.o.valid == (count != 0), "o valid exactly when an item is held"),
            Assert(node._skid_valid == (count == 2), "the skid holds the second item"),
            Assert(node.busy == (count != 0), "busy exactly when an item is held"),
        ]
        with m.If(node.o.valid):
            m.d.comb += Assert(node.o.payload.as_value() == ref[0], "o is the oldest item")
        with m.If(node._skid_valid):
            m.d.comb += Assert(node._skid.as_value() == ref[1], "the skid is the second item")
        if self.burst:
            self._burst(m, node, children, was_valid, tag, count)
        else:
            # Reachability: a stall that fills the skid, then two items out back to back.
            m.d.comb += Cover(node._skid_valid & pop)

    def _burst(self, m, node, children, was_valid, tag, count):
        # The children are bursts: any of them may be valid in the cycle the layer starts
        # (``go``, once); after it, only a child that was valid the cycle before.
        go = AnySeq(1)
        running = Signal()
        start = go & ~running
        m.d.sync += running.eq(running | go)
        for c, was_v in zip(children, was_valid):
            m.d.comb += Assume(~c.valid | start | (running & was_v))
        any_valid = Cat(c.valid for c in children).any()
        after_start = Signal()
        any_at_start = Signal()
        o_was_valid = Signal()
        m.d.sync += [after_start.eq(start), any_at_start.eq(start & any_valid),
                     o_was_valid.eq(node.o.valid)]

        with m.If(~running):
            m.d.comb += Assert(~node.o.valid, "no output before the burst")
        with m.If(after_start):
            m.d.comb += Assert(node.o.valid == any_at_start, "output starts one cycle later")
        with m.If(running & ~after_start):
            m.d.comb += Assert(o_was_valid | ~node.o.valid, "the output burst starts once")
        with m.If(running & any_valid):
            m.d.comb += Assert(node.o.valid, "no gap while a child is still sending")
        for n in range(1, FAN_IN):
            for held, t in [(node.o.valid, tag[0]), (node._skid_valid, tag[1])]:
                with m.If(held & (t == n)):
                    m.d.comb += Assert(Cat(c.valid for c in children[:n]) == 0,
                                       "an item from child n only after children below n")
        with m.If(count == 2):
            m.d.comb += Assert(tag[0] <= tag[1], "held items are child-major")
        # Reachability: the last child's item out while the skid holds one too.
        m.d.comb += Cover(running & node.o.valid & (tag[0] == FAN_IN - 1) & node._skid_valid)


class _TreeBench(Elaboratable):
    """``n_pe`` real leaves under the real tree (their ``load`` and ``flags`` free), so
    :class:`TreeProof` can reach the leaves' ports."""

    def __init__(self, config):
        self.config = config
        self.leaves = [LNZDLeaf(config) for _ in range(config.n_pe)]
        self.tree = LNZDTree(config)
        self.load = Signal()
        self.o_ready = Signal()
        for u in [*self.leaves, self.tree]:
            u._MustUse__silence = True

    def elaborate(self, platform):
        m = Module()
        for k, leaf in enumerate(self.leaves):
            m.submodules[f"leaf{k}"] = leaf
            tree_in = self.tree.leaf[k]
            m.d.comb += [leaf.load.eq(self.load), tree_in.valid.eq(leaf.o.valid),
                         tree_in.payload.eq(leaf.o.payload), leaf.o.ready.eq(tree_in.ready)]
        m.submodules.tree = self.tree
        m.d.comb += self.tree.o.ready.eq(self.o_ready)
        return m


class TreeProof(Proof):
    """A whole layer through real leaves and the real tree, checked for ``depth`` cycles
    (bounded: the composition argument in the module docstring is the unbounded proof)."""

    def __init__(self, config, mutate=None):
        super().__init__(_TreeBench(config), mutate)

    @property
    def ports(self) -> list:
        bench = self.dut
        return [bench.load, bench.o_ready, *(leaf.flags for leaf in bench.leaves)]

    def properties(self, m, bench):
        cfg = bench.config
        n_pe, depth = cfg.n_pe, cfg.act_depth
        ref = [Signal(depth, name=f"ref{k}") for k in range(n_pe)]
        left = Cat(r.any() for r in ref)
        banks = [_bank(m, cfg, r, f"bank{k}_") for k, r in enumerate(ref)]
        for k, (leaf, bank) in enumerate(zip(bench.leaves, banks)):
            _read_port(m, leaf, bank, f"bank{k}")
        o = bench.tree.o
        all_done = Cat(leaf.done for leaf in bench.leaves).all() & ~bench.tree.busy
        # One layer, loaded in the first cycle (later layers: the lemmas).
        first = Signal(init=1)
        m.d.sync += first.eq(0)
        m.d.comb += Assume(bench.load == first)

        # The next item is the lowest row of the lowest PE with rows left.
        k_exp = _lowest(m, left, "k_expected")
        r_exp = Signal(range(depth))
        for k in range(n_pe):
            with m.If(k_exp == k):
                m.d.comb += r_exp.eq(_lowest(m, ref[k], f"r_expected{k}"))
        take = o.valid & o.ready
        with m.If(take):
            m.d.comb += [Assert(left != 0, "an output only while rows are left"),
                         Assert(o.payload.j == r_exp * n_pe + k_exp,
                                "PE-major, rows ascending, j = r * n_pe + k"),
                         Assert(o.payload.a.as_unsigned() == Array(banks)[k_exp][r_exp],
                                "with the source bank's value")]
            for k in range(n_pe):
                with m.If(k_exp == k):
                    m.d.sync += ref[k].bit_select(r_exp, 1).eq(0)
        with m.If(bench.load):
            m.d.sync += [r.eq(leaf.flags) for r, leaf in zip(ref, bench.leaves)]
        m.d.comb += Assert(all_done == (left == 0), "done exactly when no row is left")
        # Reachability: a layer with every row of every PE set, drained to its last item.
        full = Signal()
        with m.If(bench.load):
            m.d.sync += full.eq(Cat(leaf.flags for leaf in bench.leaves).all())
        m.d.comb += Cover(full & take & (Cat(ref) == 1 << (n_pe * depth - 1)))
