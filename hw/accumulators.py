"""The PE's accumulators: one memory of ``act_depth`` sums, zero between layers."""

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.layouts import MemReadSignature, MemWriteSignature, RowClearSignature, acc_shape
from eie_gen.hw.targets import target_of

__all__ = ["Accumulators"]


class Accumulators(EIEComponent):
    """``act_depth`` accumulators of ``acc_bits``, all zero at every layer start.

    A layer's arithmetic unit reads and writes its rows; the write-back reads each row once and
    zeroes it behind itself (``clear``), so the memory is all zero again when the layer ends
    and no clear pass or per-row flag is needed. After reset the unit zeroes every row itself
    (a reset may stop a layer half accumulated); ``ready`` rises when that is done.

    Contract: reads are synchronous (address in cycle t, data in t + 1, held while ``en`` is
    low) and return the word before a same-cycle write. ``wr`` and ``clear`` are never used in
    the same cycle; neither is used before ``ready``. ``wr.data`` is 0 whenever ``wr.en`` is
    low (the arithmetic unit's sum register is): the clears and the sweep write it, so no zero
    mux sits in front of the memory's data pins.

    Members
    -------
    rd : In(MemReadSignature(row_bits, signed(acc_bits)))
    wr : In(MemWriteSignature(row_bits, signed(acc_bits)))
    clear : In(RowClearSignature(row_bits))
    ready : Out(1), the rows are zero since reset.

    Latency: 1 cycle per read; ``act_depth`` cycles from reset to ``ready``.
    Resources: one ``act_depth`` x ``acc_bits`` simple dual-port memory (one block RAM at the
    default capacity; on ``ecp5`` a block RAM at any depth), a ``row_bits`` counter, the
    write-address mux.
    """

    summary = "the PE's accumulators (zeroed by the write-back)"

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "rd": In(MemReadSignature(cfg.row_bits, acc_shape(cfg))),
            "wr": In(MemWriteSignature(cfg.row_bits, acc_shape(cfg))),
            "clear": In(RowClearSignature(cfg.row_bits)),
            "ready": Out(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        # On ECP5 a block RAM even when small: Yosys would put 32 rows in 16 LUT-RAM cells,
        # six LUT positions each, and LUTs bind before block RAMs there at 64 PEs.
        block = {"ram_style": "block"} if target_of(platform) == "ecp5" else None
        m.submodules.acc = mem = Memory(shape=acc_shape(cfg), depth=cfg.act_depth, init=[],
                                        attrs=block)
        wp, rp = mem.write_port(), mem.read_port(domain="sync")
        m.d.comb += [rp.addr.eq(self.rd.addr), rp.en.eq(self.rd.en),
                     self.rd.data.eq(rp.data)]

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
