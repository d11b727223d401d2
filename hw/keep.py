"""Register copies that synthesis keeps apart, for nets that fan out across the chip.

Not a unit. Yosys' ``opt_merge`` folds registers with the same input into one, and a ``keep``
on their wires does not stop it; on ``ecp5`` the copies are TRELLIS_FF primitives, which it
keeps (our simulation model: ``sim/models/ecp5/TRELLIS_FF.v``). Elsewhere they are plain
registers, which a synthesis tool may merge: the logic is the same, the fan-out is not.
"""

from amaranth.hdl import ClockSignal, Const, Instance, ResetSignal, Signal, Value

from eie_gen.hw.targets import target_of

__all__ = ["register_copy"]


def register_copy(m, platform, src: Value, name: str, reset: bool = False) -> Signal:
    """``src`` through one register of its own, named ``name``; with ``reset``, cleared by
    the domain's synchronous reset (a valid bit), else never."""
    src = Value.cast(src)
    q = Signal(len(src), name=name, reset_less=not reset)
    if target_of(platform) == "ecp5":
        lsr = ResetSignal() if reset else Const(0)
        for i in range(len(src)):
            m.submodules[f"keep_{name}{i}"] = Instance(
                "TRELLIS_FF", p_GSR="DISABLED", p_CEMUX="1", p_CLKMUX="CLK",
                p_LSRMUX="LSR", p_REGSET="RESET", p_SRMODE="LSR_OVER_CE",
                i_CLK=ClockSignal(), i_LSR=lsr, i_CE=Const(1), i_DI=src[i], o_Q=q[i])
    else:
        m.d.sync += q.eq(src)
    return q
