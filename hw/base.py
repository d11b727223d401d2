"""The base of every generated block: a Component built from one frozen configuration."""

from amaranth.lib import wiring

from eie_gen.config import EIEConfig

__all__ = ["EIEComponent"]


class EIEComponent(wiring.Component):
    """A ``wiring.Component`` whose signature is computed from ``config`` by the subclass."""

    def __init__(self, config: EIEConfig, members: dict):
        if not isinstance(config, EIEConfig):
            raise TypeError(f"config must be an EIEConfig, not {config!r}")
        self._config = config
        super().__init__(members)

    @property
    def config(self) -> EIEConfig:
        return self._config
