"""The EIE processing element: queue, pointer read, matrix read, relative index, arithmetic,
register files, write-back and the local leading-non-zero detector."""

from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.act_queue import ActivationQueue
from eie_gen.hw.act_regfile import ActivationRegisterFiles
from eie_gen.hw.arith import ArithmeticUnit
from eie_gen.hw.codebook import CodebookWriteSignature
from eie_gen.hw.layouts import (LayerSignature, MemReadSignature, MemWriteSignature, acc_shape,
                      act_layout, nonzero_layout)
from eie_gen.hw.lnzd_leaf import LNZDLeaf
from eie_gen.hw.ptr_read import PointerRead
from eie_gen.hw.relidx import RelativeIndex
from eie_gen.hw.spmat_read import SparseMatrixRead
from eie_gen.hw.writeback import WriteBack

__all__ = ["ProcessingElement"]


class ProcessingElement(EIEComponent):
    """One EIE PE (EIE Fig. 4b) for the rows ``i = r * n_pe + k`` of every layer.

    Compute path, all streams::

        act_in -> ActivationQueue -> PointerRead -> SparseMatrixRead -> RelativeIndex
               -> ArithmeticUnit -> destination bank

    A broadcast ``(j, a_j)`` waits in the queue, becomes the entry range of column ``j``, then
    one entry per cycle, a local row, and an accumulation. At the end of a layer, ``wb_start``
    rewrites the destination bank with the outputs (bias, shift, saturation, ReLU); flipping
    ``sel`` makes them the next layer's source, which ``scan`` hands to the leading-non-zero
    detector whose ``(r, a)`` leave on ``nz_out`` for the quadtree.

    Control protocol (the control unit's, or a testbench's), per layer:
    ``clear_dst`` (zero the accumulators) and ``scan`` pulses, broadcasts on ``act_in`` until
    the layer's non-zero inputs are all sent, wait for ``idle``, pulse ``wb_start``, wait for
    ``wb_busy`` low, flip ``sel``. ``layer`` holds the descriptor throughout. Host ports are used
    only while ``idle`` and not ``wb_busy``: pointers (absolute entry addresses), matrix words,
    codebook, biases, and the source bank's words (``act_wr`` writes inputs, ``act_rd`` reads
    outputs after the final flip; ``clear_src`` first zeroes the whole bank).

    Members
    -------
    act_in : In(stream.Signature(act_layout))
    nz_out : Out(stream.Signature(nonzero_layout))
    layer : In(LayerSignature)
    sel, clear_src, clear_dst, scan, wb_start : In(1)
    idle, wb_busy, scan_done : Out(1)
    ptr_wr, spmat_wr, cb_wr, bias_wr, act_wr : In(write signatures)
    act_rd : In(MemReadSignature(row_bits, signed(acc_bits)))

    Latency: a column of ``n`` entries broadcast into an idle PE in cycle 0 leaves it idle
    again in cycle ``n + 10`` (queue 1, pointer read 2, matrix read issue 1, then ``n`` entries
    and a drain of 7: matrix word and entry registers, relative index, arithmetic unit 4).
    ``eie_gen.golden.pe_model`` gives the exact count for any broadcast sequence; the
    write-back takes ``n_rows + 7``. Throughput: one entry per cycle, across column and word boundaries; padding
    entries take their cycle; a column with no entries here costs no matrix-read cycle.
    Resources: see each unit; memories are the pointer banks, matrix, bias and the
    two register-file banks (block RAM), the codebook and queue (LUT-RAM).
    """

    summary = "one processing element"
    top = True

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "act_in": In(stream.Signature(act_layout(cfg))),
            "nz_out": Out(stream.Signature(nonzero_layout(cfg))),
            "layer": In(LayerSignature(cfg)),
            "sel": In(1), "clear_src": In(1), "clear_dst": In(1), "scan": In(1),
            "wb_start": In(1),
            "idle": Out(1), "wb_busy": Out(1), "scan_done": Out(1),
            "ptr_wr": In(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
            "spmat_wr": In(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "cb_wr": In(CodebookWriteSignature(cfg)),
            "bias_wr": In(MemWriteSignature(cfg.bias_addr_bits, signed(cfg.act_bits))),
            "act_wr": In(MemWriteSignature(cfg.row_bits, acc_shape(cfg))),
            "act_rd": In(MemReadSignature(cfg.row_bits, acc_shape(cfg))),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        m.submodules.queue = queue = ActivationQueue(cfg)
        m.submodules.ptr_read = ptr = PointerRead(cfg)
        m.submodules.spmat_read = spmat = SparseMatrixRead(cfg)
        m.submodules.relidx = relidx = RelativeIndex(cfg)
        m.submodules.arith = arith = ArithmeticUnit(cfg)
        m.submodules.regfile = regs = ActivationRegisterFiles(cfg)
        m.submodules.writeback = wb = WriteBack(cfg)
        m.submodules.lnzd = leaf = LNZDLeaf(cfg)

        # The compute path.
        wiring.connect(m, wiring.flipped(self.act_in), queue.i)
        wiring.connect(m, queue.o, ptr.i)
        wiring.connect(m, ptr.o, spmat.i)
        wiring.connect(m, spmat.o, relidx.i)
        wiring.connect(m, relidx.o, arith.i)
        m.d.comb += ptr.base.eq(self.layer.ptr_base)

        # Host write ports.
        wiring.connect(m, wiring.flipped(self.ptr_wr), ptr.wr)
        wiring.connect(m, wiring.flipped(self.spmat_wr), spmat.wr)
        wiring.connect(m, wiring.flipped(self.cb_wr), arith.cb_wr)
        wiring.connect(m, wiring.flipped(self.bias_wr), wb.bias_wr)
        m.d.comb += [regs.src_wr.en.eq(self.act_wr.en), regs.src_wr.addr.eq(self.act_wr.addr),
                     regs.src_wr.data.eq(self.act_wr.data),
                     regs.src_wr.flag.eq(self.act_wr.data != 0)]

        # The destination bank: the arithmetic unit's during a layer, the write-back's after.
        m.d.comb += [
            regs.sel.eq(self.sel),
            regs.clear_dst.eq(self.clear_dst),
            regs.clear_src.eq(self.clear_src),
            arith.acc_rd.data.eq(regs.dst_rd.data),
            wb.acc_rd.data.eq(regs.dst_rd.data),
        ]
        # Who owns the destination ports, as a register (not wb.busy, an OR of six stages, in
        # front of the banks' address muxes): the write-back from its start pulse until it is done.
        wb_owns = Signal()
        m.d.sync += wb_owns.eq(self.wb_start | (wb_owns & wb.busy))
        with m.If(wb_owns):
            m.d.comb += [regs.dst_rd.addr.eq(wb.acc_rd.addr), regs.dst_rd.en.eq(wb.acc_rd.en),
                         regs.dst_wr.en.eq(wb.acc_wr.en), regs.dst_wr.addr.eq(wb.acc_wr.addr),
                         regs.dst_wr.data.eq(wb.acc_wr.data), regs.dst_wr.flag.eq(wb.acc_wr.flag)]
        with m.Else():
            m.d.comb += [regs.dst_rd.addr.eq(arith.acc_rd.addr),
                         regs.dst_rd.en.eq(arith.acc_rd.en),
                         regs.dst_wr.en.eq(arith.acc_wr.en),
                         regs.dst_wr.addr.eq(arith.acc_wr.addr),
                         regs.dst_wr.data.eq(arith.acc_wr.data),
                         regs.dst_wr.flag.eq(arith.acc_wr.flag)]
        m.d.comb += [
            wb.start.eq(self.wb_start),
            wb.n_rows.eq(self.layer.n_rows),
            wb.shift.eq(self.layer.shift),
            wb.relu.eq(self.layer.relu),
            wb.bias_base.eq(self.layer.bias_base),
        ]

        # The source bank: the detector's while it scans, the host's otherwise.
        m.d.comb += [
            leaf.flags.eq(regs.src_flags),
            leaf.load.eq(self.scan),
            regs.src_rd.en.eq(leaf.src_rd.en | self.act_rd.en),
            leaf.src_rd.data.eq(regs.src_rd.data),
            self.act_rd.data.eq(regs.src_rd.data),
        ]
        with m.If(leaf.src_rd.en):
            m.d.comb += regs.src_rd.addr.eq(leaf.src_rd.addr)
        with m.Else():
            m.d.comb += regs.src_rd.addr.eq(self.act_rd.addr)
        wiring.connect(m, leaf.o, wiring.flipped(self.nz_out))

        m.d.comb += [
            self.idle.eq((queue.level == 0) & ~ptr.busy & ~spmat.busy & ~relidx.busy
                         & ~arith.busy),
            self.wb_busy.eq(wb.busy),
            self.scan_done.eq(leaf.done),
        ]
        return m
