"""Where independent jobs run: local processes by default, or a Dask distributed cluster.
Synthesis sweeps (``eie_gen.synth.sweep``) and RTL regression grids (``eie_gen.sim.regress``)
both use it, so ``--scheduler ADDR`` means the same everywhere. No Amaranth, no numpy: a floor
everything may stand on."""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ProcessPoolExecutor

from eie_gen.errors import InputError

__all__ = ["executor", "CONNECT_TIMEOUT_S"]

CONNECT_TIMEOUT_S = 30          # to reach a Dask scheduler


@contextlib.contextmanager
def executor(jobs: int | None, scheduler: str | None = None):
    """``(pool, slots)``: a ``concurrent.futures`` executor and how many jobs to keep in it.
    Locally (``scheduler`` None) a process pool of ``jobs`` (default: every core), no server.
    With ``scheduler`` (a Dask distributed address, ``tcp://host:8786``) the cluster's
    workers run the jobs, as many at once as they have threads (or ``jobs``). The workers
    need this package and its tools installed and the output directory on a shared file
    system."""
    if scheduler is None:
        slots = jobs or os.cpu_count() or 1
        with ProcessPoolExecutor(max_workers=slots) as pool:
            yield pool, slots
        return
    try:
        from distributed import Client  # noqa: PLC0415 (optional: pip install '.[cluster]')
    except ImportError:
        raise InputError("--scheduler needs Dask distributed: pip install 'eie-gen[cluster]'") \
            from None
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as e:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
    try:
        slots = jobs or sum(client.nthreads().values()) or 1
        yield client.get_executor(pure=False), slots
    finally:
        client.close()
