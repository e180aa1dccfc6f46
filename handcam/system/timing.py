"""Small timing helpers: latency statistics and the process's age."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

import numpy as np


def summarize(values: Iterable[float]) -> dict[str, float]:
    """Median, p95 and mean of a list of milliseconds (empty -> zeros)."""
    arr = np.asarray(list(values), dtype=np.float64)
    if arr.size == 0:
        return {"median": 0.0, "p95": 0.0, "mean": 0.0, "n": 0}
    return {
        "median": round(float(np.median(arr)), 3),
        "p95": round(float(np.percentile(arr, 95)), 3),
        "mean": round(float(arr.mean()), 3),
        "n": int(arr.size),
    }


_IMPORTED = time.monotonic()


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere: since this module
    was imported, which is soon after)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _IMPORTED
