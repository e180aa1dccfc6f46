"""The soak command: its figures, its verdict, the looping video, and a short real run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from benchmarks.soak import Sample, exit_code, rss_mb, summarize, thread_count
from conftest import MODEL, REPO, write_video
from handcam.capture.sources import VideoFileSource


def samples(rss: list[float], every_min: float = 1.0, **kw) -> list[Sample]:
    alive = {"worker_alive": True, "grabber_alive": True} | kw
    return [Sample(i * every_min, m, 12, i * 1800, i * 1700, **alive) for i, m in enumerate(rss)]


def test_slope_and_growth_leave_out_the_warm_up():
    rss = [150, 220, 224, 226, 227, 228] + [228 + 0.1 * i for i in range(1, 11)]
    s = summarize(samples(rss), video_fps=30.0, warmup_min=5)
    assert s["warmup_from_min"] == 5.0
    assert s["slope_mb_per_min"] == pytest.approx(0.1, abs=1e-6)
    assert s["growth_after_warmup_mb"] == pytest.approx(1.0)
    assert s["processing_fps"] == pytest.approx(30.0) and s["rate_vs_video"] == 1.0
    assert s["frames_processed"] == 15 * 1800 and not s["worker_died"]
    assert exit_code(s, []) == 0
    assert exit_code(s, [], max_growth_mb=0.5) == 1


HEALTHY = dict(worker_died=False, grabber_died=False, frames_processed=900,
               growth_after_warmup_mb=1.0)  # fmt: skip


@pytest.mark.parametrize(
    "fault, events, limit",
    [
        ({"worker_died": True}, [], None),
        ({"grabber_died": True}, [], None),
        ({}, ["source failed: x.mp4: not a readable video"], None),
        ({"frames_processed": 0}, [], None),
        ({"growth_after_warmup_mb": 6.0}, [], 5.0),
    ],
    ids=["loop died", "grabber died", "source failed", "nothing processed", "memory grew"],
)
def test_each_fault_alone_fails_the_soak(fault, events, limit):
    assert exit_code(HEALTHY, [], limit) == 0
    assert exit_code(HEALTHY | fault, events, limit) == 1


def test_a_dead_thread_is_read_from_the_samples():
    dead = summarize(samples([200, 201, 202], worker_alive=False), 30.0, 5)
    assert dead["worker_died"] and not dead["grabber_died"]
    stalled = summarize(samples([200, 201, 202], grabber_alive=False), 30.0, 5)
    assert stalled["grabber_died"] and not stalled["worker_died"]
    ok = summarize(samples([200, 201, 202]), 30.0, 5)
    assert ok["note"] and not ok["worker_died"]  # too short for the warm-up: said so


def test_memory_and_threads_are_read_as_they_change():
    import threading

    import numpy as np

    before_mb, before_threads = rss_mb(), thread_count()
    block = np.ones(64 * 2**20, np.uint8)  # 64 MB, touched
    assert rss_mb() - before_mb > 50
    stop = threading.Event()
    extra = threading.Thread(target=stop.wait)
    extra.start()
    try:
        assert thread_count() == before_threads + 1
    finally:
        stop.set()
        extra.join()
    del block


def test_a_looping_video_goes_on_with_increasing_indexes(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=12)
    with VideoFileSource(video, loop=True) as src:
        frames = [src.read() for _ in range(30)]
        assert src.loops == 2
    assert all(f is not None for f in frames)
    assert [f.index for f in frames] == list(range(30))
    times = [f.time for f in frames]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    with VideoFileSource(video) as once:  # without loop it ends
        assert len(list(once)) == 12


@pytest.mark.parametrize("how", ["session", "window"])
def test_a_short_soak_of_the_real_loop(tmp_path, how):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    video = write_video(tmp_path / "v.mp4", frames=30, size=(320, 240))
    out = tmp_path / "soak.csv"
    proc = subprocess.run(
        [
            sys.executable, "-m", "benchmarks.soak", "--source", str(video),
            "--minutes", "0.08", "--interval", "1", "--warmup", "0.02", "--csv", str(out),
            *(["--window"] if how == "window" else []),
        ],
        capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    lines = [
        line for line in proc.stdout.splitlines() if line.startswith("soak ") and " min " in line
    ]
    assert len(lines) >= 4 and all("rss" in line and "threads" in line for line in lines)
    summary = next(line for line in proc.stdout.splitlines() if line.startswith("soak summary"))
    fields = dict(item.split("=", 1) for item in summary.split()[2:])
    assert int(fields["frames_processed"]) > 30 and fields["worker_died"] == "False"
    assert fields["grabber_died"] == "False" and "soak event" not in proc.stdout
    assert float(fields["video_fps"]) == 30.0 and "slope_mb_per_min" in fields
    assert len(out.read_text().splitlines()) == len(lines) + 1
