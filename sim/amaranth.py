"""One way to run a design in the Amaranth simulator: a clock, the testbenches, a VCD on
request."""

from __future__ import annotations

from amaranth.sim import Simulator

__all__ = ["simulate", "PERIOD"]

PERIOD = 1e-8       # 100 MHz; only the cycle count matters


def simulate(dut, *testbenches, vcd=None) -> None:
    """Run the async ``testbenches`` (each takes ``ctx``) on ``dut`` with its ``sync`` clock
    until they return; ``vcd``: also write the waveform to that path (the design's scope is
    ``bench.top``)."""
    sim = Simulator(dut)
    sim.add_clock(PERIOD)
    for bench in testbenches:
        sim.add_testbench(bench)
    if vcd is None:
        sim.run()
    else:
        with sim.write_vcd(str(vcd)):
            sim.run()
