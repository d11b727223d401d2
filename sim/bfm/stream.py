"""Stream helpers for Amaranth-simulator testbenches (Amaranth 0.5 ships none yet)."""

from __future__ import annotations

__all__ = ["stream_through"]


def _bits(payload):
    """The plain value behind a payload (a ``data.View`` for struct layouts)."""
    return payload.as_value() if hasattr(payload, "as_value") else payload


def _fit(port, value: int) -> int:
    """``value`` as the simulator wants it for ``port`` (negative for a signed port's top bit)."""
    if port.shape().signed:
        return value
    return value & ((1 << len(port)) - 1)


async def stream_through(ctx, i, o, payloads, rng, idle: float = 0.0, stall: float = 0.0,
                         n_out: int | None = None):
    """Send ``payloads`` into stream ``i`` and collect ``n_out`` (default: as many) from
    stream ``o``, one cycle at a time, with random idle cycles on ``i`` and random
    back-pressure on ``o``.

    Struct payloads travel as their packed bits (unsigned integers). Keeps the stream rules:
    ``valid`` and ``payload`` stay put until the transfer. Raises ``AssertionError`` if the
    design stops making progress.
    """
    n_out = len(payloads) if n_out is None else n_out
    i_payload, o_payload_port = _bits(i.payload), _bits(o.payload)
    mask = (1 << len(o_payload_port)) - 1
    got, sent, valid = [], 0, False
    for _ in range(20 * (len(payloads) + n_out) + 50):
        if len(got) == n_out and sent == len(payloads):
            break
        if not valid and sent < len(payloads) and rng.random() >= idle:
            valid = True
            ctx.set(i_payload, _fit(i_payload, int(payloads[sent])))
        ctx.set(i.valid, int(valid))
        ready = rng.random() >= stall
        ctx.set(o.ready, int(ready))
        i_ready, o_valid = ctx.get(i.ready), ctx.get(o.valid)
        o_payload = ctx.get(o_payload_port)
        if valid and i_ready:
            sent, valid = sent + 1, False
        if ready and o_valid:
            got.append(o_payload if o_payload_port.shape().signed else o_payload & mask)
        await ctx.tick()
    ctx.set(i.valid, 0)
    if len(got) != n_out or sent != len(payloads):
        raise AssertionError(f"stalled after {sent} sent, {len(got)} received")
    # Nothing more may come out: a unit that makes up items fails here.
    ctx.set(o.ready, 1)
    for _ in range(8):
        if ctx.get(o.valid):
            raise AssertionError(f"more than the {n_out} expected items came out")
        await ctx.tick()
    ctx.set(o.ready, 0)
    return got
