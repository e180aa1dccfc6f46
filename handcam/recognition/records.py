"""Results as JSON records: what ``predict --json`` prints and ``--log-predictions`` writes."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import IO

from handcam.recognition.pipeline import FrameResult, HandResult

log = logging.getLogger(__name__)


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
    if r.motion is not None and r.motion.onset:  # the frame a motion sign was caught
        record["motion"] = {
            "label": r.motion.label,
            "score": round(r.motion.score, 4),
            "seconds": round(r.motion.duration, 3),
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
        "motion": _caught(result),
        "hands": [hand_record(r) for r in result.per_hand],
    }


def _caught(result: FrameResult) -> str | None:
    """The main hand's motion sign caught at this frame (None: none)."""
    motion = result.per_hand[0].motion if result.per_hand else None
    return motion.label if motion is not None and motion.onset else None


def log_record(result: FrameResult, text: str = "") -> dict:
    """One line of ``--log-predictions``: the main hand at the top, every hand in ``hands``,
    and ``text``, the text composed so far."""
    s = result.smoothed
    return {
        "frame": result.frame.index,
        "path": result.frame.path,
        "label": result.label,
        "confidence": round(result.confidence, 5),
        "hand_found": result.hand_found,
        "smoothed_label": s.label if s else None,
        "smoothed_state": s.state if s else "no_hand",
        "smoothed_confidence": round(s.confidence, 5) if s else 0.0,
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
        "motion": _caught(result),
        "hands": [hand_record(r, with_probs=False) for r in result.per_hand],
        "text": text,  # composed so far
    }


class PredictionLog:
    """``--log-predictions``: one JSON line per processed frame, flushed as it goes.

    Opened at once (the file exists even if no frame comes). A file that cannot be opened
    or written is not an error for recognition: :meth:`write` returns what to say (once)
    and the log stops."""

    def __init__(self, path: Path | None) -> None:
        self._file: IO[str] | None = None
        self._problem: str | None = None  # opening failed: said with the first frame
        if path is None:
            return
        try:
            self._file = open(path, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            self._problem = f"prediction log not written: {_describe(exc)}"
            log.warning("%s", self._problem)

    def write(self, result: FrameResult, text: str = "") -> str | None:
        """Write one frame's line; a message when the log failed (said once)."""
        problem, self._problem = self._problem, None
        if self._file is None:
            return problem
        try:
            self._file.write(json.dumps(log_record(result, text)) + "\n")
            self._file.flush()
        except (OSError, ValueError) as exc:  # a full disk; recognition goes on
            self.close()
            return f"prediction log stopped: {_describe(exc)}"
        return problem

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            try:
                file.close()
            except OSError:  # its last buffer could not be written: already said
                log.warning("closing the prediction log failed", exc_info=True)


def _describe(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror}" if exc.strerror else str(exc)
