"""``handcam bench``: the app's recognition loop headless over a video or image folder,
with timings (the session reads every frame itself: none is dropped).

On a video, handcam runs side by side with bare MediaPipe Hands (the legacy solution
in tracking mode, one hand, the bundle's model complexity): each reads and decodes
its own copy of the same frames, and the two take turns frame by frame (the order
swapped every frame), so both see the same machine load. Both figures and their
ratio are printed. With ``--empty VIDEO`` (frames with no hand in view), the
empty-scene cost is measured the same way against MediaPipe tracking, which is what
handcam ran before its own tracker. MediaPipe's package is an extra
(``pip install 'handcam[mediapipe]'``): without it handcam is timed alone, and the
report says why there is no comparison.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from handcam.capture.sources import VideoFileSource, open_source
from handcam.errors import HandcamError, SourceError
from handcam.recognition.assemble import LoadedModel, load_model
from handcam.recognition.events import ModelFailed, Processed, SourceFailed
from handcam.recognition.pipeline import STAGES
from handcam.recognition.session import RecognitionSession, open_session
from handcam.system.timing import summarize

log = logging.getLogger(__name__)
WARMUP_FRAMES = 5


class BareMediaPipe:
    """MediaPipe Hands as a minimal app would run it: decode, RGB, ``process``."""

    def __init__(self, path: str, complexity: int) -> None:
        import cv2

        from handcam.hands.still import import_mediapipe
        from handcam.system.native_logs import native_quiet

        mp = import_mediapipe("the side-by-side comparison with MediaPipe")
        with native_quiet():
            self.hands = mp.solutions.hands.Hands(
                static_image_mode=False, max_num_hands=1, model_complexity=complexity
            )
            self.hands.process(np.zeros((64, 64, 3), np.uint8))
        self.cap = cv2.VideoCapture(path)
        self.found = 0

    def step(self) -> bool:
        import cv2

        ok, bgr = self.cap.read()
        if not ok:
            return False
        if self.found:
            result = self.hands.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        else:  # its first hand logs a native warning
            from handcam.system.native_logs import native_quiet

            with native_quiet():
                result = self.hands.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        self.found += bool(result.multi_hand_landmarks)
        return True

    def close(self) -> None:
        self.cap.release()
        self.hands.close()


def side_by_side(
    steps: dict[str, Callable[[], bool]], frames: int
) -> tuple[dict[str, list[float]], int]:
    """Run each step once per frame, taking turns (order rotated every frame).

    Returns the ms of every measured frame per name, and the frames measured.
    """
    names = list(steps)
    times: dict[str, list[float]] = {n: [] for n in names}
    done = 0
    for i in range(frames + WARMUP_FRAMES):
        order = names[i % len(names) :] + names[: i % len(names)]
        row = {}
        for name in order:
            t0 = time.perf_counter()
            if not steps[name]():
                return times, done
            row[name] = (time.perf_counter() - t0) * 1e3
        if i >= WARMUP_FRAMES:
            done += 1
            for name, ms in row.items():
                times[name].append(ms)
    return times, done


def _per_frame(ms: list[float]) -> dict:
    return {"ms_per_frame": round(float(np.mean(ms)), 3) if ms else 0.0, **summarize(ms)}


def run_bench(
    source: str | None,
    frames: int,
    model: Path,
    as_json: bool,
    empty: str | None = None,
    max_hands: int = 2,
) -> dict:
    if not source:
        raise SourceError("bench needs --source: a video (or a folder of images)")
    spec = str(source)
    src = open_source(spec)  # a clear error for a bad path, before any model is loaded
    src.close()
    if not isinstance(src, VideoFileSource):
        return _bench_stills(spec, frames, model)
    report = _compare(spec, frames, model, max_hands)
    if empty:
        report["empty_scene"] = _compare(empty, frames, model, max_hands, before=True)["compare"]
    return report


def _session(model: LoadedModel, path: str, max_hands: int = 2) -> RecognitionSession:
    """The recognition session over ``path``, reading every frame in the caller's thread."""
    from handcam.capture.sources import open_source

    session = open_session(model, realtime=False, max_hands=max_hands)
    session.set_source(lambda: open_source(path), path, live=False)
    return session


class _Stepper:
    """Steps a session one frame at a time, keeping the results' stage timings."""

    def __init__(self, session: RecognitionSession) -> None:
        self.session = session
        self.stage: dict[str, list[float]] = {s: [] for s in STAGES}
        self.hands: list[bool] = []  # a hand found, per frame

    def __call__(self) -> bool:
        """Process the next frame; False at the end of the source."""
        while not self.session.finished:
            for event in self.session.step():
                if isinstance(event, SourceFailed | ModelFailed):
                    raise SourceError(event.message)
                if isinstance(event, Processed):
                    self.hands.append(event.result.hand_found)
                    for s in STAGES:
                        self.stage[s].append(event.result.timings_ms[s])
                    return True
        return False


