"""Learned motion signs caught live, once, when they end: onset spotting for one tracked hand.

:class:`MotionSpotter` keeps the rows (:func:`~handcam.signs.motion_features.frame_row`) of
the last seconds of one hand. Every frame with a hand, the windows that end now and last
each of the model's window lengths are read by the motion model at once; the best sign
over them is caught when its probability reaches the model's threshold on ``confirm``
frames in a row. The network was taught that half a motion, a held hand, a slow drift and
a hand sliding in or out are no sign, so a motion is caught as it ends. A caught sign is
shown for ``hold_s`` with the path its fingertip drew, the path is forgotten (one motion,
one sign), and no sign is caught again for ``repeat_s``. Everything is measured in
seconds, so 15-60 fps and dropped frames behave alike.

It answers as :class:`~handcam.signs.motion.MotionSigns` does (``update``, ``reset``,
:class:`~handcam.signs.motion.MotionResult`), so the pipeline treats both alike.
"""

from __future__ import annotations

import logging

import numpy as np

from handcam.hands.hand import Hand
from handcam.signs.motion import MotionResult
from handcam.signs.motion_features import (
    MIRROR,
    POINTS,
    ROW,
    energy,
    frame_row,
    windows_features,
)
from handcam.signs.motion_model import MotionModel

log = logging.getLogger(__name__)

MIN_FRAMES = 4  # a window with fewer frames of the hand is not read


class MotionSpotter:
    """Catches a model's motion signs in one hand's frames; feed it every processed frame."""

    def __init__(
        self,
        model: MotionModel,
        hold_s: float = 0.6,
        repeat_s: float = 1.0,
        max_gap_s: float = 0.3,
        capacity: int = 512,
    ) -> None:
        self.model = model
        self.hold_s, self.repeat_s, self.max_gap_s = hold_s, repeat_s, max_gap_s
        self.keep_s = float(np.max(model.durations)) + 0.2
        self._t = np.zeros(capacity)
        self._lms = np.zeros((capacity, 21, 3))
        self._rows = np.zeros((capacity, ROW))  # each frame's row as a right hand, once
        self._right = np.zeros(capacity, bool)  # MediaPipe's "Right" (it flickers at times)
        self._n = 0
        self.reset()

    def reset(self) -> None:
        """Forget the path and any sign shown."""
        self._n = 0
        self._last_t = -np.inf
        self._shown = MotionResult(None)
        self._until = -np.inf
        self._quiet_until = -np.inf
        self._streak: tuple[str | None, int] = (None, 0)

    def update(
        self,
        t: float,
        hand: Hand | None,
        still_label: str | None = None,
        still_probs: dict[str, float] | None = None,
    ) -> MotionResult:
        """One processed frame at ``t`` seconds with its hand (None: none found). The still
        model's reading is not needed (accepted for the pipeline's one call)."""
        if t < self._last_t:
            self.reset()  # the clock went back: another source, a looped video
        elif self._n and t - self._t[self._n - 1] > self.max_gap_s:
            self._n = 0
        self._last_t = t
        if hand is None:
            self._streak = (None, 0)
        else:
            self._add(t, hand.landmarks[:, :3], hand.handedness.lower() == "right")
        if t < self._until:
            shown = self._shown
            return MotionResult(shown.label, shown.score, self._until - t, path=shown.path)
        if hand is None or t < self._quiet_until:
            return MotionResult(None)
        label, score, window = self._read(t)
        if label is None:
            return MotionResult(None)
        path = self._path(t - window)
        log.debug("motion sign %s at t=%.3f (%.2f, %.2f s)", label, t, score, window)
        self._shown = MotionResult(label, score, self.hold_s, path=path, duration=window)
        self._until, self._quiet_until = t + self.hold_s, t + self.repeat_s
        self._n = 0  # one motion, one sign
        self._streak = (None, 0)
        return MotionResult(label, score, self.hold_s, onset=True, path=path, duration=window)

    def _add(self, t: float, lms: np.ndarray, right: bool) -> None:
        if self._n and t == self._t[self._n - 1]:
            self._n -= 1  # a repeated time stamp replaces its frame
        if self._n == len(self._t):
            self._drop(self._n // 2)
        self._t[self._n], self._lms[self._n], self._right[self._n] = t, lms, right
        self._rows[self._n] = frame_row(lms, "Right")
        self._n += 1
        self._drop(int(np.searchsorted(self._t[: self._n], t - self.keep_s)))

    def _drop(self, first: int) -> None:
        """Forget the ``first`` oldest frames."""
        if first <= 0:
            return
        for a in (self._t, self._lms, self._right, self._rows):
            a[: self._n - first] = a[first : self._n]
        self._n -= first

    def _read(self, now: float) -> tuple[str | None, float, float]:
        """The sign caught now (or None), its probability and its window's length."""
        if self._n < MIN_FRAMES:
            self._streak = (None, 0)
            return None, 0.0, 0.0
        times = self._t[: self._n]
        durations = self.model.durations
        starts = now - durations
        covered = times[0] <= starts + 0.1 * durations
        counts = self._n - np.searchsorted(times, starts)
        ok = covered & (counts >= MIN_FRAMES)
        if not ok.any():
            self._streak = (None, 0)
            return None, 0.0, 0.0
        lo = int(np.searchsorted(times, starts[ok].min()))
        right = self._right[lo : self._n].mean() >= 0.5  # the hand it mostly was
        rows = self._rows[lo : self._n] if right else self._rows[lo : self._n] * MIRROR
        ends = np.full(ok.sum(), now)
        feats = windows_features(times[lo:], rows, starts[ok], ends)
        probs = self.model.predict(feats)
        signs = probs[:, :-1]
        w, k = np.unravel_index(int(np.argmax(signs)), signs.shape)
        p, label = float(signs[w, k]), self.model.labels[k]
        if p < self.model.threshold:
            self._streak = (None, 0)
            return None, 0.0, 0.0
        if self.model.rest_ratio > 0 and not self._resting(now, float(energy(feats[w]))):
            return None, 0.0, 0.0  # still moving: the motion may not be over (a wave)
        run = self._streak[1] + 1 if self._streak[0] == label else 1
        self._streak = (label, run)
        if run < self.model.confirm:
            return None, 0.0, 0.0
        return label, p, float(durations[ok][w])

    def _resting(self, now: float, peak: float) -> bool:
        """The hand slowed down: its fastest point over the last 0.1 s moves at most
        ``rest_ratio`` of the window's peak speed (both palm lengths a second)."""
        times = self._t[: self._n]
        j = min(int(np.searchsorted(times, now - 0.1)), self._n - 2)
        rows = self._rows[[j, self._n - 1]]  # each frame's row: palm, then the three points
        pts = rows[:, 1 : 1 + 2 * len(POINTS)].reshape(2, len(POINTS), 2)
        palm = float(rows[1, 0])
        speed = float(np.linalg.norm(pts[1] - pts[0], axis=1).max())
        speed /= max(palm, 1e-6) * max(now - times[j], 1e-3)
        return speed <= self.model.rest_ratio * peak

    def _path(self, since: float) -> tuple[tuple[float, float], ...]:
        """The index fingertip's pixels from ``since`` to now (what is drawn)."""
        lo = int(np.searchsorted(self._t[: self._n], since))
        pts = self._lms[lo : self._n, 8, :2]
        return tuple((float(x), float(y)) for x, y in pts)
