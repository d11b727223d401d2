"""The PE's matrix memory and activation-store memory; on ECP5, where it costs no block RAM
more, both in the same DP16KD tiles."""

from types import SimpleNamespace

from amaranth.hdl import (Cat, ClockSignal, Const, Instance, Module, Mux, Signal, signed,
                          unsigned)
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In

from eie_gen.config import EIEConfig

from eie_gen.hw.act_store import region_bits
from eie_gen.hw.base import EIEComponent
from eie_gen.hw.dp16kd import dp16kd_geometry, dp16kd_tiles, output_register
from eie_gen.hw.layouts import MemWriteSignature, RegReadSignature
from eie_gen.hw.targets import target_of

__all__ = ["MatrixMemory", "shared_base", "shared_depth", "shared_width", "uses_spram"]

SPRAM_WIDTH, SPRAM_DEPTH, SPRAMS = 16, 16384, 4     # the iCE40 UP5K's SB_SPRAM256KA


def uses_spram(cfg: EIEConfig) -> bool:
    """Whether the ``ice40`` matrix is an SB_SPRAM256KA: one a PE, so words of at most 16
    bits (``entries_per_word`` 2), at most 16384 of them, and at most the UP5K's four PEs."""
    return (cfg.word_bits <= SPRAM_WIDTH and cfg.spmat_words <= SPRAM_DEPTH
            and cfg.n_pe <= SPRAMS)


