"""Shared by the benchmarks: best-of-N wall time (the least disturbed run on a shared machine)."""
from __future__ import annotations

import time


def best_time(fn, repeats: int) -> tuple[float, object]:
    """The shortest of ``repeats`` timings of ``fn()`` and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
