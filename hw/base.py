"""The base of every generated block: a Component built from one frozen configuration."""

from amaranth.lib import wiring

from eie_gen.config import EIEConfig

__all__ = ["EIEComponent"]


class EIEComponent(wiring.Component):
    """A ``wiring.Component`` whose signature is computed from ``config`` by the subclass.

    What the rest of the project knows of a unit, it reads from the class
    (:mod:`eie_gen.hw.registry`): ``summary``, one line on its place in the design (the
    design index); ``top``, whether users build it on its own; ``waves``, GTKWave group ->
    its key ports (Verilog names) for ``eie run --waves`` (units directly in eie_top or a PE).
    """

    summary: str = ""
    top: bool = False
    waves: dict[str, list[str]] = {}

    def __init__(self, config: EIEConfig, members: dict):
        if not isinstance(config, EIEConfig):
            raise TypeError(f"config must be an EIEConfig, not {config!r}")
        self._config = config
        super().__init__(members)

    @property
    def config(self) -> EIEConfig:
        return self._config
