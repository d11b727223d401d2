"""An AXI4-Lite master for Amaranth-simulator testbenches, with optional random delays."""

from __future__ import annotations

import random

__all__ = ["AmaranthAXILite"]


class AmaranthAXILite:
    """Word reads and writes on an ``AXILiteSignature`` port through an :class:`~sim.io.AmaranthIO`
    style adapter (``set``/``get``/``settle``/``tick``). ``delay`` is the probability of an idle
    cycle before each channel handshake and of holding ``bready``/``rready`` low."""

    def __init__(self, io, prefix: str = "s_axil", *, delay: float = 0.0, seed: int = 0):
        self.io, self.p = io, prefix
        self.delay, self.rng = delay, random.Random(seed)
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready", "wstrb", "awprot",
                     "arprot"):
            io.set(f"{prefix}.{name}", 0xF if name == "wstrb" else 0)

    async def _pause(self):
        while self.delay and self.rng.random() < self.delay:
            await self.io.tick()

    async def write(self, addr: int, value: int) -> None:
        io, p = self.io, self.p
        await self._pause()
        io.set(f"{p}.awaddr", addr)
        io.set(f"{p}.wdata", value & 0xFFFFFFFF)
        io.set(f"{p}.awvalid", 1)
        io.set(f"{p}.wvalid", 1)
        while True:                       # this slave takes address and data together
            await io.settle()
            done = io.get(f"{p}.awready") and io.get(f"{p}.wready")
            await io.tick()
            if done:
                break
        io.set(f"{p}.awvalid", 0)
        io.set(f"{p}.wvalid", 0)
        while True:
            ready = not (self.delay and self.rng.random() < self.delay)
            io.set(f"{p}.bready", int(ready))
            await io.settle()
            got = ready and io.get(f"{p}.bvalid")
            if got:
                resp = io.get(f"{p}.bresp")
            await io.tick()
            if got:
                break
        io.set(f"{p}.bready", 0)
        if resp:
            raise AssertionError(f"AXI write to {addr:#x}: response {resp}")

    async def read(self, addr: int) -> int:
        io, p = self.io, self.p
        await self._pause()
        io.set(f"{p}.araddr", addr)
        io.set(f"{p}.arvalid", 1)
        while True:
            await io.settle()
            done = io.get(f"{p}.arready")
            await io.tick()
            if done:
                break
        io.set(f"{p}.arvalid", 0)
        while True:
            ready = not (self.delay and self.rng.random() < self.delay)
            io.set(f"{p}.rready", int(ready))
            await io.settle()
            got = ready and io.get(f"{p}.rvalid")
            if got:
                data, resp = io.get(f"{p}.rdata"), io.get(f"{p}.rresp")
            await io.tick()
            if got:
                break
        io.set(f"{p}.rready", 0)
        if resp:
            raise AssertionError(f"AXI read of {addr:#x}: response {resp}")
        return data
