"""Cold start: how long a new user waits, and how much memory it takes.

    python -m benchmarks.cold_start --image PHOTO [--video VIDEO] [--runs 3] [--json]

For ``handcam predict PHOTO`` in a fresh process: seconds from launch to the first line
printed, to the end, and the peak resident memory. With ``--video``, for the window
(offscreen unless a display is set) on that video: seconds from launch to the first frame
shown, and its peak memory. Each figure is the median of ``--runs`` launches (the first
launch also pays for the disk cache; all are shown).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _wait(proc: subprocess.Popen) -> float:
    """Wait for a child; its peak resident memory in MB (Linux's wait4)."""
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    return usage.ru_maxrss / 1024


def predict_once(image: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "handcam", "predict", str(image)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = proc.stdout.readline()
    t_first = time.perf_counter() - t0
    proc.stdout.read()
    peak = _wait(proc)
    return {
        "first_line_s": round(t_first, 3),
        "total_s": round(time.perf_counter() - t0, 3),
        "peak_mb": round(peak, 1),
        "output": first.strip(),
    }


def window_once(video: Path, seconds: float = 8.0) -> dict:
    env = {**os.environ}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "handcam", "--source", str(video), "--exit-after", str(seconds)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    err = proc.stderr.read()
    peak = _wait(proc)
    line = next((x for x in err.splitlines() if x.startswith("handcam: display ")), None)
    stats = json.loads(line.split(" ", 2)[2]) if line else {}
    return {
        "first_frame_shown_s": stats.get("first_frame_shown_s"),
        "frames_shown": stats.get("frames_shown", 0),
        "total_s": round(time.perf_counter() - t0, 3),
        "peak_mb": round(peak, 1),
    }


def _median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 3) if values else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.cold_start", description=__doc__.split("\n")[0]
    )
    p.add_argument("--image", type=Path, required=True, help="a photo with a hand")
    p.add_argument("--video", type=Path, help="also time the window on this video")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--json", action="store_true", help="one JSON object")
    args = p.parse_args(argv)
    report: dict = {"predict": [predict_once(args.image) for _ in range(args.runs)]}
    summary = {
        "predict_first_line_s": _median(report["predict"], "first_line_s"),
        "predict_peak_mb": _median(report["predict"], "peak_mb"),
    }
    if args.video:
        report["window"] = [window_once(args.video) for _ in range(args.runs)]
        summary["window_first_frame_s"] = _median(report["window"], "first_frame_shown_s")
        summary["window_peak_mb"] = _median(report["window"], "peak_mb")
    report["median"] = summary
    if args.json:
        print(json.dumps(report))
        return 0
    for r in report["predict"]:
        print(
            f"predict: first line {r['first_line_s']:.2f} s, done {r['total_s']:.2f} s, "
            f"peak {r['peak_mb']:.0f} MB  ({r['output']})"
        )
    for r in report.get("window", []):
        print(
            f"window: first frame shown {r['first_frame_shown_s']} s, peak {r['peak_mb']:.0f} MB"
            f" ({r['frames_shown']} frames shown)"
        )
    print("median: " + ", ".join(f"{k} {v}" for k, v in summary.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
