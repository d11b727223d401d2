"""The control unit's sequencer: runs the layers of a model, counts the cycles."""

from amaranth.hdl import Cat, Module, Signal, signed, unsigned
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig
from eie_gen.hw.base import EIEComponent
from eie_gen.hw.codebook import CodebookWriteSignature
from eie_gen.hw.layouts import STATUS_LATENCY, RegReadSignature
from eie_gen.hw.writeback import WriteBack

__all__ = ["Sequencer", "CB_READ_LATENCY"]

CB_READ_LATENCY = 2     # the codebook memory through its output register


class Sequencer(EIEComponent):
    """Run ``n_layers`` layers after ``start``; then ``done`` and the run's ``cycles``.

    Contract: once every PE is ``all_ready`` (its accumulators zeroed after reset), for each
    layer: copy its codebook from the register block's memory into every PE (``cb_wr``,
    ``codebook_size + 2`` cycles), pulse ``scan``, wait ``1 + STATUS_LATENCY`` cycles (the
    detectors load their masks, and the status that reaches this unit is from after the load),
    let the LNZD tree broadcast until it is empty and every PE is idle, pulse ``wb_start``,
    wait the write-back's ``n_rows + 8`` cycles (counted here: it takes as long in every PE,
    so no busy signal has to come back from each). After the last layer ``busy`` falls and
    ``done`` rises; ``ack`` clears ``done``. ``cycles`` is the count from the first codebook
    cycle to DONE: from START, unless START came while the PEs were not yet ready.

    ``all_ready``, ``all_idle`` and ``tree_done`` arrive ``STATUS_LATENCY`` cycles late
    (eie_top's register tree); both exit conditions only ever turn true and stay so, so a late
    view delays the exit and is never wrong.

    Members
    -------
    start, ack : In(1), pulses from the register block
    n_layers : In(range(max_layers + 1))
    n_rows : In(unsigned(row_bits + 1)), the layer's rows per PE (its descriptor)
    busy, done : Out(1); cycles : Out(32)
    layer_index : Out(range(max_layers + 1)), the layer being run
    cb_rd : Out(RegReadSignature), on the codebook memory (data two cycles after the address)
    cb_wr : Out(CodebookWriteSignature), to every PE
    scan, wb_start : Out(1), to every PE, a cycle early: eie_top passes them (and ``cb_wr``)
        through a register stage per group of PEs, so the PEs see them in the SCAN and
        WRITEBACK cycles and no decode of this FSM fans out to every PE
    all_ready, all_idle, tree_done : In(1)

    Latency: per layer ``codebook_size + 2`` (codebook) + ``2 + STATUS_LATENCY`` (scan,
    settle) + the broadcast + ``STATUS_LATENCY`` + 1 + the write-back;
    ``eie_gen.golden.array_model`` counts it exactly.
    Resources: an 8-state FSM, a 32-bit cycle counter and its copy, the layer, codebook,
    settle and write-back counters.
    """

    summary = "the control unit's sequencer: runs the layers"

    def __init__(self, config: EIEConfig):
        cfg = config
        cb_addr = (cfg.codebook_size * cfg.max_layers - 1).bit_length()
        super().__init__(config, {
            "start": In(1), "ack": In(1),
            "n_layers": In(range(cfg.max_layers + 1)),
            "n_rows": In(unsigned(cfg.row_bits + 1)),
            "busy": Out(1), "done": Out(1), "cycles": Out(32),
            "layer_index": Out(range(cfg.max_layers + 1)),
            "cb_rd": Out(RegReadSignature(cb_addr, signed(cfg.weight_bits))),
            "cb_wr": Out(CodebookWriteSignature(cfg)),
            "scan": Out(1), "wb_start": Out(1),
            "all_ready": In(1), "all_idle": In(1), "tree_done": In(1),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        copy = cfg.codebook_size + CB_READ_LATENCY
        layer, busy, done = self.layer_index, self.busy, self.done
        cb_count = Signal(range(copy + 1))
        count = Signal(32)
        settle = Signal(range(STATUS_LATENCY + 1))
        wb_left = Signal(cfg.row_bits + 1 + 3)        # n_rows + WriteBack.latency - 1
        # `wb_left == 0` and `layer + 1 == n_layers` as registers: compared in the cycle they
        # decide, they put the FSM's enables at the end of a 9 ns path (16 PEs).
        wb_end, last = Signal(), Signal()
        m.d.comb += [self.cb_rd.addr.eq(Cat(cb_count[:cfg.index_bits], layer)),
                     self.cb_rd.en.eq(1), self.cb_rd.oce.eq(1),
                     self.cb_wr.addr.eq(cb_count - CB_READ_LATENCY),
                     self.cb_wr.data.eq(self.cb_rd.data)]
        with m.If(self.ack):
            m.d.sync += done.eq(0)
        with m.If(busy):
            m.d.sync += count.eq(count + 1)
        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.start):
                    m.d.sync += [busy.eq(1), done.eq(0), layer.eq(0), count.eq(1),
                                 cb_count.eq(0), last.eq(self.n_layers == 1)]
                    m.next = "CODEBOOK"
                    with m.If(~self.all_ready):
                        m.next = "WAIT_READY"
            with m.State("WAIT_READY"):                 # only right after reset
                m.d.sync += count.eq(1)
                with m.If(self.all_ready):
                    m.next = "CODEBOOK"
            with m.State("CODEBOOK"):
                m.d.sync += cb_count.eq(cb_count + 1)
                m.d.comb += self.cb_wr.en.eq(cb_count >= CB_READ_LATENCY)
                with m.If(cb_count == copy - 1):
                    m.d.comb += self.scan.eq(1)         # the PEs see it in SCAN
                    m.next = "SCAN"
            with m.State("SCAN"):
                m.d.sync += settle.eq(STATUS_LATENCY)
                m.next = "SETTLE"
            with m.State("SETTLE"):                   # the masks load; the status catches up
                m.d.sync += settle.eq(settle - 1)
                with m.If(settle == 0):
                    m.next = "BROADCAST"
            with m.State("BROADCAST"):
                with m.If(self.tree_done & self.all_idle):
                    m.d.comb += self.wb_start.eq(1)     # the PEs see it in WRITEBACK
                    m.next = "WRITEBACK"
            with m.State("WRITEBACK"):
                with m.If(self.n_rows == 0):
                    m.d.sync += [wb_left.eq(0), wb_end.eq(1)]
                with m.Else():
                    m.d.sync += [wb_left.eq(self.n_rows + (WriteBack.latency - 1)),
                                 wb_end.eq(0)]
                m.next = "WB_WAIT"
            with m.State("WB_WAIT"):
                m.d.sync += [wb_left.eq(wb_left - 1), wb_end.eq(wb_left == 1)]
                with m.If(wb_end):
                    m.d.sync += [layer.eq(layer + 1), cb_count.eq(0),
                                 last.eq(layer + 2 == self.n_layers)]
                    with m.If(last):
                        m.d.sync += [busy.eq(0), done.eq(1), self.cycles.eq(count)]
                        m.next = "IDLE"
                    with m.Else():
                        m.next = "CODEBOOK"
        return m
