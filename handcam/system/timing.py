"""Small latency statistics helpers."""

from __future__ import annotations

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
