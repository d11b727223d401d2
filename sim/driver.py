"""The host driver of eie_top: discover the core, load a model image, run inputs, read outputs.

One implementation for every simulator: it only needs a ``bus`` object with ``async
write(addr, value)`` and ``async read(addr) -> int`` (32-bit words): :class:`~sim.amaranth_axil.
AmaranthAXILite` in the Amaranth simulator, :class:`CocotbAXILite` (cocotbext-axi) under
cocotb on Icarus and Verilator.
"""

from __future__ import annotations

import logging

import numpy as np

from eie_gen.rows import to_network_order
from eie_gen import addrmap as am_
from eie_gen.addrmap import address_map
from eie_gen.config import EIEConfig
from eie_gen.errors import InputError
from eie_gen.image import ModelImage
from eie_gen.golden.model import check_input
from eie_gen.placement import check_fits, layer_writes, pe_writes, place
from eie_gen.sim.io import to_signed

__all__ = ["EIEDriver", "CocotbAXILite", "DriverError"]


class DriverError(InputError):
    """The core does not answer as an eie_top, or an image cannot run on it."""


class CocotbAXILite:
    """The driver's bus on a cocotbext-axi ``AxiLiteMaster``."""

    def __init__(self, master):
        self.master = master
        # cocotbext-axi logs every transfer at INFO: tens of MB per model, and slow.
        master.write_if.log.setLevel(logging.WARNING)
        master.read_if.log.setLevel(logging.WARNING)

    async def write(self, addr: int, value: int) -> None:
        await self.master.write_dword(addr, value & 0xFFFFFFFF)

    async def read(self, addr: int) -> int:
        return int(await self.master.read_dword(addr))


class EIEDriver:
    def __init__(self, bus):
        self.bus = bus
        self.config: EIEConfig | None = None
        self.map = None
        self.image: ModelImage | None = None

    async def discover(self) -> EIEConfig:
        """Read the identification words; the core's configuration."""
        words = [await self.bus.read(4 * n) for n in range(len(am_.ID_FIELDS))]
        ident = dict(zip(am_.ID_FIELDS, words))
        if ident["magic"] != am_.MAGIC:
            raise DriverError(f"no eie_top at this port: magic {ident['magic']:#x}, expected "
                              f"{am_.MAGIC:#x}")
        if ident["version"] != am_.MAP_VERSION:
            raise DriverError(f"address map version {ident['version']}, this driver knows "
                              f"{am_.MAP_VERSION}")
        fields = {k: v for k, v in ident.items()
                  if k not in ("magic", "version", "pe_base", "pe_stride")}
        self.config = EIEConfig(**fields)
        self.map = address_map(self.config)
        if (self.map.pe_base, self.map.pe_stride) != (ident["pe_base"], ident["pe_stride"]):
            raise DriverError("the core's PE windows differ from this driver's address map")
        return self.config

    async def load(self, image: ModelImage, progress=None, backdoor=None) -> None:
        """Check that ``image`` fits (before any write), then write it into the core;
        ``progress(k, n_pe)`` is called after each PE's memories. ``backdoor(k, pe)``, if
        given, writes PE ``k``'s pointer, matrix and bias memories instead of the bus
        (simulation only: :class:`sim.backdoor.CocotbBackdoor`)."""
        cfg = self.config or await self.discover()
        check_fits(image, cfg)
        for L in range(1, image.n_layers):
            if image.layers[L].cols != image.layers[L - 1].rows:
                raise DriverError(f"layer {L} takes {image.layers[L].cols} inputs, layer "
                                  f"{L - 1} gives {image.layers[L - 1].rows}")
        placement = place(image, cfg)
        amap, w = self.map, self.bus.write
        for k, pe in enumerate(placement.pes):
            if backdoor is not None:
                backdoor(k, pe)
                if progress is not None:
                    progress(k + 1, len(placement.pes))
                continue
            for addr, value in pe_writes(amap, k, pe):
                await w(addr, value)
            if progress is not None:
                progress(k + 1, len(placement.pes))
        for addr, value in layer_writes(amap, placement, image.n_layers):
            await w(addr, value)
        self.image = image

    async def start(self, a) -> None:
        """Write one input vector's non-zero activations and START (do not wait)."""
        cfg, amap = self.config, self.map
        await self.bus.write(amap.ctrl(am_.CTRL), am_.CTRL_CLEAR_ACT)
        for j in np.nonzero(a)[0]:
            await self.bus.write(amap.act(int(j) % cfg.n_pe, int(j) // cfg.n_pe), int(a[j]))
        await self.bus.write(amap.ctrl(am_.CTRL), am_.CTRL_START)

    async def finish(self, poll=None, max_polls: int | None = None) -> tuple[list[int], int]:
        """Wait for DONE; the outputs (in the core's stored order, see :mod:`eie_gen.rows`),
        the cycle count; ACK. With ``max_polls``, a core that
        has not finished after that many STATUS reads raises :class:`DriverError`."""
        cfg, amap = self.config, self.map
        polls = 0
        while not (status := await self.bus.read(amap.ctrl(am_.STATUS))) & am_.STATUS_DONE:
            polls += 1
            if max_polls is not None and polls >= max_polls:
                raise DriverError(f"no DONE after {polls} STATUS reads (STATUS={status:#x}): "
                                  f"the core hangs")
            if poll is not None:
                await poll()
        cycles = await self.bus.read(amap.ctrl(am_.CYCLES))
        y = [to_signed(await self.bus.read(amap.act(i % cfg.n_pe, i // cfg.n_pe)), 32)
             for i in range(self.image.output_size)]
        await self.bus.write(amap.ctrl(am_.CTRL), am_.CTRL_ACK)
        return y, cycles

    def poll_budget(self) -> int:
        """STATUS reads that outlast any correct run of the loaded image: a run takes fewer
        cycles than its entries, columns and rows plus a fixed cost per layer, and every read
        takes more than a cycle."""
        return sum(len(layer.entries) + sum(layer.shape) + 64
                   for layer in self.image.layers) + 1000

    async def run(self, x, *, poll=None, max_polls: int | None = None
                  ) -> tuple[np.ndarray, list[int]]:
        """Run raw integer inputs ``x`` ((n,) or (batch, n)); returns ``(y, cycles)``.
        ``max_polls`` bounds the wait for each input (default :meth:`poll_budget`; see
        :meth:`finish`)."""
        if self.image is None:
            raise DriverError("load an image before running inputs")
        xs = check_input(self.image, x)
        max_polls = max_polls or self.poll_budget()
        ys, cycles = [], []
        for a in xs:
            await self.start(a)
            y, c = await self.finish(poll, max_polls)
            ys.append(y)
            cycles.append(c)
        y = np.array(ys, dtype=np.int64).reshape(len(xs), self.image.output_size)
        y = to_network_order(y, self.image.output_order)      # undo a load-aware row order
        return (y[0] if np.asarray(x).ndim == 1 else y), cycles
