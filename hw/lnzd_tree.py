"""The leading-non-zero-detection quadtree over all PEs' local detectors."""

from amaranth.hdl import Cat, Module
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import act_layout, nonzero_layout
from eie_gen.hw.lnzd_node import FAN_IN, LNZDNode

__all__ = ["LNZDTree"]


class LNZDTree(EIEComponent):
    """Merge the PEs' ``(r, a)`` streams into one stream of ``(j = r * n_pe + k, a)``.

    ``lnzd_levels`` levels of :class:`LNZDNode` (4 children each); a level that is not full is
    padded with never-valid children, so any ``n_pe`` works (1 PE: no node, the leaf's stream
    passes through with ``j = r``). Each node prefers its lowest child, so the order is
    PE-major: all of PE 0's non-zeros (rows ascending), then PE 1's, and so on.

    Members
    -------
    leaf : In(stream.Signature(nonzero_layout)).array(n_pe), one per PE
    o : Out(stream.Signature(act_layout))
    busy : Out(1), some node holds an item.

    Latency: ``lnzd_levels`` cycles from a leaf to ``o``. Throughput: one item per cycle while
    any leaf has items.
    Resources: ``ceil(n_pe / 4) + ceil(n_pe / 16) + ...`` nodes (``16 + 4 + 1 = 21`` for 64 PEs), each a register
    of ``col_bits + act_bits`` and a 4:1 mux; a constant multiply by ``n_pe`` per leaf.
    """

    summary = "the leading-non-zero-detection quadtree over all PEs"
    waves = {"LNZD tree (broadcast)":
             ["o__valid", "o__ready", "o__payload", "busy"]}

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "leaf": In(stream.Signature(nonzero_layout(config))).array(config.n_pe),
            "o": Out(stream.Signature(act_layout(config))),
            "busy": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        # Level 0: each leaf's local row becomes the global column index.
        level = []
        for k in range(cfg.n_pe):
            leaf = self.leaf[k]
            s = stream.Signature(act_layout(cfg)).create(path=(f"in{k}",))
            m.d.comb += [
                s.valid.eq(leaf.valid),
                s.payload.j.eq(leaf.payload.r * cfg.n_pe + k),
                s.payload.a.eq(leaf.payload.a),
                leaf.ready.eq(s.ready),
            ]
            level.append(s)
        busy = []
        depth = 0
        while len(level) > 1:
            nxt = []
            for g in range(0, len(level), FAN_IN):
                node = LNZDNode(cfg)
                m.submodules[f"node_l{depth}_{g // FAN_IN}"] = node
                for n, child in enumerate(level[g:g + FAN_IN]):
                    wiring.connect(m, child, node.c[n])
                # Missing children stay at their reset value: valid 0.
                busy.append(node.busy)
                nxt.append(node.o)
            level, depth = nxt, depth + 1
        wiring.connect(m, level[0], wiring.flipped(self.o))
        m.d.comb += self.busy.eq(Cat(*busy).any() if busy else 0)
        return m
