"""What the recognition session says: events, model info and running figures (frozen:
they cross from the loop's thread to the window's)."""

from __future__ import annotations

from dataclasses import dataclass

from handcam.errors import HandcamError
from handcam.recognition.pipeline import FrameResult
from handcam.signs.compose_stage import ComposedText


@dataclass(frozen=True)
class ModelInfo:
    path: str
    labels: tuple[str, ...]
    device: str
    gate: str = ""  # what "not a sign" does with this model (handcam.model.gate.describe_gate)
    warnings: tuple[str, ...] = ()  # damaged files of the bundle that it runs without
    motion_signs: tuple[str, ...] = ()  # of the labels, those read only from their motion
    personal: int = 0  # the person's own hand shapes a calibration kept (handcam.model.personal)

    @property
    def still_labels(self) -> tuple[str, ...]:
        """The labels one frame of a hand can show (all but the motion signs)."""
        return tuple(label for label in self.labels if label not in self.motion_signs)


@dataclass(frozen=True)
class Event:
    """Something the loop has to say; subclasses carry what."""


@dataclass(frozen=True)
class ModelReady(Event):
    info: ModelInfo


@dataclass(frozen=True)
class ModelFailed(Event):
    message: str  # the previous model (if any) stays in use


@dataclass(frozen=True)
class SourceStarted(Event):
    name: str


@dataclass(frozen=True)
class SourceFailed(Event):
    message: str  # live sources are retried


@dataclass(frozen=True)
class SourceEnded(Event):
    message: str


@dataclass(frozen=True)
class Problem(Event):
    message: str  # frames, the detector, the log file


@dataclass(frozen=True, eq=False)
class Processed(Event):
    """One frame, recognised: the result and the composed text after it (what the window
    shows of the frame; frozen, it crosses threads whole)."""

    result: FrameResult
    text: ComposedText


@dataclass(frozen=True)
class TextEdited(Event):
    """A text edit or new composing settings were applied: the text now."""

    text: ComposedText


@dataclass(frozen=True)
class SessionStats:
    """Rates and counts for the status line (frozen: crosses threads)."""

    source: str
    camera_fps: float
    processing_fps: float
    dropped: int
    stage_ms: dict[str, float]
    device: str
    processed: int = 0  # frames processed since the session started
    failed: int = 0  # frames skipped: unusable or the pipeline raised
    live: bool = True  # a camera or a video played at its rate; False: stills, one by one


def describe(exc: BaseException) -> str:
    """A message for people: our own errors as they are, others with their type."""
    if isinstance(exc, HandcamError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
