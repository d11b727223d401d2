"""The EIE processing element: queue, pointer read, matrix read, relative index, arithmetic,
accumulators, activations, write-back and the local leading-non-zero detector."""

from types import SimpleNamespace

from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.accumulators import Accumulators
from eie_gen.hw.act_queue import ActivationQueue
from eie_gen.hw.act_store import ActivationStore
from eie_gen.hw.arith import ArithmeticUnit
from eie_gen.hw.codebook import CodebookWriteSignature
from eie_gen.hw.keep import register_copy
from eie_gen.hw.layouts import (LayerSignature, MemWriteSignature, RegReadSignature, act_layout,
                                descriptor_fields, nonzero_layout)
from eie_gen.hw.lnzd_leaf import LNZDLeaf
from eie_gen.hw.matrix_mem import MatrixMemory
from eie_gen.hw.ptr_read import PointerRead
from eie_gen.hw.relidx import RelativeIndex
from eie_gen.hw.spmat_read import SparseMatrixRead
from eie_gen.hw.targets import target_of
from eie_gen.hw.writeback import WriteBack

__all__ = ["ProcessingElement"]


class ProcessingElement(EIEComponent):
    """One EIE PE (EIE Fig. 4b) for the rows ``i = r * n_pe + k`` of every layer.

    Compute path, all streams::

        act_in -> ActivationQueue -> PointerRead -> SparseMatrixRead -> RelativeIndex
               -> ArithmeticUnit -> Accumulators

    A broadcast ``(j, a_j)`` waits in the queue, becomes the entry range of column ``j``, then
    one entry per cycle, a local row, and an accumulation. At the end of a layer, ``wb_start``
    turns the accumulators into outputs (bias, shift, saturation, ReLU), written over the
    layer's inputs in the activation store and zeroing the accumulators behind it; they are the
    next layer's inputs, which ``scan`` hands to the leading-non-zero detector whose ``(r, a)``
    leave on ``nz_out`` for the quadtree. (EIE's two register files that swap roles become one
    accumulator memory and one activation memory that never swap: see docs/fpga.md.)

    Control protocol (the control unit's, or a testbench's), per layer: after ``ready``, a
    ``scan`` pulse, broadcasts on ``act_in`` until the layer's non-zero inputs are all sent,
    wait for ``idle``, pulse ``wb_start``, wait for ``wb_busy`` low. ``layer`` holds the
    descriptor throughout (with ``wb_masks``, :func:`~eie_gen.hw.layouts.shift_masks` of its
    shift). Host ports are used only while ``idle`` and not ``wb_busy``:
    pointers (absolute entry addresses), matrix words, codebook, biases, and the activations
    (``act_wr`` writes inputs, ``act_rd`` reads outputs after the last layer; ``clear_src``
    first clears every row's non-zero flag, so rows not written are zero).

    Members
    -------
    act_in : In(stream.Signature(act_layout))
    nz_out : Out(stream.Signature(nonzero_layout))
    layer : In(LayerSignature)
    clear_src, scan, wb_start : In(1)
    ready, idle, wb_busy, scan_done : Out(1)
    room : Out(1), the queue holds fewer than ``queue_room`` items (the broadcast's credit)
    ptr_wr, spmat_wr, cb_wr, bias_wr, act_wr : In(write signatures)
    act_rd : In(RegReadSignature(row_bits, signed(act_bits))), data two cycles after ``en``

    Latency: a column of ``n`` entries broadcast into an idle PE in cycle 0 leaves it idle
    again in cycle ``n + 12`` (queue 1, pointer read 3, matrix read issue 1, then ``n`` entries
    and a drain of 8: matrix word and entry registers, relative index, arithmetic unit 5).
    ``eie_gen.golden.pe_model`` gives the exact count for any broadcast sequence; the
    write-back takes ``n_rows + 8``; ``ready`` rises ``act_depth`` cycles after reset.
    Throughput: one entry per cycle, across column and word boundaries; padding entries take
    their cycle; a column with no entries here costs no matrix-read cycle.
    Resources: see each unit; the block-RAM memories are the pointers, the accumulators, the
    matrix and the activations with the biases (on ECP5 at small capacities in the matrix's
    block RAM: :class:`~eie_gen.hw.matrix_mem.MatrixMemory`); the codebook and queue are
    LUT-RAM.
    """

    summary = "one processing element"
    top = True

    def __init__(self, config: EIEConfig):
        cfg = config
        act = signed(cfg.act_bits)
        super().__init__(config, {
            "act_in": In(stream.Signature(act_layout(cfg))),
            "nz_out": Out(stream.Signature(nonzero_layout(cfg))),
            "layer": In(LayerSignature(cfg)),
            "clear_src": In(1), "scan": In(1), "wb_start": In(1),
            "ready": Out(1), "idle": Out(1), "wb_busy": Out(1), "scan_done": Out(1),
            "room": Out(1),
            "ptr_wr": In(MemWriteSignature(cfg.ptr_addr_bits, unsigned(cfg.ptr_word_bits))),
            "spmat_wr": In(MemWriteSignature(cfg.spmat_addr_bits, unsigned(cfg.word_bits))),
            "cb_wr": In(CodebookWriteSignature(cfg)),
            "bias_wr": In(MemWriteSignature(cfg.bias_addr_bits, act)),
            "act_wr": In(MemWriteSignature(cfg.row_bits, act)),
            "act_rd": In(RegReadSignature(cfg.row_bits, act)),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.queue = queue = ActivationQueue(self.config)
        m.submodules.ptr_read = ptr = PointerRead(self.config)
        m.submodules.spmat_read = spmat = SparseMatrixRead(self.config)
        m.submodules.relidx = relidx = RelativeIndex(self.config)
        m.submodules.arith = arith = ArithmeticUnit(self.config)
        m.submodules.acc = acc = Accumulators(self.config)
        m.submodules.store = store = ActivationStore(self.config)
        m.submodules.matrix = matrix = MatrixMemory(self.config)
        m.submodules.writeback = wb = WriteBack(self.config)
        m.submodules.lnzd = leaf = LNZDLeaf(self.config)
        layer = self._descriptor(m, platform)

        # The compute path.
        # The column's pointer index on the way into the queue, so that no adder sits
        # between the queue and the pointer memory's address pins.
        m.d.comb += [queue.i.valid.eq(self.act_in.valid), self.act_in.ready.eq(queue.i.ready),
                     queue.i.payload.p.eq(self.act_in.payload.j + layer.ptr_base),
                     queue.i.payload.a.eq(self.act_in.payload.a)]
        wiring.connect(m, queue.o, ptr.i)
        wiring.connect(m, ptr.o, spmat.i)
        wiring.connect(m, spmat.o, relidx.i)
        wiring.connect(m, relidx.o, arith.i)

        # Host write ports.
        wiring.connect(m, wiring.flipped(self.ptr_wr), ptr.wr)
        wiring.connect(m, wiring.flipped(self.spmat_wr), spmat.wr)
        wiring.connect(m, wiring.flipped(self.cb_wr), arith.cb_wr)
        wiring.connect(m, wiring.flipped(self.bias_wr), store.bias_wr)
        wiring.connect(m, spmat.mem_wr, matrix.spmat_wr)
        wiring.connect(m, spmat.mem_rd, matrix.spmat_rd)
        wiring.connect(m, store.mem_wr, matrix.act_wr)
        wiring.connect(m, store.mem_rd, matrix.act_rd)

        self._accumulators(m, arith, acc, wb, layer)
        self._activations(m, store, wb, leaf)
        m.d.comb += [
            self.ready.eq(acc.ready),
            self.idle.eq((queue.level == 0) & ~ptr.busy & ~spmat.busy & ~relidx.busy
                         & ~arith.busy),
            self.wb_busy.eq(wb.busy),
            self.scan_done.eq(leaf.done),
            self.room.eq(queue.room),
        ]
        return m

    def _descriptor(self, m, platform) -> SimpleNamespace:
        """The layer descriptor, registered in this PE. The control unit's copy reached every
        PE's pointer adder straight across the chip (the 8-PE critical path); a register per
        PE costs no cycle (the descriptor is steady for the 17 codebook cycles before any
        use), and :func:`~eie_gen.hw.keep.register_copy` keeps it this PE's own. Not on
        ``ice40``: its few PEs sit close together, and the copy's flip-flops (about 90 a PE)
        were the resource that kept 4 PEs off the UP5K."""
        names = (*descriptor_fields(self.config), "wb_masks")
        if target_of(platform) == "ice40":
            return SimpleNamespace(**{name: getattr(self.layer, name) for name in names})
        return SimpleNamespace(**{name: register_copy(m, platform, getattr(self.layer, name),
                                                      f"layer_{name}") for name in names})

    def _accumulators(self, m, arith, acc, wb, layer):
        """The arithmetic unit's during a layer, the write-back's (reads and clears) after."""
        wiring.connect(m, wb.acc_clr, acc.clear)
        wiring.connect(m, arith.acc_wr, acc.wr)
        m.d.comb += [arith.acc_rd.data.eq(acc.rd.data), wb.acc_rd.data.eq(acc.rd.data)]
        # Who reads, as a register (not wb.busy, an OR of six stages, in front of the
        # memory's address mux): the write-back from its start pulse until it is done.
        wb_owns = Signal()
        m.d.sync += wb_owns.eq(self.wb_start | (wb_owns & wb.busy))
        with m.If(wb_owns):
            m.d.comb += [acc.rd.addr.eq(wb.acc_rd.addr), acc.rd.en.eq(wb.acc_rd.en),
                         acc.rd.oce.eq(wb.acc_rd.oce)]
        with m.Else():
            m.d.comb += [acc.rd.addr.eq(arith.acc_rd.addr), acc.rd.en.eq(arith.acc_rd.en),
                         acc.rd.oce.eq(arith.acc_rd.oce)]
        m.d.comb += [
            wb.start.eq(self.wb_start),
            wb.n_rows.eq(layer.n_rows),
            wb.shift.eq(layer.shift),
            wb.masks.eq(layer.wb_masks),
            wb.relu.eq(layer.relu),
            wb.bias_base.eq(layer.bias_base),
        ]

    def _activations(self, m, store, wb, leaf):
        """Written by the host (inputs) or the write-back (outputs), read by the detector
        while it scans and by the host otherwise; the biases by the write-back."""
        wiring.connect(m, wb.bias_rd, store.bias_rd)
        # The write-back's start clears every flag: it sets those of its rows, and the rows
        # past them (a layer with fewer outputs than inputs) must not stay non-zero.
        m.d.comb += store.clear.eq(self.clear_src | self.wb_start)
        with m.If(self.act_wr.en):
            m.d.comb += [store.act_wr.en.eq(1), store.act_wr.addr.eq(self.act_wr.addr),
                         store.act_wr.data.eq(self.act_wr.data),
                         store.act_wr.flag.eq(self.act_wr.data != 0)]
        with m.Else():
            m.d.comb += [store.act_wr.en.eq(wb.act_wr.en), store.act_wr.addr.eq(wb.act_wr.addr),
                         store.act_wr.data.eq(wb.act_wr.data),
                         store.act_wr.flag.eq(wb.act_wr.flag)]
        m.d.comb += [
            leaf.flags.eq(store.nonzero),
            leaf.load.eq(self.scan),
            store.act_rd.en.eq(leaf.src_rd.en | self.act_rd.en),
            store.act_rd.oce.eq(leaf.src_rd.oce & self.act_rd.oce),
            leaf.src_rd.data.eq(store.act_rd.data),
            self.act_rd.data.eq(store.act_rd.data),
        ]
        with m.If(leaf.src_rd.en):
            m.d.comb += store.act_rd.addr.eq(leaf.src_rd.addr)
        with m.Else():
            m.d.comb += store.act_rd.addr.eq(self.act_rd.addr)
        wiring.connect(m, leaf.o, wiring.flipped(self.nz_out))