def shared_base(cfg: EIEConfig, target: str):
    """The word of the shared memory where the activation store's region starts, or None
    when the two memories stay apart: on every target but ``ecp5``, and on ``ecp5`` when the
    matrix's DP16KD tiles cannot hold the region too (at the default capacities the matrix
    fills its four). The region starts at a multiple of its own span, so its address is a
    concatenation, not a sum."""
    if target != "ecp5":
        return None
    span = 1 << (region_bits(cfg) + 1)
    base = -(-cfg.spmat_words // span) * span
    alone = dp16kd_geometry(cfg.word_bits, cfg.spmat_words)
    shared = dp16kd_geometry(shared_width(cfg), shared_depth(cfg, base))
    if alone is None or shared is None or shared[2] > alone[2]:
        return None
    return base


def shared_width(cfg: EIEConfig) -> int:
    return max(cfg.word_bits, cfg.act_bits)


def shared_depth(cfg: EIEConfig, base: int) -> int:
    """Words of the shared memory: the matrix, then the region from ``base``."""
    return base + (1 << region_bits(cfg)) + cfg.act_depth


class MatrixMemory(EIEComponent):
    """The sparse matrix (``spmat_words`` x ``word_bits``) and the activation store's region
    (biases and activations, ``act_bits`` wide, see :func:`~eie_gen.hw.act_store.region_bits`).

    The matrix is read only while a layer computes and written only while the PE is idle; the
    region is read by the detector while a layer computes and, during the write-back, read
    (biases) on one port and written (outputs) on another; so one true dual-port RAM holds
    both: port A the matrix read and every write, port B the region's reads. Where
    :func:`shared_base` allows it (``ecp5``), that is what is built: DP16KD tiles of
    ``max(word_bits, act_bits)``, the region at word ``shared_base``, our simulation model in
    ``sim/models/ecp5/DP16KD.v``. Otherwise (``generic``, ``ice40``, and ecp5 at capacities
    where it would cost a tile) two memories: ``spmat`` (one port, read and write sharing
    the address, as a single-port block RAM; on ``ice40`` an SB_SPRAM256KA where
    :func:`uses_spram`, model ``sim/models/ice40/SB_SPRAM256KA.v``) and ``act`` (simple
    dual-port; on ``ecp5`` DP16KD tiles read through their output register).

    Contract: reads through an output register (:class:`~eie_gen.hw.layouts.RegReadSignature`:
    address and ``en`` in cycle t, data in t + 2 with ``oce`` high in t + 1, held while
    ``oce`` is low; on ``ecp5`` the DP16KD's own, REGMODE OUTREG); a write lands at the end of its cycle. ``spmat_wr`` and ``act_wr`` never
    in one cycle; ``spmat_rd`` never while either writes; the two ports never write and read
    one word in a cycle.

    Members
    -------
    spmat_wr : In(MemWriteSignature(spmat_addr_bits, unsigned(word_bits)))
    spmat_rd : In(RegReadSignature(spmat_addr_bits, unsigned(word_bits)))
    act_wr : In(MemWriteSignature(region_bits + 1, signed(act_bits)))
    act_rd : In(RegReadSignature(region_bits + 1, signed(act_bits)))

    Latency: 2 cycles per read (latch, output register). Resources: shared, ``dp16kd_geometry(max(word_bits,
    act_bits), shared_base + 2 ** region_bits + act_depth)`` DP16KD and the port-A address
    and data muxes; apart, the matrix's block RAMs and one more for the region at the
    default capacities.
    """

    summary = "the PE's matrix memory, with the activations on ECP5 where they fit"

    def __init__(self, config: EIEConfig):
        cfg = config
        region, act = region_bits(cfg) + 1, signed(cfg.act_bits)
        word = unsigned(cfg.word_bits)
        super().__init__(config, {
            "spmat_wr": In(MemWriteSignature(cfg.spmat_addr_bits, word)),
            "spmat_rd": In(RegReadSignature(cfg.spmat_addr_bits, word)),
            "act_wr": In(MemWriteSignature(region, act)),
            "act_rd": In(RegReadSignature(region, act)),
        })

    def elaborate(self, platform):
        target = target_of(platform)
        base = shared_base(self.config, target)
        return self._apart(target) if base is None else self._shared(base)

    def _apart(self, target):
        cfg = self.config
        m = Module()
        # One address for both ports, so that Yosys maps them to one block-RAM port.
        addr = Mux(self.spmat_wr.en, self.spmat_wr.addr, self.spmat_rd.addr)
        if target == "ice40" and uses_spram(cfg):
            output_register(m, self._spram(m, addr), self.spmat_rd)
        else:
            m.submodules.spmat = spmat = Memory(shape=unsigned(cfg.word_bits),
                                                depth=cfg.spmat_words, init=[])
            wp, rp = spmat.write_port(), spmat.read_port(domain="sync")
            m.d.comb += [wp.en.eq(self.spmat_wr.en), wp.addr.eq(addr),
                         wp.data.eq(self.spmat_wr.data), rp.addr.eq(addr),
                         rp.en.eq(self.spmat_rd.en)]
            output_register(m, rp.data, self.spmat_rd)
        depth = (1 << region_bits(cfg)) + cfg.act_depth
        if target == "ecp5" and dp16kd_geometry(cfg.act_bits, depth) is not None:
            m.submodules.act = self._act_tiles(depth)
            return m
        m.submodules.act = act = Memory(shape=signed(cfg.act_bits), depth=depth, init=[])
        wp, rp = act.write_port(), act.read_port(domain="sync")
        m.d.comb += [wp.en.eq(self.act_wr.en), wp.addr.eq(self.act_wr.addr),
                     wp.data.eq(self.act_wr.data), rp.addr.eq(self.act_rd.addr),
                     rp.en.eq(self.act_rd.en)]
        output_register(m, rp.data, self.act_rd)
        return m

    def _act_tiles(self, depth) -> Module:
        """The activation store's region alone in DP16KD tiles, read through their output
        register (an inferred one reads from the latch, 5.8 ns clock-to-out at -6: the 2-PE
        critical path once the rest was registered): port A writes, port B reads."""
        cfg, wr_port, rd_port = self.config, self.act_wr, self.act_rd
        addr_bits = max(1, (depth - 1).bit_length())
        wr = SimpleNamespace(en=wr_port.en, data=wr_port.data.as_unsigned())
        a = SimpleNamespace(en=Const(0), addr=Signal(addr_bits), data=Signal(cfg.act_bits))
        b = SimpleNamespace(en=rd_port.en, addr=Signal(addr_bits), oce=rd_port.oce,
                            data=Signal(cfg.act_bits))
        m = dp16kd_tiles(cfg.act_bits, depth, wr, a, b)
        m.d.comb += [a.addr.eq(wr_port.addr), b.addr.eq(rd_port.addr),
                     rd_port.data.eq(b.data)]
        return m

    def _spram(self, m, addr) -> Signal:
        """The matrix in an SB_SPRAM256KA (no initial contents, which Yosys' inferred
        memories always have; our model: ``sim/models/ice40/SB_SPRAM256KA.v``): chip select
        on a read or a write, so the read latch holds otherwise. Returns the latch."""
        latch = Signal(SPRAM_WIDTH)
        wr = self.spmat_wr
        address, data = Signal(SPRAM_DEPTH.bit_length() - 1), Signal(SPRAM_WIDTH)
        m.d.comb += [address.eq(addr), data.eq(wr.data)]
        m.submodules.spram = Instance(
            "SB_SPRAM256KA", i_ADDRESS=address, i_DATAIN=data, i_MASKWREN=Const(0b1111, 4),
            i_WREN=wr.en, i_CHIPSELECT=wr.en | self.spmat_rd.en, i_CLOCK=ClockSignal(),
            i_STANDBY=Const(0), i_SLEEP=Const(0), i_POWEROFF=Const(1), o_DATAOUT=latch)
        return latch[:self.config.word_bits]

    def _shared(self, base):
        cfg = self.config
        width = shared_width(cfg)
        depth = shared_depth(cfg, base)
        addr_bits = max(1, (depth - 1).bit_length())
        top = Const(base >> (region_bits(cfg) + 1), addr_bits)

        def region(addr):
            return Cat(addr, top)[:addr_bits]

        m = Module()
        wr = SimpleNamespace(en=Signal(), data=Signal(width))
        a = SimpleNamespace(en=Signal(), addr=Signal(addr_bits), oce=self.spmat_rd.oce,
                            data=Signal(width))
        b = SimpleNamespace(en=Signal(), addr=Signal(addr_bits), oce=self.act_rd.oce,
                            data=Signal(width))
        spmat_writes = self.spmat_wr.en
        m.d.comb += [
            wr.en.eq(spmat_writes | self.act_wr.en),
            wr.data.eq(Mux(spmat_writes, self.spmat_wr.data,
                           self.act_wr.data.as_unsigned())),
            a.en.eq(self.spmat_rd.en),
            b.en.eq(self.act_rd.en), b.addr.eq(region(self.act_rd.addr)),
            self.spmat_rd.data.eq(a.data[:cfg.word_bits]),
            self.act_rd.data.eq(b.data[:cfg.act_bits]),
        ]
        with m.If(spmat_writes):
            m.d.comb += a.addr.eq(self.spmat_wr.addr)
        with m.Elif(self.act_wr.en):
            m.d.comb += a.addr.eq(region(self.act_wr.addr))
        with m.Else():
            m.d.comb += a.addr.eq(self.spmat_rd.addr)
        m.submodules.mem = dp16kd_tiles(width, depth, wr, a, b)
        return m
