"""``handcam record``: record N labelled samples from a source without the window."""

from __future__ import annotations

import sys
from pathlib import Path

from handcam.capture.sources import detection_kind, open_source
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
    if detector is None:  # as the session finds hands, with the model's detection settings
        from handcam.model.bundle import ModelBundle, default_model_path
        from handcam.recognition.assemble import detector_for

        pre = ModelBundle.load(model or default_model_path()).preprocess
        detector = detector_for(detection_kind(src), pre, max_hands=1)
    saved = seen = 0
    try:
        for frame in src:
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
        print(
            f"handcam record: only {saved} of {count} samples: no hand in the other "
            f"{seen - saved} frames considered; saved in {folder}",
            file=sys.stderr,
        )
        return 1
    print(f"recorded {saved} samples of {label!r} in {folder}", file=sys.stderr)
    return 0