def _compare(path: str, frames: int, model: Path, max_hands: int, before: bool = False) -> dict:
    """handcam's recognition loop against bare MediaPipe on one video, frame by frame."""
    loaded = load_model(model)
    session = _session(loaded, path, max_hands)
    step = _Stepper(session)
    name = "mediapipe_tracking" if before else "mediapipe"
    try:
        bare: BareMediaPipe | None = BareMediaPipe(path, loaded.preprocess.detector_complexity)
        skipped = ""
    except HandcamError as exc:  # mediapipe is an extra: time handcam alone, say why
        bare, skipped = None, str(exc)
    steps: dict[str, Callable[[], bool]] = {"handcam": step}
    if bare is not None:
        steps[name] = bare.step
    try:
        times, measured = side_by_side(steps, frames)
        searches = dict(getattr(session.detector("video"), "searches", {}))
    finally:
        session.close()
        if bare:
            bare.close()
    hc = _per_frame(times["handcam"])
    stage = step.stage
    compare: dict[str, Any] = {
        "frames": measured,
        "handcam": {**hc, "hands_found_frames": sum(step.hands)},
        "palm_runs": searches,
    }
    if bare is None:
        compare["skipped"] = skipped
    else:
        mp = _per_frame(times[name])
        compare[name] = {**mp, "hands_found_frames": bare.found}
        compare["ratio"] = (
            round(hc["ms_per_frame"] / mp["ms_per_frame"], 3) if mp["ms_per_frame"] else None
        )
    stages_ms = {s: summarize(v[-measured:] if measured else []) for s, v in stage.items()}
    return {
        "source": path,
        "mode": "video",
        "frames": measured,
        "hands_found": sum(step.hands),
        "device": loaded.device,
        "fps": round(1000 / hc["ms_per_frame"], 2) if hc["ms_per_frame"] else 0.0,
        "stages_ms": stages_ms,
        "compare": compare,
        "total_ms_median": stages_ms["total"]["median"],
        "total_ms_p95": stages_ms["total"]["p95"],
    }


def _bench_stills(spec: str, frames: int, model: Path) -> dict:
    """An image folder (each image read on its own) or another non-video source."""
    loaded = load_model(model)
    session = _session(loaded, spec)
    step = _Stepper(session)
    processed = 0
    t_start = None
    try:
        while processed < frames + WARMUP_FRAMES and step():
            processed += 1
            if processed == WARMUP_FRAMES:
                t_start = time.perf_counter()
        mode = session.source_kind
    finally:
        session.close()
    measured = max(0, processed - WARMUP_FRAMES)
    wall = (time.perf_counter() - t_start) if t_start and measured else 0.0
    timings = {s: v[WARMUP_FRAMES:] for s, v in step.stage.items()}
    found = sum(step.hands[WARMUP_FRAMES:])
    stages_ms = {s: summarize(v) for s, v in timings.items()}
    return {
        "source": spec,
        "mode": mode,
        "frames": measured,
        "hands_found": found,
        "device": loaded.device,
        "fps": round(measured / wall, 2) if wall else 0.0,
        "stages_ms": stages_ms,
        "total_ms_median": stages_ms["total"]["median"],
        "total_ms_p95": stages_ms["total"]["p95"],
    }


def format_bench(report: dict) -> str:
    lines = [
        f"source: {report['source']} ({report['mode']} mode), classifier on {report['device']}",
        f"frames: {report['frames']}, hands found: {report['hands_found']}",
        f"{'stage':<16}{'median ms':>10}{'p95 ms':>10}",
    ]
    for stage, s in report["stages_ms"].items():
        lines.append(f"{stage:<16}{s['median']:>10.2f}{s['p95']:>10.2f}")
    lines.append(f"throughput: {report['fps']:.1f} frames/s")
    for key, title in (("compare", "side by side"), ("empty_scene", "empty scene")):
        c = report.get(key)
        if not c:
            continue
        if "skipped" in c:
            lines.append(
                f"{title}, {c['frames']} frames, decode included: handcam "
                f"{c['handcam']['ms_per_frame']:.2f} ms/frame; no comparison: {c['skipped']}"
            )
            continue
        other = next(n for n in c if n.startswith("mediapipe"))
        lines.append(
            f"{title}, {c['frames']} frames, decode included: handcam "
            f"{c['handcam']['ms_per_frame']:.2f} ms/frame (median {c['handcam']['median']:.2f}), "
            f"{other.replace('_', ' ')} {c[other]['ms_per_frame']:.2f} ms/frame (median "
            f"{c[other]['median']:.2f}); ratio {c['ratio']:.3f}; frames with a hand: "
            f"{c['handcam']['hands_found_frames']} vs {c[other]['hands_found_frames']}"
        )
    return "\n".join(lines)


def print_bench(report: dict, as_json: bool) -> None:
    print(json.dumps(report) if as_json else format_bench(report))
