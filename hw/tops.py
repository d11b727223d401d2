"""The designs ``eie generate`` and ``eie synth`` can build, by name."""

from __future__ import annotations

from amaranth.back import verilog

from golden.config import EIEConfig
from golden.errors import InputError

from .codebook import CodebookDecoder
from .eie_top import EIETop
from .pe import ProcessingElement

__all__ = ["TOPS", "PLANNED", "build_top", "to_verilog"]

# name -> constructor taking the config
TOPS = {
    "codebook": CodebookDecoder,
    "pe": ProcessingElement,
    "eie_top": EIETop,
}
# Named in the contract but not built yet: a clear error instead of an unknown-name one.
PLANNED: dict[str, str] = {}


def build_top(name: str, config: EIEConfig):
    if name in PLANNED:
        raise InputError(PLANNED[name])
    if name not in TOPS:
        raise InputError(f"unknown top {name!r}; available: {', '.join(TOPS)}")
    return TOPS[name](config)


def to_verilog(name: str, config: EIEConfig) -> str:
    """Verilog of top ``name`` (module named ``name``), reproducible (no source paths)."""
    return verilog.convert(build_top(name, config), name=name, emit_src=False)
