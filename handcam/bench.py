"""``handcam bench``: the pipeline headless over a video or image folder, with timings."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from handcam.errors import SourceError
from handcam.pipeline import STAGES, build_pipeline
from handcam.sources import ImageFolderSource, open_source
from handcam.stats import summarize

log = logging.getLogger(__name__)
WARMUP_FRAMES = 5


def run_bench(source: str | None, frames: int, model: Path, as_json: bool) -> dict:
    spec = source
    if not spec:
        raise SourceError("bench needs --source: a video file or a folder of images")
    src = open_source(str(spec))
    mode = "image" if isinstance(src, ImageFolderSource) else "video"
    pipe = build_pipeline(model, mode=mode)
    timings: dict[str, list[float]] = {s: [] for s in STAGES}
    found = processed = 0
    t_start = None
    try:
        while processed < frames + WARMUP_FRAMES:
            t0 = time.perf_counter()
            frame = src.read()
            if frame is None:
                break
            result = pipe.process(frame, decode_ms=(time.perf_counter() - t0) * 1e3)
            processed += 1
            if processed == WARMUP_FRAMES:
                t_start = time.perf_counter()
            if processed > WARMUP_FRAMES:
                found += result.hand_found
                for stage in STAGES:
                    timings[stage].append(result.timings_ms[stage])
    finally:
        src.close()
        pipe.close()
    measured = max(0, processed - WARMUP_FRAMES)
    wall = (time.perf_counter() - t_start) if t_start and measured else 0.0
    report = {
        "source": str(spec),
        "mode": mode,
        "frames": measured,
        "hands_found": found,
        "device": pipe.classifier.device,
        "fps": round(measured / wall, 2) if wall else 0.0,
        "stages_ms": {s: summarize(v) for s, v in timings.items()},
    }
    report["total_ms_median"] = report["stages_ms"]["total"]["median"]
    report["total_ms_p95"] = report["stages_ms"]["total"]["p95"]
    return report


def format_bench(report: dict) -> str:
    lines = [
        f"source: {report['source']} ({report['mode']} mode), classifier on {report['device']}",
        f"frames: {report['frames']}, hands found: {report['hands_found']}",
        f"{'stage':<16}{'median ms':>10}{'p95 ms':>10}",
    ]
    for stage, s in report["stages_ms"].items():
        lines.append(f"{stage:<16}{s['median']:>10.2f}{s['p95']:>10.2f}")
    lines.append(f"throughput: {report['fps']:.1f} frames/s")
    return "\n".join(lines)


def print_bench(report: dict, as_json: bool) -> None:
    print(json.dumps(report) if as_json else format_bench(report))
