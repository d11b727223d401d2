"""A 4:1 multiplexer in one ECP5 slice half per bit: two LUT4 and the slice's PFUMX.

Not a unit. The netlists are synthesized without wide LUTs (``synth_ecp5 -nowidelut``:
docs/fpga.md), so Yosys builds a 4:1 multiplexer from three LUT4 in two levels; on ``ecp5``
this one is two LUT4 instances, one per half, joined by the PFUMX between them (our
simulation models: ``sim/models/ecp5/LUT4.v``, ``PFUMX.v``): a third fewer LUTs and one LUT
level. Elsewhere a plain ``Mux`` tree.
"""

from amaranth.hdl import Const, Instance, Mux, Signal, Value

from eie_gen.hw.targets import target_of

__all__ = ["mux4", "LUT4_MUX2"]


def _lut4_init(fn) -> int:
    """The INIT of a LUT4 computing ``fn(a, b, c, d)`` (``Z = INIT[{D, C, B, A}]``)."""
    return sum(fn(i & 1, i >> 1 & 1, i >> 2 & 1, i >> 3 & 1) << i for i in range(16))


LUT4_MUX2 = _lut4_init(lambda a, b, c, d: b if c else a)     # Z = C ? B : A


def mux4(m, platform, sel: Value, inputs, name: str) -> Signal:
    """``inputs[sel]`` of four values of one width, ``sel`` two bits."""
    sel = Value.cast(sel)
    inputs = [Value.cast(v) for v in inputs]
    width = len(inputs[0])
    out = Signal(width, name=name)
    if target_of(platform) != "ecp5":
        m.d.comb += out.eq(Mux(sel[1], Mux(sel[0], inputs[3], inputs[2]),
                               Mux(sel[0], inputs[1], inputs[0])))
        return out
    for i in range(width):
        low, high = Signal(name=f"{name}_lo{i}"), Signal(name=f"{name}_hi{i}")
        for half, (a, b) in ((low, inputs[:2]), (high, inputs[2:])):
            m.submodules[f"{half.name}_lut"] = Instance(
                "LUT4", p_INIT=Const(LUT4_MUX2, 16), i_A=a[i], i_B=b[i], i_C=sel[0],
                i_D=Const(0), o_Z=half)
        m.submodules[f"{name}_mux{i}"] = Instance(
            "PFUMX", i_ALUT=high, i_BLUT=low, i_C0=sel[1], o_Z=out[i])
    return out
