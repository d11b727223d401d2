"""The arithmetic unit's multiplier: inputs and product registered, on ECP5 inside the DSP."""

from amaranth.hdl import ClockSignal, Const, Instance, Module, Signal, signed
from amaranth.lib.wiring import In, Out

from eie_gen.config import EIEConfig

from eie_gen.hw.base import EIEComponent
from eie_gen.hw.targets import target_of

__all__ = ["Multiplier"]

MULT18 = 18         # MULT18X18D operand width


class Multiplier(EIEComponent):
    """``p = a * b``, full width, through an input register stage and a product register.

    Contract: ``p`` in cycle ``t + 2`` is ``a * b`` of cycle ``t``; both stages load every
    cycle (the arithmetic unit never stalls), no reset.

    On ``ecp5`` (operands of at most 18 bits) the registers are the MULT18X18D's own
    (REG_INPUTA/B and REG_OUTPUT on CLK0): nextpnr times the multiply inside the DSP, and the
    fabric sees a register's clock-to-out (Yosys maps ``*`` to a MULT18X18D with no registers,
    3.9 ns from A/B to P at -6, the 1-PE critical path). Simulation model:
    ``sim/models/ecp5/MULT18X18D.v`` (``scripts/gen_mult18x18d_model.py``). Elsewhere fabric
    registers around a ``*``, the pattern DSP inference absorbs.

    Members
    -------
    a : In(signed(weight_bits))
    b : In(signed(act_bits))
    p : Out(signed(weight_bits + act_bits))

    Latency: 2 cycles. Throughput: one product per cycle.
    Resources: one MULT18X18D (ecp5) or one inferred multiplier, ``weight_bits + act_bits``
    input and as many product flops (inside the DSP on ecp5).
    """

    summary = "the registered multiplier"

    latency = 2

    def __init__(self, config: EIEConfig):
        cfg = config
        super().__init__(config, {
            "a": In(signed(cfg.weight_bits)),
            "b": In(signed(cfg.act_bits)),
            "p": Out(signed(cfg.weight_bits + cfg.act_bits)),
        })

    def elaborate(self, platform):
        cfg = self.config
        m = Module()
        if target_of(platform) == "ecp5" and max(cfg.weight_bits, cfg.act_bits) <= MULT18:
            self._mult18x18d(m)
        else:
            a_q, b_q = Signal.like(self.a), Signal.like(self.b)
            m.d.sync += [a_q.eq(self.a), b_q.eq(self.b), self.p.eq(a_q * b_q)]
        return m

    def _mult18x18d(self, m):
        a = self.a.as_signed()
        b = self.b.as_signed()
        p = Signal(2 * MULT18)
        ports = {f"i_A{i}": a[min(i, len(a) - 1)] for i in range(MULT18)}
        ports.update({f"i_B{i}": b[min(i, len(b) - 1)] for i in range(MULT18)})
        ports.update({f"i_C{i}": Const(0) for i in range(MULT18)})
        ports.update({f"o_P{i}": p[i] for i in range(2 * MULT18)})
        ports.update({"i_SIGNEDA": Const(1), "i_SIGNEDB": Const(1), "i_SOURCEA": Const(0),
                      "i_SOURCEB": Const(0), "i_CLK0": ClockSignal("sync"),
                      "i_CE0": Const(1), "i_RST0": Const(0)})
        for n in (1, 2, 3):
            ports.update({f"i_CLK{n}": Const(0), f"i_CE{n}": Const(0),
                          f"i_RST{n}": Const(0)})
        m.submodules.dsp = Instance(
            "MULT18X18D", p_REG_INPUTA_CLK="CLK0", p_REG_INPUTB_CLK="CLK0",
            p_REG_OUTPUT_CLK="CLK0", p_REG_PIPELINE_CLK="NONE", p_GSR="DISABLED",
            p_RESETMODE="SYNC", p_SOURCEB_MODE="B_SHIFT", **ports)
        m.d.comb += self.p.eq(p[:len(self.p)])
