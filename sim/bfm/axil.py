"""An AXI4-Lite master for Amaranth-simulator testbenches, with optional random delays."""

from __future__ import annotations

import random

__all__ = ["AmaranthAXILite"]


class AmaranthAXILite:
    """Word reads and writes on an ``AXILiteSignature`` port through an
    :class:`~eie_gen.sim.io.AmaranthIO` style adapter (``set``/``get``/``settle``/``tick``).
    ``delay`` is the probability of an idle cycle before each channel handshake and of holding
    ``bready``/``rready`` low."""

    def __init__(self, io, prefix: str = "s_axil", *, delay: float = 0.0, seed: int = 0):
        self.io, self.p = io, prefix
        self.delay, self.rng = delay, random.Random(seed)
        for name in ("awvalid", "wvalid", "bready", "arvalid", "rready", "wstrb", "awprot",
                     "arprot"):
            io.set(f"{prefix}.{name}", 0xF if name == "wstrb" else 0)

    async def _pause(self):
        while self.delay and self.rng.random() < self.delay:
            await self.io.tick()

    async def _offer(self, valids, readies) -> None:
        """Raise ``valids`` until every one of ``readies`` is seen high, then drop them."""
        io, p = self.io, self.p
        await self._pause()
        for name in valids:
            io.set(f"{p}.{name}", 1)
        while True:
            await io.settle()
            done = all(io.get(f"{p}.{name}") for name in readies)
            await io.tick()
            if done:
                break
        for name in valids:
            io.set(f"{p}.{name}", 0)

    async def _accept(self, valid: str, ready: str, fields) -> list[int]:
        """Take one beat of a slave-to-master channel (with random back-pressure)."""
        io, p = self.io, self.p
        while True:
            go = not (self.delay and self.rng.random() < self.delay)
            io.set(f"{p}.{ready}", int(go))
            await io.settle()
            got = go and io.get(f"{p}.{valid}")
            if got:
                values = [io.get(f"{p}.{name}") for name in fields]
            await io.tick()
            if got:
                io.set(f"{p}.{ready}", 0)
                return values

    async def write(self, addr: int, value: int) -> None:
        self.io.set(f"{self.p}.awaddr", addr)
        self.io.set(f"{self.p}.wdata", value & 0xFFFFFFFF)
        # This slave takes address and data together.
        await self._offer(("awvalid", "wvalid"), ("awready", "wready"))
        (resp,) = await self._accept("bvalid", "bready", ("bresp",))
        if resp:
            raise AssertionError(f"AXI write to {addr:#x}: response {resp}")

    async def read(self, addr: int) -> int:
        self.io.set(f"{self.p}.araddr", addr)
        await self._offer(("arvalid",), ("arready",))
        data, resp = await self._accept("rvalid", "rready", ("rdata", "rresp"))
        if resp:
            raise AssertionError(f"AXI read of {addr:#x}: response {resp}")
        return data
