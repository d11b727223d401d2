"""The pointer memory: one write and two read ports, a true dual-port block RAM on ECP5."""

from amaranth.hdl import Cat, ClockSignal, Const, Instance, Module, Signal, unsigned
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemReadSignature, MemWriteSignature
from eie_gen.hw.targets import target_of

__all__ = ["PointerMemory", "dp16kd_geometry"]

# DP16KD data widths and the word-address bits below each one's address (AD[13:k]).
_DP16KD_MODES = ((18, 4), (9, 3), (4, 2), (2, 1), (1, 0))


def dp16kd_geometry(width: int, depth: int):
    """``(mode_width, k, instances)``: the widest DP16KD mode that is ``depth`` deep, and how
    many side by side hold ``width`` bits; None when no mode is deep enough."""
    for mode, k in _DP16KD_MODES:
        if depth <= 16384 >> k:
            return mode, k, -(-width // mode)
    return None


class PointerMemory(EIEComponent):
    """``ptr_depth`` x ``ptr_word_bits`` with a write port that shares read port ``a``'s
    address and a second read port ``b``.

    Contract: reads are synchronous (address and ``en`` in cycle t, data in t + 1, held while
    ``en`` is low); a write lands at the end of its cycle; ``wr`` and ``a`` carry the same
    address whenever ``wr.en`` is high (the caller muxes it), and neither read port reads a
    word in the cycle it is written (the data would differ between targets).

    Targets (``elaborate``'s platform, :mod:`eie_gen.hw.targets`): ``generic`` is an Amaranth
    memory, which Yosys maps to one block RAM per read port; ``ecp5`` instantiates DP16KD in
    true dual-port mode, port A the write and ``a``, port B ``b``: one block RAM per
    ``dp16kd_geometry`` instance (one at the default capacity). Its simulation model is
    ``sim/models/ecp5/DP16KD.v``; a depth no DP16KD mode holds falls back to ``generic``.

    Members
    -------
    wr : In(MemWriteSignature(ptr_addr_bits, unsigned(ptr_word_bits)))
    a, b : In(MemReadSignature(ptr_addr_bits, unsigned(ptr_word_bits)))

    Latency: 1 cycle per read. Resources: see Targets.
    """

    summary = "the PE's pointer memory (a true dual-port RAM on ECP5)"

    def __init__(self, config: EIEConfig):
        cfg = config
        word = unsigned(cfg.ptr_word_bits)
        super().__init__(config, {
            "wr": In(MemWriteSignature(cfg.ptr_addr_bits, word)),
            "a": In(MemReadSignature(cfg.ptr_addr_bits, word)),
            "b": In(MemReadSignature(cfg.ptr_addr_bits, word)),
        })

    def elaborate(self, platform):
        cfg = self.config
        geometry = dp16kd_geometry(cfg.ptr_word_bits, cfg.ptr_depth)
        if target_of(platform) == "ecp5" and geometry is not None:
            return self._dp16kd(*geometry)
        m = Module()
        m.submodules.mem = mem = Memory(shape=unsigned(cfg.ptr_word_bits),
                                        depth=cfg.ptr_depth, init=[])
        wp, ra, rb = mem.write_port(), mem.read_port(), mem.read_port()
        m.d.comb += [wp.en.eq(self.wr.en), wp.addr.eq(self.wr.addr), wp.data.eq(self.wr.data)]
        for port, rp in ((self.a, ra), (self.b, rb)):
            m.d.comb += [rp.addr.eq(port.addr), rp.en.eq(port.en), port.data.eq(rp.data)]
        return m

    def _dp16kd(self, mode, k, instances):
        cfg = self.config
        m = Module()
        m.submodules.mem = tiles = Module()       # "mem", as the generic memory is named
        data = Cat(self.wr.data, Const(0, mode * instances - cfg.ptr_word_bits))
        outs = {p: [] for p in "AB"}
        for n in range(instances):
            ports = {}
            # At width 18 AD1/AD0 are the write's byte enables: both bytes on port A, which
            # writes; 0 on port B, which never does (as Yosys ties them).
            for p, addr, en, be in (("A", self.a.addr, self.a.en | self.wr.en, 0b11),
                                    ("B", self.b.addr, self.b.en, 0)):
                ad = Cat(Const(be if mode == 18 else 0, k), addr, Const(0, 14))[:14]
                do = Signal(18, name=f"do{p.lower()}{n}")
                outs[p].append(do[:mode])
                ports.update({f"i_AD{p}{i}": ad[i] for i in range(14)})
                ports.update({f"o_DO{p}{i}": do[i] for i in range(18)})
                ports.update({f"i_CLK{p}": ClockSignal("sync"), f"i_CE{p}": en,
                              f"i_OCE{p}": Const(1), f"i_RST{p}": Const(0),
                              **{f"i_CS{p}{i}": Const(0) for i in range(3)}})
            word = data[n * mode:(n + 1) * mode]
            ports.update({f"i_DIA{i}": word[i] if i < mode else Const(0) for i in range(18)})
            ports.update({f"i_DIB{i}": Const(0) for i in range(18)})
            ports.update({"i_WEA": self.wr.en, "i_WEB": Const(0)})
            tiles.submodules[f"tile{n}"] = Instance(
                "DP16KD", p_DATA_WIDTH_A=mode, p_DATA_WIDTH_B=mode, p_REGMODE_A="NOREG",
                p_REGMODE_B="NOREG", p_WRITEMODE_A="NORMAL", p_WRITEMODE_B="NORMAL",
                p_CSDECODE_A="0b000", p_CSDECODE_B="0b000", p_GSR="AUTO", **ports)
        m.d.comb += [self.a.data.eq(Cat(*outs["A"])), self.b.data.eq(Cat(*outs["B"]))]
        return m
