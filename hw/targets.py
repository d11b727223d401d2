"""Generation targets: which vendor primitives a netlist may instantiate.

A target reaches each unit as the ``platform`` argument of ``elaborate`` (an Amaranth
convention); units ask :func:`target_of`. ``generic`` instantiates nothing (the netlist any
tool and simulator takes); ``ecp5`` instantiates DP16KD where it saves block RAMs, with our
own simulation model (``sim/models/ecp5/``); ``ice40`` instantiates nothing yet.
"""

from __future__ import annotations

from eie_gen.errors import InputError

__all__ = ["TARGETS", "Target", "target_of"]

TARGETS = ("generic", "ecp5", "ice40")


class Target:
    """The ``platform`` handed to ``elaborate``: only a name (no Amaranth platform
    services)."""

    def __init__(self, name: str):
        if name not in TARGETS:
            raise InputError(f"unknown target {name!r}; available: {', '.join(TARGETS)}")
        self.eie_target = name

    def __repr__(self):
        return f"Target({self.eie_target!r})"


def target_of(platform) -> str:
    return getattr(platform, "eie_target", "generic")
