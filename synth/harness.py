"""A pin harness so a block with many ports places on a small package.

Inputs of the block come from a shift register fed by one pin, outputs are XOR-reduced into
one registered pin: every port stays live (nothing is optimised away), the block's own paths
are register to register, and the harness adds one flip-flop per input bit plus one.
"""

from amaranth.hdl import Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PinHarness"]


class PinHarness(wiring.Component):
    """Wrap ``dut`` (a Component) behind ``sin``/``sout``. Latency and function are not
    meaningful: this exists only to measure area and Fmax of ``dut`` on a pin-limited part."""

    def __init__(self, dut: wiring.Component):
        self._dut = dut
        super().__init__({"sin": In(1), "sout": Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.dut = dut = self._dut
        ins, outs = [], []
        for _path, member, value in dut.signature.flatten(dut):
            if hasattr(value, "as_value"):          # a struct payload: its bits
                value = value.as_value()
            (ins if member.flow == In else outs).append(value)
        width = sum(len(v) for v in ins)
        chain = Signal(max(width, 1))
        m.d.sync += chain.eq(Cat(self.sin, chain[:-1]))
        offset = 0
        for value in ins:
            m.d.comb += value.eq(chain[offset:offset + len(value)])
            offset += len(value)
        m.d.sync += self.sout.eq(Cat(*outs).xor())
        return m
