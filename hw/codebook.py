"""Codebook decoder: the per-layer weight look-up table of the EIE arithmetic unit."""

from amaranth.hdl import Module, Signal, signed, unsigned
from amaranth.lib import stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent

__all__ = ["CodebookDecoder", "CodebookWriteSignature"]


class CodebookWriteSignature(wiring.Signature):
    """Host-side write port of the codebook: ``en``, ``addr`` (index), ``data`` (weight)."""

    def __init__(self, config: EIEConfig):
        super().__init__({
            "en": Out(1),
            "addr": Out(unsigned(config.index_bits)),
            "data": Out(signed(config.weight_bits)),
        })


class CodebookDecoder(EIEComponent):
    """Decode virtual-weight indices to fixed-point weights through a programmable LUT.

    Contract: every index accepted on ``i`` yields ``codebook[index]`` on ``o``, in order.
    The table is programmed through ``wr`` (one entry per cycle); program it while no index
    is in flight, as the control unit does between layers (a read in the cycle of a write to
    the same entry returns the old value). Index 0 decodes to
    whatever entry 0 holds (the image format keeps it 0, and the PE skips padding anyway).
    The table starts at zero (FPGA configuration) and is not cleared by ``rst``.

    Members
    -------
    i : In(stream.Signature(unsigned(index_bits)))
    o : Out(stream.Signature(signed(weight_bits)))
    wr : In(CodebookWriteSignature(config))

    Latency: 1 cycle from ``i`` accepted to ``o.valid``. Throughput: one index per cycle;
    ``i.ready`` is combinational from ``o.ready`` (a one-stage pipeline with full throughput
    under back-pressure).
    Resources: one ``2**index_bits`` x ``weight_bits`` memory with a synchronous read port
    (LUT-RAM on FPGAs, e.g. 4 ``TRELLIS_DPR16X4`` on ECP5 for 16 x 16) and one valid flop.
    """

    summary = "the 16-entry codebook lookup"
    top = True

    latency = 1

    def __init__(self, config: EIEConfig):
        super().__init__(config, {
            "i": In(stream.Signature(unsigned(config.index_bits))),
            "o": Out(stream.Signature(signed(config.weight_bits))),
            "wr": In(CodebookWriteSignature(config)),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        m.submodules.table = table = Memory(
            shape=signed(cfg.weight_bits), depth=cfg.codebook_size, init=[])
        wp = table.write_port()
        # Not transparent: the table is written only between layers, and transparency would add a
        # bypass comparator and mux in front of the LUT-RAM.
        rp = table.read_port(domain="sync")
        m.d.comb += [wp.en.eq(self.wr.en), wp.addr.eq(self.wr.addr), wp.data.eq(self.wr.data)]

        # The read port's data register is the pipeline register: it only loads when the
        # stage can advance, so a stalled output holds its value.
        advance = Signal()
        m.d.comb += [
            advance.eq(~self.o.valid | self.o.ready),
            self.i.ready.eq(advance),
            rp.addr.eq(self.i.payload),
            rp.en.eq(advance),
            self.o.payload.eq(rp.data),
        ]
        with m.If(advance):
            m.d.sync += self.o.valid.eq(self.i.valid)
        return m
