"""The calibration pass: each of a model's signs asked in turn, about a second of a steady
hand captured for each, the last frames of every sign kept back to score the result.

Qt-free: the window's calibration panel feeds it every shown frame and writes the frames it
picks (:class:`handcam.recording.samples.SampleStore`); ``handcam-train TRAIN --init BUNDLE
--check KEPT`` then adapts the model to the captured hand and says how the kept-back frames
read before and after.
"""

from __future__ import annotations

from dataclasses import dataclass

from handcam.hands.hand import Hand
from handcam.recording.samples import hand_is_steady

TRAIN, KEPT_BACK = "train", "check"


@dataclass(frozen=True)
class CalibrationConfig:
    frames_per_sign: int = 10  # captured per sign ...
    kept_back: int = 4  # ... of which the last ones only score the result
    settle_s: float = 0.6  # time to form a sign once it is asked for
    spacing_s: float = 0.08  # between two captured frames (video time)
    steadiness: float = 0.04  # mean landmark movement between frames, of the hand's size

    def __post_init__(self) -> None:
        if not 0 <= self.kept_back < self.frames_per_sign:
            raise ValueError("kept_back must be at least 0 and less than frames_per_sign")


class CalibrationPass:
    """Which sign is asked for, and which frames to keep (and for what)."""

    def __init__(self, labels: tuple[str, ...], config: CalibrationConfig | None = None) -> None:
        if not labels:
            raise ValueError("a calibration pass needs at least one sign")
        self.labels = tuple(labels)
        self.config = config or CalibrationConfig()
        self.index = 0
        self.captured = 0  # frames of the current sign
        self.skipped: list[str] = []
        self._asked_at: float | None = None
        self._last_t = float("-inf")
        self._previous: Hand | None = None

    @property
    def current(self) -> str | None:
        """The sign asked for now (None once the pass is over)."""
        return self.labels[self.index] if self.index < len(self.labels) else None

    @property
    def done(self) -> bool:
        return self.index >= len(self.labels)

    @property
    def progress(self) -> float:
        """Share of the current sign's frames captured (0..1)."""
        return self.captured / self.config.frames_per_sign

    def feed(self, t: float, hand: Hand | None) -> str | None:
        """One shown frame at video time ``t`` with the main hand (None: none): TRAIN or
        KEPT_BACK when this frame is to be kept for the current sign, else None. A sign is
        over once its frames are captured; the next is asked at once."""
        if self.done:
            return None
        cfg = self.config
        if self._asked_at is None or t < self._asked_at:
            self._asked_at = t  # the first frame after asking (or a source that restarted)
        previous, self._previous = self._previous, hand
        if hand is None or t - self._asked_at < cfg.settle_s or t - self._last_t < cfg.spacing_s:
            return None
        if not hand_is_steady(previous, hand, cfg.steadiness):
            return None
        self._last_t = t
        self.captured += 1
        where = TRAIN if self.captured <= cfg.frames_per_sign - cfg.kept_back else KEPT_BACK
        if self.captured >= cfg.frames_per_sign:
            self._next()
        return where

    def skip(self) -> None:
        """Leave the current sign out (its frames so far stay)."""
        if not self.done:
            self.skipped.append(self.labels[self.index])
            self._next()

    def _next(self) -> None:
        self.index += 1
        self.captured = 0
        self._asked_at = None
        self._previous = None
