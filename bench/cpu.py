"""What a user would run on the CPU instead, timed in the same run on the same layers.

float32 throughout, one input vector (batch 1, as EIE runs), one process (``make bench`` runs
it with one BLAS thread: ``OPENBLAS_NUM_THREADS=1``):

* ``dense``: numpy ``W @ x`` (OpenBLAS SGEMV) on the dense matrix, the baseline of the ratios;
* ``csr``, ``csc``: scipy.sparse ``A @ x``;
* ``csc_skip``: scipy CSC on the non-zero inputs only, ``A[:, nz] @ x[nz]``: EIE's activation
  skipping done on the CPU (the column selection is part of the time).

Times are the median of repeats after a warm-up; what is reported are ratios between them and
against the accelerator's cycles, since absolute times say more about the machine.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

__all__ = ["time_call", "cpu_matvec", "CPU_KERNELS"]

CPU_KERNELS = ("dense", "csr", "csc", "csc_skip")


def time_call(fn, min_repeats: int = 5, min_seconds: float = 0.2) -> float:
    """Median seconds per call of ``fn()`` (one warm-up call, then at least ``min_repeats``
    calls and ``min_seconds`` of calls)."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_repeats or time.perf_counter() - start < min_seconds:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def cpu_matvec(rows, cols, shape, x, values=None, seed: int = 0) -> dict:
    """Seconds per product of the layer with non-zero weights at ``(rows, cols)`` and the
    input ``x`` (dense vector with zeros), for each of :data:`CPU_KERNELS`; the four results
    are checked against each other."""
    import scipy.sparse as sp  # noqa: PLC0415 (only the benchmarks need scipy)

    rng = np.random.default_rng(seed)
    if values is None:
        values = rng.standard_normal(len(rows)).astype(np.float32)
    csr = sp.csr_matrix((values, (rows, cols)), shape=shape, dtype=np.float32)
    csc = csr.tocsc()
    dense = csr.toarray()
    x = np.asarray(x, dtype=np.float32)
    nz = np.flatnonzero(x)
    kernels = {
        "dense": lambda: dense @ x,
        "csr": lambda: csr @ x,
        "csc": lambda: csc @ x,
        "csc_skip": lambda: csc[:, nz] @ x[nz],
    }
    ref = kernels["dense"]()
    for name, fn in kernels.items():
        if not np.allclose(fn(), ref, rtol=1e-3, atol=1e-3 * (1 + float(np.abs(ref).max()))):
            raise AssertionError(f"CPU kernel {name} disagrees with the dense product")
    out = {name: time_call(fn) for name, fn in kernels.items()}
    del dense
    return out
