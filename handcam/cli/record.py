"""``handcam record``: record N labelled samples from a source without the window."""

from __future__ import annotations

import sys
from pathlib import Path

from handcam.capture.sources import ImageFolderSource, detection_kind, open_source
from handcam.errors import HandcamError
from handcam.labels import validate_label
from handcam.recording.samples import SampleStore


def run_record(
    source: str,
    label: str,
    count: int,
    out: Path,
    every: int = 1,
    detector=None,
    model: Path | None = None,
) -> int:
    if count < 1 or every < 1:
        raise HandcamError("--count and --every must be at least 1")
    validate_label(label)
    store = SampleStore(out)
    store.label_dir(label)  # refuse unsafe labels before opening anything
    src = open_source(source)
    if detector is None:
        detector = model_detector(model, detection_kind(src))
    saved = seen = read = 0
    try:
        for frame in src:
            read += 1
            if frame.index % every:
                continue
            seen += 1
            hands = detector.detect(frame.image)
            if not hands:
                continue
            store.save(
                label, frame.image, hands[0], source=frame.path or src.name, frame_index=frame.index
            )
            saved += 1
            print(f"\rrecorded {saved}/{count}", end="", file=sys.stderr, flush=True)
            if saved >= count:
                break
    finally:
        src.close()
        detector.close()
    print(file=sys.stderr)
    folder = store.label_dir(label)
    if saved < count:
        why = _too_few(source, isinstance(src, ImageFolderSource), read, seen, saved, every)
        print(
            f"handcam record: only {saved} of {count} samples: {why}; saved in {folder}",
            file=sys.stderr,
        )
        return 1
    print(f"recorded {saved} samples of {label!r} in {folder}", file=sys.stderr)
    return 0


def run_record_clip(
    source: str,
    label: str,
    out: Path,
    seconds: float = 8.0,
    detector=None,
    model: Path | None = None,
) -> int:
    """One motion sample (a clip) from a video, or a camera until the hand comes to rest
    after moving; exit 1 (nothing written) when the clip holds no usable motion."""
    from handcam.recording.clip_capture import ClipCapture
    from handcam.recording.clips import ClipError, ClipStore, motion_span, motions_in

    if seconds <= 0:
        raise HandcamError("--seconds must be positive")
    validate_label(label)
    store = ClipStore(out)
    store.label_dir(label)  # refuse unsafe labels before opening anything
    src = open_source(source)
    if detector is None:  # a motion is tracked, whatever the source
        detector = model_detector(model, "video")
    capture = ClipCapture(label, max_s=seconds)
    opened: float | None = None
    cut_short = False  # a video read only up to --seconds
    try:
        for frame in src:
            opened = frame.seconds if opened is None else opened
            if not capture.started and frame.seconds - opened >= seconds:
                cut_short = not src.is_live
                break  # no hand in all that time
            found = detector.detect(frame.image)
            size = (int(frame.image.shape[1]), int(frame.image.shape[0]))
            done = capture.feed(frame.seconds, found[0] if found else None, size)
            if capture.started:
                took = capture.times[-1] - capture.times[0]
                if sys.stderr.isatty():  # a counter for a person, not a log's noise
                    print(f"\rclip: {took:4.1f} s", end="", file=sys.stderr, flush=True)
            # a camera stops when the hand has rested after the motion; a video is read whole
            if done and (src.is_live or took >= seconds):
                cut_short = not src.is_live
                break
    finally:
        src.close()
        detector.close()
    if sys.stderr.isatty():
        print(file=sys.stderr)
    clip = capture.clip(store.session, source)
    try:
        path = store.save_clip(clip)
    except ClipError as exc:
        more = f"; only {seconds:g} s of the video were read (--seconds)" if cut_short else ""
        print(f"handcam record: {exc}{more}", file=sys.stderr)
        return 1
    start, end = motion_span(clip)
    print(
        f"recorded a clip of {label!r} ({end - start:.2f} s of motion) in {path}", file=sys.stderr
    )
    if (more := motions_in(clip) - 1) > 0:
        print(
            f"note: {more} more motion(s) in what was read; a clip keeps one, the longest "
            f"({start:.1f}-{end:.1f} s): give each sign its own video (or cut it)",
            file=sys.stderr,
        )
    return 0


def model_detector(model: Path | None, kind: str):
    """The hand detector for ``kind`` with the model's detection settings, as the session
    finds hands (``model``: None, the default model)."""
    from handcam.model.bundle import ModelBundle, default_model_path
    from handcam.recognition.assemble import detector_for

    pre = ModelBundle.load(model or default_model_path()).preprocess
    return detector_for(kind, pre, max_hands=1)


def _too_few(source: str, folder: bool, read: int, seen: int, saved: int, every: int) -> str:
    """Why a source ran out before ``count`` samples: how much it held, and how many
    of the frames considered had no hand."""
    held = f"{source} has only {read} images" if folder else f"{source} ended after {read} frames"
    if every > 1:
        held += f", {seen} of them considered (--every {every})"
    missed = seen - saved
    return held + (f"; no hand in {missed} of the {seen} considered" if missed else "")
