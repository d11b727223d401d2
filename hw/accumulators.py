"""The PE's accumulators: one memory of ``act_depth`` sums, zero between layers."""

from types import SimpleNamespace

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.dp16kd import X36_DEPTH, dp16kd_x36, output_register
from eie_gen.hw.layouts import MemWriteSignature, RegReadSignature, RowClearSignature, acc_shape
from eie_gen.hw.targets import target_of

__all__ = ["Accumulators"]


class Accumulators(EIEComponent):
    """``act_depth`` accumulators of ``acc_bits``, all zero at every layer start.

    A layer's arithmetic unit reads and writes its rows; the write-back reads each row once and
    zeroes it behind itself (``clear``), so the memory is all zero again when the layer ends
    and no clear pass or per-row flag is needed. After reset the unit zeroes every row itself
    (a reset may stop a layer half accumulated); ``ready`` rises when that is done.

    Contract: reads go through an output register (address in cycle t, data in t + 2; the
    register loads while ``oce`` is high, the latch while ``en`` is); a read in the cycle of a
    write to the same row may return either word. ``wr`` and ``clear`` are never used in
    the same cycle; neither is used before ``ready``. ``wr.data`` is 0 whenever ``wr.en`` is
    low (the arithmetic unit's sum register is): the clears and the sweep write it, so no zero
    mux sits in front of the memory's data pins.

    Members
    -------
    rd : In(RegReadSignature(row_bits, signed(acc_bits))), on ECP5 through the DP16KD's own
    output register
    wr : In(MemWriteSignature(row_bits, signed(acc_bits)))
    clear : In(RowClearSignature(row_bits))
    ready : Out(1), the rows are zero since reset.

    Latency: 2 cycles per read; ``act_depth`` cycles from reset to ``ready``.
    Resources: one ``act_depth`` x ``acc_bits`` simple dual-port memory (one block RAM at the
    default capacity; on ``ecp5`` a block RAM at any depth, up to 512 x 36 a DP16KD
    instance) and its output register, a ``row_bits`` counter, the write-address mux.
    """

    summary = "the PE's accumulators (zeroed by the write-back)"

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "rd": In(RegReadSignature(cfg.row_bits, acc_shape(cfg))),
            "wr": In(MemWriteSignature(cfg.row_bits, acc_shape(cfg))),
            "clear": In(RowClearSignature(cfg.row_bits)),
            "ready": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        wp = SimpleNamespace(en=Signal(), addr=Signal(cfg.row_bits), data=Signal(cfg.acc_bits))
        ecp5 = target_of(platform) == "ecp5"
        if ecp5 and cfg.acc_bits <= 36 and cfg.act_depth <= X36_DEPTH:
            # The DP16KD's output register is the readers' (its latch is 5.8 ns from the
            # clock at -6, and Yosys never infers OUTREG).
            m.submodules.acc = dp16kd_x36(cfg.acc_bits, wp, self.rd)
        else:
            # On ECP5 a block RAM even when small: Yosys would put 32 rows in 16 LUT-RAM
            # cells, six LUT positions each, and LUTs bind before block RAMs at 64 PEs.
            block = {"ram_style": "block"} if ecp5 else None
            m.submodules.acc = mem = Memory(shape=acc_shape(cfg), depth=cfg.act_depth,
                                            init=[], attrs=block)
            mwp, rp = mem.write_port(), mem.read_port(domain="sync")
            m.d.comb += [rp.addr.eq(self.rd.addr), rp.en.eq(self.rd.en),
                         mwp.en.eq(wp.en), mwp.addr.eq(wp.addr), mwp.data.eq(wp.data)]
            output_register(m, rp.data, self.rd)

        sweep = Signal(range(cfg.act_depth))           # the row the sweep zeroes
        # A register, not `sweep != act_depth`: the compare sat in front of the write-data
        # zero mux, and the block RAM's data pins are a long route away (a 16-PE path).
        sweeping = Signal(init=1)
        m.d.comb += self.ready.eq(~sweeping)
        with m.If(sweeping):
            m.d.sync += sweep.eq(sweep + 1)
            with m.If(sweep == cfg.act_depth - 1):
                m.d.sync += sweeping.eq(0)
        m.d.comb += [
            wp.en.eq(sweeping | self.clear.en | self.wr.en),
            wp.addr.eq(Mux(sweeping, sweep, Mux(self.clear.en, self.clear.addr, self.wr.addr))),
            wp.data.eq(self.wr.data),
        ]
        return m
