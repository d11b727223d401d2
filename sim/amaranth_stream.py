"""Stream helpers for Amaranth-simulator testbenches (Amaranth 0.5 ships none yet)."""

from __future__ import annotations

__all__ = ["stream_through"]


async def stream_through(ctx, i, o, payloads, rng, idle: float = 0.0, stall: float = 0.0):
    """Send ``payloads`` into stream ``i`` and collect as many from stream ``o``, one cycle at
    a time, with random idle cycles on ``i`` and random back-pressure on ``o``.

    Keeps the stream rules: ``valid`` and ``payload`` stay put until the transfer. Raises
    ``AssertionError`` if the design stops making progress.
    """
    got, sent, valid = [], 0, False
    for _ in range(20 * len(payloads) + 50):
        if len(got) == len(payloads):
            break
        if not valid and sent < len(payloads) and rng.random() >= idle:
            valid = True
            ctx.set(i.payload, int(payloads[sent]))
        ctx.set(i.valid, int(valid))
        ready = rng.random() >= stall
        ctx.set(o.ready, int(ready))
        i_ready, o_valid, o_payload = ctx.get(i.ready), ctx.get(o.valid), ctx.get(o.payload)
        if valid and i_ready:
            sent, valid = sent + 1, False
        if ready and o_valid:
            got.append(o_payload)
        await ctx.tick()
    ctx.set(i.valid, 0)
    ctx.set(o.ready, 0)
    if len(got) != len(payloads):
        raise AssertionError(f"stalled after {sent} sent, {len(got)} received")
    return got
