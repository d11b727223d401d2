"""What every cocotb module here shares: the configuration and seed from the environment
(set by :func:`eie_gen.sim.runner.run_cocotb`), the clock, the reset and the AXI4-Lite
master."""

from __future__ import annotations

import os
import random

from eie_gen.config import EIEConfig

__all__ = ["config", "seed", "rng", "start", "release", "reset", "axil_master"]

CLOCK_NS = 10


def config() -> EIEConfig:
    return EIEConfig.from_json(os.environ["EIE_CONFIG"])


def seed() -> int:
    return int(os.environ.get("COCOTB_RANDOM_SEED", "1"))


def rng(name: str) -> random.Random:
    """A generator of its own per test, from the run's seed."""
    return random.Random(f"{seed()}:{name}")


def start(dut) -> None:
    """Start ``clk`` and hold ``rst`` high."""
    from cocotb.clock import Clock  # noqa: PLC0415 (inside cocotb only)
    Clock(dut.clk, CLOCK_NS, unit="ns").start()
    dut.rst.value = 1


async def release(dut, cycles: int = 2) -> None:
    """Release ``rst`` on the falling edge after ``cycles`` rising ones."""
    from cocotb.triggers import ClockCycles, FallingEdge  # noqa: PLC0415
    await ClockCycles(dut.clk, cycles)
    await FallingEdge(dut.clk)
    dut.rst.value = 0


async def reset(dut, cycles: int = 2) -> None:
    """:func:`start`, then :func:`release`."""
    start(dut)
    await release(dut, cycles)


def axil_master(dut):
    """cocotbext-axi's AXI4-Lite master on the ``s_axil_*`` ports (call after :func:`start`)."""
    from cocotbext.axi import AxiLiteBus, AxiLiteMaster  # noqa: PLC0415
    return AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axil_"), dut.clk, dut.rst)
