"""The one valid/ready stream driver, over :mod:`eie_gen.sim.io`: the same code drives a
stream in the Amaranth simulator and under cocotb (Icarus, Verilator)."""

from __future__ import annotations

import itertools

from eie_gen.sim.io import to_signed

__all__ = ["StreamSource", "random_gaps", "stream_through"]


def random_gaps(rng, idle: float):
    """Idle cycles before each item: each cycle idle with probability ``idle``."""
    while True:
        gap = 0
        while rng.random() < idle:
            gap += 1
        yield gap


class StreamSource:
    """Offer ``payloads`` on stream ``port`` (``port.valid``, ``port.payload``,
    ``port.ready``) one at a time, ``gaps`` idle cycles before each (an iterable; default
    none). Keeps the stream rules: valid and payload hold until the transfer.

    Each cycle: :meth:`drive` before the design settles, :meth:`sample` after. ``refused``
    counts the cycles an offered item was not taken."""

    def __init__(self, io, port: str, payloads, gaps=None):
        self.io, self.port, self.payloads = io, port, [int(p) for p in payloads]
        self._gaps = iter(gaps) if gaps is not None else itertools.repeat(0)
        self.sent, self.valid, self.refused = 0, False, 0
        self._wait = next(self._gaps) if self.payloads else 0

    @property
    def done(self) -> bool:
        return self.sent == len(self.payloads)

    def drive(self) -> None:
        if not self.valid and not self.done:
            if self._wait == 0:
                self.valid = True
                self.io.set(f"{self.port}.payload", self.payloads[self.sent])
            else:
                self._wait -= 1
        self.io.set(f"{self.port}.valid", int(self.valid))

    def sample(self) -> bool:
        """Whether the offered item was taken this cycle."""
        if not self.valid:
            return False
        if self.io.get(f"{self.port}.ready"):
            self.sent, self.valid = self.sent + 1, False
            self._wait = next(self._gaps) if not self.done else 0
            return True
        self.refused += 1
        return False


async def stream_through(io, i: str, o: str, payloads, rng, idle: float = 0.0,
                         stall: float = 0.0, n_out: int | None = None,
                         signed: bool = False) -> list[int]:
    """Send ``payloads`` into stream ``i`` and collect ``n_out`` (default: as many) from
    stream ``o``, with random idle cycles on ``i`` and random back-pressure on ``o``.

    Payloads are the packed bits (struct layouts: ``layout.const({...}).as_value().value``);
    ``signed``: read ``o``'s payload as signed. Raises ``AssertionError`` if the design stops
    making progress or sends more than ``n_out`` items."""
    n_out = len(payloads) if n_out is None else n_out
    src = StreamSource(io, i, payloads, random_gaps(rng, idle))
    width = io.width(f"{o}.payload")
    got = []
    for _ in range(20 * (len(payloads) + n_out) + 50):
        if len(got) == n_out and src.done:
            break
        src.drive()
        ready = rng.random() >= stall
        io.set(f"{o}.ready", int(ready))
        await io.settle()
        if ready and io.get(f"{o}.valid"):       # the payload only when valid (X otherwise)
            value = io.get(f"{o}.payload")
            got.append(to_signed(value, width) if signed else value)
        src.sample()
        await io.tick()
    io.set(f"{i}.valid", 0)
    if len(got) != n_out or not src.done:
        raise AssertionError(f"stalled after {src.sent} sent, {len(got)} received")
    io.set(f"{o}.ready", 1)            # nothing more may come out: made-up items fail here
    for _ in range(8):
        await io.settle()
        if io.get(f"{o}.valid"):
            raise AssertionError(f"more than the {n_out} expected items came out")
        await io.tick()
    io.set(f"{o}.ready", 0)
    return got
