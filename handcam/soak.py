"""Soak: the real window (offscreen by default) on a looping video for N minutes.

    python -m handcam.soak --source VIDEO --minutes 60 [--csv OUT] [--interval 60]

Every interval it prints resident memory, thread count and frames processed; at the end
the memory slope after warm-up (the first ``--warmup`` minutes are left out), the total
growth after warm-up, frames processed and the processing rate against the video's
fps. Exit status 1 when the worker or the frame grabber died, the source failed, or no
frame was processed (or when growth exceeds ``--max-growth-mb``, if given).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Sample:
    minutes: float  # since the window started
    rss_mb: float
    threads: int
    processed: int  # frames the worker processed
    shown: int  # frames the window painted
    worker_alive: bool
    grabber_alive: bool


def rss_mb() -> float:
    """Resident memory of this process in MB (current, not peak)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:  # peak, not current: the best the standard library offers
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 1024)


def thread_count() -> int:
    """Threads of this process (native ones too, where the system says)."""
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="utf-8").splitlines():
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return threading.active_count()


def summarize(samples: list[Sample], video_fps: float | None, warmup_min: float) -> dict:
    """Slope (MB/min, least squares) and growth after warm-up, frames and rates."""
    import numpy as np

    after = [s for s in samples if s.minutes >= warmup_min]
    note = ""
    if len(after) < 2:  # a short run: the second half stands in for "after warm-up"
        half = samples[-1].minutes / 2 if samples else 0.0
        after = [s for s in samples if s.minutes >= half]
        note = f"warm-up of {warmup_min:g} min not reached: second half of the run used"
    slope = growth = 0.0
    if len(after) >= 2:
        t = np.array([s.minutes for s in after])
        m = np.array([s.rss_mb for s in after])
        slope = float(np.polyfit(t, m, 1)[0]) if np.ptp(t) > 0 else 0.0
        growth = after[-1].rss_mb - after[0].rss_mb
    timed = [s for s in samples if s.processed > 0]
    rate = 0.0
    if len(timed) >= 2 and timed[-1].minutes > timed[0].minutes:
        rate = (timed[-1].processed - timed[0].processed) / (
            (timed[-1].minutes - timed[0].minutes) * 60
        )
    last = samples[-1] if samples else None
    return {
        "minutes": round(last.minutes, 3) if last else 0.0,
        "rss_start_mb": round(samples[0].rss_mb, 1) if samples else 0.0,
        "rss_end_mb": round(last.rss_mb, 1) if last else 0.0,
        "rss_max_mb": round(max(s.rss_mb for s in samples), 1) if samples else 0.0,
        "slope_mb_per_min": round(slope, 4),
        "growth_after_warmup_mb": round(growth, 2),
        "warmup_from_min": round(after[0].minutes, 3) if after else None,
        "frames_processed": last.processed if last else 0,
        "frames_shown": last.shown if last else 0,
        "processing_fps": round(rate, 2),
        "video_fps": round(video_fps, 2) if video_fps else None,
        "rate_vs_video": round(rate / video_fps, 3) if video_fps else None,
        "threads_min": min(s.threads for s in samples) if samples else 0,
        "threads_max": max(s.threads for s in samples) if samples else 0,
        "worker_died": any(not s.worker_alive for s in samples),
        "grabber_died": any(not s.grabber_alive for s in samples),
        "note": note,
    }


def exit_code(summary: dict, events: list[str], max_growth_mb: float | None = None) -> int:
    """1 when a thread died, the source failed, nothing was processed, or memory grew."""
    if summary["worker_died"] or summary["grabber_died"] or events:
        return 1
    if summary["frames_processed"] == 0:
        return 1
    if max_growth_mb is not None and summary["growth_after_warmup_mb"] > max_growth_mb:
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m handcam.soak", description=__doc__.split("\n")[0])
    p.add_argument("--source", required=True, type=Path, help="a video file (played in a loop)")
    p.add_argument("--minutes", required=True, type=float, help="how long to run")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    p.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slope")
    p.add_argument("--csv", type=Path, help="write the samples here")
    p.add_argument("--model", help="model bundle folder (default: the bundled one)")
    p.add_argument("--max-growth-mb", type=float, help="fail when growth after warm-up exceeds")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if not args.source.is_file():
        print(f"soak: {args.source}: no such video file", file=sys.stderr)
        return 2
    from handcam.quiet import configure_native_logging

    configure_native_logging()
    from PySide6.QtCore import QTimer

    from handcam.sources import VideoFileSource
    from handcam.ui.app import start_window

    with VideoFileSource(args.source) as probe:
        video_fps = probe.fps
    scratch = tempfile.TemporaryDirectory(prefix="handcam-soak-")
    app_args = argparse.Namespace(
        source=str(args.source),
        model=args.model,
        data_dir=Path(scratch.name) / "data",
        log_predictions=None,
        no_mirror=False,
        snapshot=None,
        exit_after=None,
        verbose=False,
    )
    app, window, worker, _ = start_window(
        app_args,
        source_factory=lambda: VideoFileSource(args.source, loop=True),
        settings_path=str(Path(scratch.name) / "settings.ini"),
    )
    events: list[str] = []
    for signal, kind in (
        (worker.source_failed, "source failed"),
        (worker.source_ended, "source ended"),
        (worker.model_failed, "model failed"),
        (worker.problem, "problem"),
    ):
        signal.connect(lambda msg, kind=kind: events.append(f"{kind}: {msg}"))
    t0 = time.monotonic()
    samples: list[Sample] = []

    seen_grabber = []

    def sample() -> None:
        names = {t.name for t in threading.enumerate()}
        if "frame-grabber" in names:
            seen_grabber.append(True)
        s = Sample(
            (time.monotonic() - t0) / 60,
            rss_mb(),
            thread_count(),
            worker.stats().processed,
            window.frames_shown,
            worker.isRunning(),
            "frame-grabber" in names or not seen_grabber,  # starts after the model
        )
        samples.append(s)
        print(
            f"soak {s.minutes:7.2f} min  rss {s.rss_mb:8.1f} MB  threads {s.threads:3d}  "
            f"processed {s.processed:7d}  shown {s.shown:7d}"
            + ("" if s.worker_alive else "  WORKER DEAD")
            + ("" if s.grabber_alive else "  GRABBER DEAD"),
            flush=True,
        )

    timer = QTimer()
    timer.setInterval(int(args.interval * 1000))
    timer.timeout.connect(sample)

    def finish() -> None:
        timer.stop()
        sample()
        window.close()
        app.quit()

    sample()
    timer.start()
    QTimer.singleShot(int(args.minutes * 60_000), finish)
    app.exec()
    worker.stop()
    summary = summarize(samples, video_fps, args.warmup)
    if args.csv:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(asdict(samples[0])))
            writer.writeheader()
            for s in samples:
                writer.writerow(
                    asdict(s) | {"minutes": round(s.minutes, 4), "rss_mb": round(s.rss_mb, 2)}
                )
    for event in events:
        print(f"soak event: {event}", flush=True)
    print("soak summary: " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    scratch.cleanup()
    return exit_code(summary, events, args.max_growth_mb)


if __name__ == "__main__":
    sys.exit(main())
