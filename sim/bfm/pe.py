"""Drive one processing element (hw/pe.py) the way the control unit does, on any simulator.

The same code runs under the Amaranth simulator and cocotb (through the adapters of
:mod:`eie_gen.sim.io`). It loads a PE's share of a placed image, programs a layer, broadcasts
activations (with optional idle cycles between them), measures the compute and write-back
cycles and reads the outputs back.
"""

from __future__ import annotations

from eie_gen.config import EIEConfig
from eie_gen.hw.layouts import act_layout, nonzero_layout, shift_masks
from eie_gen.placement import LayerPlace, PEContents
from eie_gen.sim.bfm.stream import StreamSource
from eie_gen.sim.io import to_signed

__all__ = ["PEDriver", "pack_act", "broadcasts_for"]


def pack_act(config: EIEConfig, j: int, a: int) -> int:
    """The ``act_layout`` payload bits of broadcast ``(j, a)``."""
    return act_layout(config).const({"j": j, "a": a}).as_value().value


def broadcasts_for(x) -> list[tuple[int, int]]:
    """The ``(j, a_j)`` a PE receives for input ``x``: the non-zeros, ascending ``j``."""
    return [(j, int(a)) for j, a in enumerate(x) if a != 0]


class PEDriver:
    def __init__(self, io, config: EIEConfig):
        self.io, self.cfg = io, config
        self.refused = 0        # cycles of the last broadcast() with valid high and ready low
        for name in ("act_in.valid", "clear_src", "scan", "wb_start",
                     "ptr_wr.en", "spmat_wr.en", "cb_wr.en", "bias_wr.en", "act_wr.en",
                     "act_rd.en", "nz_out.ready"):
            io.set(name, 0)
        io.set("act_rd.oce", 1)     # the host never holds the read port's output register

    async def pulse(self, name: str) -> None:
        self.io.set(name, 1)
        await self.io.tick()
        self.io.set(name, 0)

    async def write(self, port: str, values, base: int = 0) -> None:
        """Write ``values`` through write port ``port`` from address ``base``, one per cycle."""
        io = self.io
        for addr, value in enumerate(values, start=base):
            io.set(f"{port}.en", 1)
            io.set(f"{port}.addr", addr)
            io.set(f"{port}.data", int(value))
            await io.tick()
        io.set(f"{port}.en", 0)

    async def load(self, contents: PEContents) -> None:
        """Pointers, matrix words and biases of every layer (the PE must be idle)."""
        await self.write("ptr_wr", contents.ptr)
        await self.write("spmat_wr", contents.spmat)
        await self.write("bias_wr", contents.bias)

    async def layer(self, lp: LayerPlace, timeout: int = 100_000) -> None:
        """Program layer ``lp``: descriptor and codebook, once the PE is ready (its
        accumulators zeroed after reset)."""
        io = self.io
        for _ in range(timeout):
            await io.settle()
            ready = io.get("ready")
            await io.tick()                     # leave the sampling phase either way
            if ready:
                break
        else:
            raise AssertionError(f"PE not ready {timeout} cycles after reset")
        io.set("layer.ptr_base", lp.ptr_base)
        io.set("layer.bias_base", lp.bias_base)
        io.set("layer.n_rows", lp.n_rows)
        io.set("layer.shift", lp.shift)
        io.set("layer.wb_masks", shift_masks(self.cfg, lp.shift))     # the control unit's decode
        io.set("layer.relu", int(lp.relu))
        await self.write("cb_wr", lp.codebook)

    async def broadcast(self, items, gaps=None, timeout: int = 100_000) -> int:
        """Offer ``items`` ``(j, a)`` on ``act_in`` (``gaps[i]`` idle cycles before item ``i``
        after the previous one was taken) and wait for the PE to go idle.

        Returns the cycle count: cycle 0 is this call's first cycle, the result the first cycle
        with every item taken and ``idle`` high (what :func:`eie_gen.golden.pe_model.pe_cycles`
        predicts).
        """
        io = self.io
        src = StreamSource(io, "act_in", [pack_act(self.cfg, j, a) for j, a in items], gaps)
        for cycle in range(timeout):
            src.drive()
            await io.settle()
            if src.done and io.get("idle"):
                await io.tick()                 # leave the sampling phase before returning
                self.refused = src.refused
                return cycle
            src.sample()
            await io.tick()
            io.set("act_in.valid", 0)
        raise AssertionError(f"PE not idle after {timeout} cycles ({src.sent} of {len(items)} "
                             f"broadcasts taken)")

    async def writeback(self, n_rows: int, timeout: int = 100_000) -> int:
        """Run the write-back; returns cycles from the start pulse to ``wb_busy`` low."""
        if n_rows == 0:
            return 0
        await self.pulse("wb_start")
        for cycle in range(1, timeout):
            await self.io.settle()
            if not self.io.get("wb_busy"):
                await self.io.tick()
                return cycle
            await self.io.tick()
        raise AssertionError(f"write-back still busy after {timeout} cycles")

    async def read_src(self, n: int) -> list[int]:
        """Activation rows ``0 .. n-1`` (a layer's outputs after its write-back), signed: each
        on ``act_rd.data`` two cycles after its address (the read port's output register)."""
        io, out = self.io, []
        for r in range(n + 2 if n else 0):
            io.set("act_rd.en", int(r < n))
            io.set("act_rd.addr", min(r, n - 1) if n else 0)
            if r >= 2:
                await io.settle()
                out.append(to_signed(io.get("act_rd.data"), self.cfg.act_bits))
            await io.tick()
        io.set("act_rd.en", 0)
        return out

    async def write_src(self, values) -> None:
        """Clear every row's non-zero flag, then write ``values`` from row 0."""
        await self.pulse("clear_src")
        await self.write("act_wr", values)

    async def scan(self, timeout: int = 100_000) -> list[tuple[int, int]]:
        """Run the local leading-non-zero detector over the source bank; its ``(r, a)``."""
        io, out = self.io, []
        await self.pulse("scan")
        io.set("nz_out.ready", 1)
        for _ in range(timeout):
            await io.settle()
            if io.get("nz_out.valid"):
                item = nonzero_layout(self.cfg).from_bits(io.get("nz_out.payload"))
                out.append((item.r, item.a))
            elif io.get("scan_done"):
                await io.tick()
                io.set("nz_out.ready", 0)
                return out
            await io.tick()
        raise AssertionError(f"detector not done after {timeout} cycles")
