"""Soak: the recognition loop on a looping video for N minutes.

    python -m benchmarks.soak --source VIDEO --minutes 60 [--csv OUT] [--interval 60] [--window]

By default it runs the app's recognition session (the loop the window runs: a capture
thread, the newest frame wins, the composer, the statistics) in a thread of its own,
without Qt. ``--window`` runs the real window instead (offscreen unless a display is
set), which adds painting, the plot and the docks.

Every interval it prints resident memory, thread count and frames processed; at the end
the memory slope after warm-up (the first ``--warmup`` minutes are left out), the total
growth after warm-up, frames processed and the processing rate against the video's
fps. Exit status 1 when the loop or the frame grabber died, the source failed, or no
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
    minutes: float  # since the loop started
    rss_mb: float
    threads: int
    processed: int  # frames the worker processed
    shown: int  # frames the window painted (without the window: processed)
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
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.soak", description=__doc__.split("\n")[0]
    )
    p.add_argument("--source", required=True, type=Path, help="a video file (played in a loop)")
    p.add_argument("--minutes", required=True, type=float, help="how long to run")
    p.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    p.add_argument("--warmup", type=float, default=5.0, help="minutes left out of the slope")
    p.add_argument("--csv", type=Path, help="write the samples here")
    p.add_argument("--model", help="model bundle folder (default: the bundled one)")
    p.add_argument("--max-growth-mb", type=float, help="fail when growth after warm-up exceeds")
    p.add_argument(
        "--window", action="store_true", help="run the real window (offscreen) over the loop"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.source.is_file():
        print(f"soak: {args.source}: no such video file", file=sys.stderr)
        return 2
    from handcam.system.allocator import tune_allocator
    from handcam.system.native_logs import configure_native_logging

    configure_native_logging()
    tune_allocator()  # as the app does, before the capture and loop threads start
    from handcam.capture.sources import VideoFileSource

    with VideoFileSource(args.source) as probe:
        video_fps = probe.fps
    run = _soak_window if args.window else _soak_session
    samples, events = run(args)
    summary = summarize(samples, video_fps, args.warmup)
    if args.csv:
        _write_csv(args.csv, samples)
    for event in events:
        print(f"soak event: {event}", flush=True)
    print("soak summary: " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    return exit_code(summary, events, args.max_growth_mb)


class _Sampler:
    """Takes and prints one :class:`Sample` each time it is called."""

    def __init__(self, processed, shown, loop_alive) -> None:
        self.t0 = time.monotonic()
        self.samples: list[Sample] = []
        self._processed, self._shown, self._alive = processed, shown, loop_alive
        self._seen_grabber = False

    def __call__(self) -> None:
        names = {t.name for t in threading.enumerate()}
        self._seen_grabber |= "frame-grabber" in names
        s = Sample(
            (time.monotonic() - self.t0) / 60,
            rss_mb(),
            thread_count(),
            self._processed(),
            self._shown(),
            self._alive(),
            "frame-grabber" in names or not self._seen_grabber,  # starts after the model
        )
        self.samples.append(s)
        print(
            f"soak {s.minutes:7.2f} min  rss {s.rss_mb:8.1f} MB  threads {s.threads:3d}  "
            f"processed {s.processed:7d}  shown {s.shown:7d}"
            + ("" if s.worker_alive else "  LOOP DEAD")
            + ("" if s.grabber_alive else "  GRABBER DEAD"),
            flush=True,
        )


def _soak_session(args) -> tuple[list[Sample], list[str]]:
    """The recognition session in its own thread, as the window's worker runs it."""
    from handcam.capture.sources import VideoFileSource
    from handcam.model.bundle import default_model_path
    from handcam.recognition.events import ModelFailed, Problem, SourceEnded, SourceFailed
    from handcam.recognition.session import open_session

    session = open_session(args.model or default_model_path())
    session.set_source(
        lambda: VideoFileSource(args.source, loop=True), str(args.source), live=False
    )
    stop = threading.Event()
    events: list[str] = []
    said = {SourceFailed: "source failed", SourceEnded: "source ended",
            ModelFailed: "model failed", Problem: "problem"}  # fmt: skip

    def loop() -> None:
        for event in session.run(stop.is_set):
            if type(event) in said:
                events.append(f"{said[type(event)]}: {event.message}")

    thread = threading.Thread(target=loop, name="recognition-loop")
    thread.start()
    processed = lambda: session.stats().processed  # noqa: E731
    sample = _Sampler(processed, processed, thread.is_alive)
    sample()
    end = sample.t0 + args.minutes * 60
    while (left := end - time.monotonic()) > 0:
        stop.wait(min(args.interval, left))
        if time.monotonic() < end:
            sample()
    sample()
    stop.set()
    thread.join(30)
    return sample.samples, events


def _soak_window(args) -> tuple[list[Sample], list[str]]:
    """The real window (offscreen unless a display is set) over the same session."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer

    from handcam.capture.sources import VideoFileSource
    from handcam.ui.app import start_window

    scratch = tempfile.TemporaryDirectory(prefix="handcam-soak-")
    app_args = argparse.Namespace(
        source=str(args.source), model=args.model, data_dir=Path(scratch.name) / "data",
        log_predictions=None, no_mirror=False, snapshot=None, exit_after=None, verbose=False,
    )  # fmt: skip
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
    sample = _Sampler(
        lambda: worker.stats().processed, lambda: window.frames_shown, worker.isRunning
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
    scratch.cleanup()
    return sample.samples, events


def _write_csv(path: Path, samples: list[Sample]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(asdict(samples[0])))
        writer.writeheader()
        for s in samples:
            writer.writerow(
                asdict(s) | {"minutes": round(s.minutes, 4), "rss_mb": round(s.rss_mb, 2)}
            )


if __name__ == "__main__":
    sys.exit(main())
