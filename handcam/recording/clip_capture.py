"""Taking one motion clip from live frames: from the first frame with a hand until the hand
has rested ``rest_s`` after moving, or ``max_s`` (the window's clip mode and
``handcam record --clip`` on a camera)."""

from __future__ import annotations

import numpy as np

from handcam.hands.hand import Hand
from handcam.recording.clips import Clip, ClipError, motion_span


class ClipCapture:
    """Feed it every frame (time, main hand or None); :meth:`feed` says when it is done."""

    def __init__(self, label: str, max_s: float = 4.0, rest_s: float = 0.5) -> None:
        if max_s <= 0 or rest_s <= 0:
            raise ValueError("max_s and rest_s must be positive")
        self.label, self.max_s, self.rest_s = label, max_s, rest_s
        self.times: list[float] = []
        self.hands: list[Hand | None] = []
        self.size = (640, 480)

    @property
    def started(self) -> bool:
        """A hand has been seen: the clip runs."""
        return bool(self.times)

    def feed(self, t: float, hand: Hand | None, size: tuple[int, int] | None = None) -> bool:
        """Take one frame; True once the clip is complete (rested after a motion, or long
        enough). Frames before the first hand are not kept."""
        if size is not None:
            self.size = size
        if not self.times and hand is None:
            return False
        if self.times and t == self.times[-1]:
            return False  # the same frame again
        if self.times and t < self.times[-1]:  # the clock went back (a looped video)
            self.times.clear()
            self.hands.clear()
            if hand is None:
                return False
        self.times.append(t)
        self.hands.append(hand)
        if t - self.times[0] >= self.max_s:
            return True
        return len(self.times) % 3 == 0 and self.rested()

    def rested(self) -> bool:
        """A motion was made and the hand has rested ``rest_s`` since."""
        try:
            _, end = motion_span(self.clip())
        except ClipError:
            return False
        return self.times[-1] - end >= self.rest_s

    def clip(self, session: str = "", source: str = "") -> Clip:
        """What was taken (times from 0)."""
        times = np.array(self.times, dtype=np.float64)
        if len(times):
            times = times - times[0]
        return Clip(self.label, times, tuple(self.hands), self.size, session, source)
