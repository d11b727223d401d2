"""One way for drivers to touch a design's ports, under the Amaranth simulator or cocotb.

A driver cycle is: ``set`` inputs, ``await settle()``, ``get`` outputs (combinational values
with those inputs), ``await tick()`` (one clock edge). Ports are named by their Amaranth path
(``"act_in.payload"``); values are unsigned integers of the port's width both ways.
"""

from __future__ import annotations

__all__ = ["AmaranthIO", "CocotbIO", "to_signed"]


def to_signed(value: int, bits: int) -> int:
    """An unsigned ``bits``-wide port value as two's complement."""
    return value - (1 << bits) if value >> (bits - 1) else value


class AmaranthIO:
    """Ports of component ``dut`` inside an Amaranth testbench context ``ctx``."""

    def __init__(self, ctx, dut):
        self._ctx, self._dut, self._cache = ctx, dut, {}
        self.cycle = 0

    def _port(self, path: str):
        if path not in self._cache:
            obj = self._dut
            for part in path.split("."):
                obj = getattr(obj, part)
            value = obj.as_value() if hasattr(obj, "as_value") else obj
            self._cache[path] = (value, (1 << len(value)) - 1)
        return self._cache[path]

    def set(self, path: str, value: int) -> None:
        port, mask = self._port(path)
        value = int(value) & mask
        if port.shape().signed and value >> (len(port) - 1):
            value -= 1 << len(port)
        self._ctx.set(port, value)

    def get(self, path: str) -> int:
        port, mask = self._port(path)
        return int(self._ctx.get(port)) & mask

    def width(self, path: str) -> int:
        return len(self._port(path)[0])

    async def settle(self) -> None:
        pass

    async def tick(self) -> None:
        await self._ctx.tick()
        self.cycle += 1


class CocotbIO:
    """Ports of a cocotb ``dut`` driven on falling edges of ``clk`` (flattened names:
    ``act_in.payload`` is ``act_in__payload``)."""

    def __init__(self, dut, clk="clk"):
        from cocotb.triggers import FallingEdge, ReadOnly  # noqa: PLC0415 (inside cocotb only)
        self._dut, self._cache = dut, {}
        self._falling = FallingEdge(getattr(dut, clk))
        self._read_only = ReadOnly
        self._settled = False
        self.cycle = 0

    def _port(self, path: str):
        if path not in self._cache:
            self._cache[path] = getattr(self._dut, path.replace(".", "__"))
        return self._cache[path]

    def set(self, path: str, value: int) -> None:
        port = self._port(path)
        port.value = int(value) & ((1 << len(port)) - 1)

    def get(self, path: str) -> int:
        value = self._port(path).value      # Logic for 1-bit ports, LogicArray otherwise
        # X or Z raises here: an undriven output is a failure, not a number.
        return value.to_unsigned() if hasattr(value, "to_unsigned") else int(value)

    def width(self, path: str) -> int:
        return len(self._port(path))

    async def settle(self) -> None:
        await self._read_only()

    async def tick(self) -> None:
        await self._falling
        self.cycle += 1
