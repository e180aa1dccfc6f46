"""``handcam predict``: classify the hand in images, folders of images, or videos.

With ``compose`` a video's smoothed signs are also composed into text (the same
:class:`~handcam.signs.compose_stage.TextComposer` the app uses): each per-frame JSON line carries
``text`` so far, and the video ends with one line of its composed text: alone without
``--json`` (after its path and a tab when there are several inputs; what cannot be read
is then said on stderr only), or a JSON object ``{"path", "frames", "text"}`` with it.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from handcam.capture.images import is_image_path, is_video_path, read_image
from handcam.capture.sources import Frame, VideoFileSource
from handcam.errors import HandcamError
from handcam.recognition.assemble import LoadedModel, assemble, load_model
from handcam.recognition.events import ModelFailed, Problem, Processed, SourceFailed
from handcam.recognition.pipeline import Pipeline
from handcam.recognition.records import result_record
from handcam.recognition.session import DetectorFactory, open_session
from handcam.signs.compose_stage import TextComposer

log = logging.getLogger(__name__)


def expand_paths(paths: list[str]) -> Iterator[Path]:
    """Each given path; folders expand to the images and videos inside (recursive, sorted,
    hidden ones left out; other files in a folder, such as notes, are not inputs)."""
    for text in paths:
        path = Path(text).expanduser()
        if path.is_dir():
            yield from sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and (is_image_path(p) or is_video_path(p))
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            yield path


class Predictor:
    """One loaded model, read two ways: stills through a still-image pipeline, videos
    through the recognition session the window runs (every frame, none dropped)."""

    def __init__(self, model: LoadedModel, detector_factory: DetectorFactory | None = None):
        self.model = model
        self._still: Pipeline | None = None
        self._detector_factory = detector_factory
        self._session = open_session(model, realtime=False, detector_factory=detector_factory)

    @classmethod
    def from_bundle(cls, path: Path) -> Predictor:
        return cls(load_model(path))

    def predict_image(self, path: Path) -> dict:
        if self._still is None:
            make = self._detector_factory
            detector = make("image", self.model) if make is not None else None
            self._still = assemble(self.model, "image", detector=detector)
        image = read_image(path)
        result = self._still.process(Frame(0, image, 0.0, path.name, str(path)))
        return result_record(str(path), result)

    def predict_video(self, path: Path, composer: TextComposer | None = None) -> Iterator[dict]:
        """One record per frame; with ``composer``, each carries the ``text`` so far.
        HandcamError when the video cannot be read to its end."""
        session = self._session
        session.composer = composer or TextComposer()
        session.set_source(lambda: VideoFileSource(path), str(path), live=False)
        while True:
            for event in session.step():
                if isinstance(event, Processed):
                    record = result_record(str(path), event.result)
                    record["frame"] = event.result.frame.index
                    record["smoothed_label"] = event.result.smoothed.label
                    if composer is not None:
                        record["text"] = event.text.text
                    yield record
                elif isinstance(event, SourceFailed | ModelFailed):
                    raise HandcamError(event.message)
                elif isinstance(event, Problem):
                    log.warning("%s: %s", path, event.message)
            if session.finished:
                return

    def close(self) -> None:
        self._session.close()
        if self._still is not None:
            self._still.close()


def run_predict(
    paths: list[str],
    model: Path,
    as_json: bool,
    out: TextIO | None = None,
    compose: bool = False,
    predictor: Predictor | None = None,
) -> int:
    """Print one line per image or video frame; ``compose``: see the module docstring.

    Returns 0 when every input was read, 1 when any could not be (missing, not an image
    or video, unreadable or truncated: each such input also gets an error line) or a
    folder holds no image or video (said on stderr)."""
    out = out or sys.stdout  # read now: a caller may have redirected it
    predictor = predictor or Predictor.from_bundle(model)  # a bad model first: exit 2
    status = 0
    try:
        empty = [p for p in paths if Path(p).expanduser().is_dir() and not any(expand_paths([p]))]
        for folder in empty:
            print(f"handcam predict: {folder}: no images or videos in it", file=sys.stderr)
        inputs = list(expand_paths(paths))
        for path in inputs:
            try:
                if not path.exists():
                    raise HandcamError(f"{path}: no such file or folder")
                if is_video_path(path) and compose:
                    _compose_video(predictor, path, as_json, out, named=len(inputs) > 1)
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
                status = 1
                if compose and not as_json:  # the composed texts alone on stdout
                    print(f"handcam predict: {exc}", file=sys.stderr)
                    continue
                _emit(
                    {"path": str(path), "error": str(exc), "label": None, "hand_found": False},
                    as_json,
                    out,
                )
    finally:
        predictor.close()
    return 1 if empty else status


def _compose_video(
    predictor: Predictor, path: Path, as_json: bool, out: TextIO, named: bool = False
) -> None:
    composer = TextComposer()
    frames = 0
    for record in predictor.predict_video(path, composer):
        frames += 1
        if as_json:
            _emit(record, as_json, out)
    text = composer.text.rstrip(" ")  # the last word-ending space ends nothing
    if as_json:
        _emit({"path": str(path), "frames": frames, "text": text}, as_json, out)
    else:  # several videos: each text after its path and a tab
        out.write((f"{path}\t" if named else "") + text + "\n")
        out.flush()


def _emit(record: dict, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif "error" in record:
        out.write(f"{record['path']}\terror: {record['error']}\n")
    else:
        where = record["path"] + (f"#{record['frame']}" if "frame" in record else "")
        out.write(f"{where}\t{shown_text(record)}\n")
    out.flush()


STATE_TEXT = {"unsure": "?", "not_a_sign": "not a sign", "no_hand": "(no hand)"}


def shown_text(record: dict) -> str:
    """What the window would show for the main hand, as plain text: its sign and the
    confidence; "?" (unsure) or "not a sign" with what the classifier read; "(no hand)"."""
    hand = record["hands"][0] if record.get("hands") else None
    if hand is None:
        return STATE_TEXT["no_hand"]
    state = hand["smoothed_state"]
    if state == "label":
        return f"{hand['smoothed_label']}\t{hand['smoothed_confidence']:.3f}"
    if hand["label"] is None:  # a bundle of motion signs only: no still sign to read
        return f"{STATE_TEXT.get(state, state)}\t(no still signs in this model)"
    read = f"(read as {hand['label']} {hand['confidence']:.3f})"
    return f"{STATE_TEXT.get(state, state)}\t{read}"
