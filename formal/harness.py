"""What every proof shares: the unit elaborated inside the proof, its ports free."""

from __future__ import annotations

from amaranth.hdl import Elaboratable, Module, Value

__all__ = ["Proof"]


class Proof(Elaboratable):
    """A unit under proof. ``dut`` is elaborated here, so :meth:`properties` can use the
    internals its ``elaborate`` keeps (``dut._...``); ``mutate``, if given, wraps the
    elaborated unit (the tests plant bugs with Amaranth's ``EnableInserter`` and
    ``ResetInserter``). The unit's ports are the solver's free inputs, constrained only by
    the proof's ``Assume``s."""

    def __init__(self, dut, mutate=None):
        self.dut = dut
        self.mutate = mutate
        dut._MustUse__silence = True        # used through its elaborate(), not as a whole

    @property
    def ports(self) -> list:
        return [Value.cast(value) for _, _, value in self.dut.signature.flatten(self.dut)]

    def elaborate(self, platform):
        m = Module()
        body = self.dut.elaborate(platform)
        m.submodules.dut = self.mutate(body) if self.mutate is not None else body
        self.properties(m, self.dut)
        return m

    def properties(self, m: Module, dut) -> None:
        raise NotImplementedError
