"""``handcam predict``: classify the hand in images, folders of images, or videos.

With ``compose`` a video's smoothed signs are also composed into text (the same
:class:`~handcam.composer.TextComposer` the app uses): each per-frame JSON line carries
``text`` so far, and the video ends with one line of its composed text: alone without
``--json``, or a JSON object ``{"path", "frames", "text"}`` with it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from handcam.composer import TextComposer
from handcam.errors import HandcamError
from handcam.imageio import is_image_path, is_video_path, read_image
from handcam.pipeline import FrameResult, HandResult, Pipeline
from handcam.sources import Frame, VideoFileSource

log = logging.getLogger(__name__)


def expand_paths(paths: list[str]) -> Iterator[Path]:
    """Each given path; folders expand to every non-hidden file inside (recursive, sorted)."""
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


def hand_record(r: HandResult, with_probs: bool = True) -> dict:
    """One hand of a result, as ``predict --json`` and ``--log-predictions`` write it."""
    s = r.smoothed
    record = {
        "track_id": r.track_id,
        "label": r.label,
        "confidence": round(r.confidence, 5),
        "smoothed_label": s.label,
        "smoothed_state": s.state,
        "smoothed_confidence": round(s.confidence, 5),
        "sign": None if r.sign is None else round(r.sign, 4),  # open-set sign-ness
        "handedness": r.hand.handedness,
        "box": [round(v, 1) for v in r.hand.box],
    }
    if with_probs:
        record["probs"] = r.probs_dict()
    return record


def result_record(path: str, result: FrameResult) -> dict:
    """The main hand's fields at the top level, every hand in ``hands``."""
    hand = result.hands[0] if result.hands else None
    return {
        "path": path,
        "label": result.label,
        "confidence": round(result.confidence, 5),
        "hand_found": result.hand_found,
        "state": result.state,  # label / unsure / not_a_sign / no_hand
        "handedness": hand.handedness if hand else None,
        "box": [round(v, 1) for v in hand.box] if hand else None,
        "probs": result.probs_dict(),
        "hands": [hand_record(r) for r in result.per_hand],
    }


class Predictor:
    """Holds a still-image pipeline and a video pipeline for one bundle, built on demand."""

    def __init__(self, bundle_path: Path) -> None:
        from handcam.bundle import ModelBundle
        from handcam.classifier import load_classifier

        self.bundle = ModelBundle.load(bundle_path)
        self.classifier = load_classifier(self.bundle)
        self._pipelines: dict[str, Pipeline] = {}

    def pipeline(self, mode: str) -> Pipeline:
        if mode not in self._pipelines:
            from handcam.detectors import make_detector

            detector = make_detector(mode, self.bundle.preprocess, max_hands=2)
            self._pipelines[mode] = Pipeline(
                detector, self.classifier, self.bundle.preprocess, stills=mode == "image"
            )
        return self._pipelines[mode]

    def predict_image(self, path: Path) -> dict:
        image = read_image(path)
        result = self.pipeline("image").process(Frame(0, image, 0.0, path.name, str(path)))
        return result_record(str(path), result)

    def predict_video(self, path: Path, composer: TextComposer | None = None) -> Iterator[dict]:
        """One record per frame; with ``composer``, each carries the ``text`` so far."""
        pipe = self.pipeline("video")
        pipe.reset()
        with VideoFileSource(path) as source:
            for frame in source:
                result = pipe.process(frame)
                record = result_record(str(path), result)
                record["frame"] = frame.index
                record["smoothed_label"] = result.smoothed.label if result.smoothed else None
                if composer is not None:
                    record["text"] = composer.feed(result).text
                yield record


def run_predict(
    paths: list[str],
    model: Path,
    as_json: bool,
    out: TextIO | None = None,
    compose: bool = False,
    predictor: Predictor | None = None,
) -> int:
    """Print one line per image or video frame; ``compose``: see the module docstring."""
    out = out or sys.stdout  # read now: a caller may have redirected it
    predictor = predictor or Predictor(model)
    status = 0
    for path in expand_paths(paths):
        try:
            if not path.exists():
                status = 1
                raise HandcamError(f"{path}: no such file or folder")
            if is_video_path(path) and compose:
                _compose_video(predictor, path, as_json, out)
                continue
            if is_video_path(path):
                records = predictor.predict_video(path)
            elif is_image_path(path):
                records = iter([predictor.predict_image(path)])
            else:
                raise HandcamError(f"{path}: not an image or video file")
            for record in records:
                _emit(record, as_json, out)
        except HandcamError as exc:
            _emit(
                {"path": str(path), "error": str(exc), "label": None, "hand_found": False},
                as_json,
                out,
            )
    return status


def _compose_video(predictor: Predictor, path: Path, as_json: bool, out: TextIO) -> None:
    composer = TextComposer()
    frames = 0
    for record in predictor.predict_video(path, composer):
        frames += 1
        if as_json:
            _emit(record, as_json, out)
    text = composer.text.rstrip(" ")  # the last word-ending space ends nothing
    if as_json:
        _emit({"path": str(path), "frames": frames, "text": text}, as_json, out)
    else:
        out.write(text + "\n")
        out.flush()


def _emit(record: dict, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif "error" in record:
        out.write(f"{record['path']}\terror: {record['error']}\n")
    else:
        where = record["path"] + (f"#{record['frame']}" if "frame" in record else "")
        label = record["label"] if record["hand_found"] else "(no hand)"
        out.write(f"{where}\t{label}\t{record.get('confidence', 0):.3f}\n")
    out.flush()
