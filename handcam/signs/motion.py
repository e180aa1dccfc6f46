"""J and Z from their motion: a fingertip's path over the last moments, with the handshape.

J is the I handshape (little finger out, the others curled) with the little fingertip
drawing a hook; Z is a pointing index finger (D / 1) drawing a Z. :class:`MotionSigns` is
fed every processed frame of one tracked hand. It keeps ``window_s`` of both fingertips in
image coordinates, in palm lengths (a Z is drawn by the forearm carrying the whole hand;
a J by the hand turning, so neither is measured against the wrist), and matches every
segment that ends now against the J / Z templates (:mod:`handcam.signs.motion_templates`). A segment
counts when the handshape held for most of it, it is big enough, the fingertip was nearly
at rest where it starts and where it ends (a motion, not a piece of one), and, when the
still model's labels are given, the still model agreed often enough (it need not say J
or Z; an I or a D is what its still frames look like).

A recognised sign is shown for ``hold_s`` and the track is cleared, so one motion triggers
once. A single frame (a still photo) never gives J or Z: that stays the still model's call.
Everything is measured in seconds, so 15-60 fps and dropped frames behave alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from handcam.hands.hand import Hand
from handcam.signs.motion_templates import TemplateBank, candidates, j_shapes, z_shapes

log = logging.getLogger(__name__)

INDEX_TIP, LITTLE_TIP = 8, 20
_CHAINS = np.array([[5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16], [17, 18, 19, 20]])


def finger_states(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(4,) extended and (4,) curled flags of index, middle, ring and little finger.

    Extended: the finger is nearly straight (tip-to-knuckle distance over 0.8 of the
    finger's length) and its tip is farther from the wrist than its middle joint. Curled:
    the tip is nearer the wrist than the middle joint. In 3-D (x, y and MediaPipe's z), so
    a finger pointing at the camera still counts.
    """
    p = np.asarray(landmarks, dtype=np.float64)[:, :3]
    chain = p[_CHAINS]  # (4, 4, 3): MCP, PIP, DIP, tip
    length = np.linalg.norm(np.diff(chain, axis=1), axis=2).sum(axis=1)
    straight = np.linalg.norm(chain[:, 3] - chain[:, 0], axis=1) / np.maximum(length, 1e-9)
    tip_far = np.linalg.norm(chain[:, 3] - p[0], axis=1)
    pip_far = np.linalg.norm(chain[:, 1] - p[0], axis=1)
    return (straight > 0.8) & (tip_far > pip_far), tip_far < pip_far


def handshapes(landmarks: np.ndarray) -> tuple[bool, bool]:
    """(I-like, pointing): the little finger out and the others curled (I, J); the index
    out and the others curled (D, 1, Z, G, X). Either way the thumb tip stays within 0.75
    palm lengths of the middle finger's knuckle: on real photos (ASL-HG letters, 80 per
    letter; sign-language digits) Y and L hold it out (0.81 and 0.88 at least) while
    I, J, D, Z, G and 1 stay under 0.65. ``python -m tools.motion_bench --shapes DIR``
    measures both flags on such photos."""
    ext, curled = finger_states(landmarks)
    p = np.asarray(landmarks, dtype=np.float64)[:, :3]
    thumb_in = np.linalg.norm(p[4] - p[9]) < 0.75 * palm_size(p)
    i_like = bool(ext[3] and curled[:3].all() and thumb_in)
    return i_like, bool(ext[0] and curled[1:].all() and thumb_in)


def palm_size(landmarks: np.ndarray) -> float:
    """Mean 3-D distance from the wrist to the index, middle and little knuckles."""
    p = np.asarray(landmarks, dtype=np.float64)[:, :3]
    return float(np.linalg.norm(p[[5, 9, 17]] - p[0], axis=1).mean())


@dataclass(frozen=True)
class MotionConfig:
    window_s: float = 1.6  # path kept; a motion may last up to about this long
    min_motion_s: float = 0.3  # shortest segment matched
    min_active_s: float = 0.25  # shortest time a matched segment spends moving
    rest_ratio: float = 0.3  # fingertip speed at a segment's start and end over its peak
    hold_s: float = 0.6  # a recognised sign is shown this long
    max_gap_s: float = 0.3  # a longer time without a hand clears the path
    shape_fraction: float = 0.7  # of a segment's time with the handshape
    still_agree: float = 0.3  # of its frames the still model must agree, when labels given
    j_max_distance: float = 0.07  # template distance (path radii) up to which a J is seen
    z_max_distance: float = 0.2
    j_max_stretch: float = 1.5  # how far a template may be stretched or sheared to fit
    z_max_stretch: float = 2.0
    j_min_extent: float = 0.35  # palm lengths
    z_min_extent: float = 0.6
    use_handedness: bool = False  # match one drawing direction per hand, not both
    j_still_labels: tuple[str, ...] = ("I", "J")
    z_still_labels: tuple[str, ...] = ("D", "1", "Z", "G")

    def __post_init__(self) -> None:
        for name in ("window_s", "min_motion_s", "hold_s", "max_gap_s", "rest_ratio"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if self.min_motion_s >= self.window_s:
            raise ValueError("min_motion_s must be shorter than window_s")
        if self.j_max_stretch < 1 or self.z_max_stretch < 1:
            raise ValueError("max_stretch must be at least 1 (1: rotation only)")


MOTION_LABELS = ("J", "Z")


def motion_config_for(labels: tuple[str, ...]) -> MotionConfig | None:
    """J and Z are read from their motion when a model's labels include both."""
    return MotionConfig() if set(MOTION_LABELS) <= set(labels) else None


@dataclass(frozen=True)
class MotionResult:
    """``label``: "J", "Z" or None. ``score``: its match, 0.5 (just) to 1 (exact template).
    ``remaining_s``: how much longer it stays shown. ``onset``: the frame that recognised it."""

    label: str | None
    score: float = 0.0
    remaining_s: float = 0.0
    onset: bool = False


_SIDES = {None: (False, True), "Right": (False,), "Left": (True,)}


@lru_cache(maxsize=8)
def _bank(label: str, stretch: float, side: str | None) -> TemplateBank:
    """Templates as drawn for a hand MediaPipe calls "Right" (its image chirality), mirrored
    for "Left", both for None."""
    shapes = j_shapes() if label == "J" else z_shapes()
    return TemplateBank(label, shapes, max_stretch=stretch, sides=_SIDES[side])


class _Track:
    """The last frames of one hand in preallocated arrays (oldest first)."""

    def __init__(self, capacity: int = 512) -> None:
        self.t = np.zeros(capacity)
        self.size = np.zeros(capacity)  # palm length, pixels
        self.tips = np.zeros((capacity, 2, 2))  # index and little fingertip, pixels
        self.shape = np.zeros((capacity, 2))  # I-like, pointing
        self.agree = np.zeros((capacity, 2))  # the still model agrees with J / Z; nan: no label
        self.right = np.zeros(capacity)  # 1 where MediaPipe called the hand "Right"
        self.lo = self.hi = 0

    def __len__(self) -> int:
        return self.hi - self.lo

    def clear(self) -> None:
        self.lo = self.hi = 0

    def add(self, t: float, size: float, tips, shape, agree, right, keep_s: float) -> None:
        if len(self) and t < self.t[self.hi - 1]:
            self.clear()  # the clock went back: another source
        elif len(self) and t == self.t[self.hi - 1]:
            self.hi -= 1  # a repeated time stamp replaces its frame
        if self.hi == len(self.t):  # full: move the newest frames to the front
            self.lo = max(self.lo, self.hi - len(self.t) // 2)
            n = len(self)
            for arr in (self.t, self.size, self.tips, self.shape, self.agree, self.right):
                arr[:n] = arr[self.lo : self.hi]
            self.lo, self.hi = 0, n
        i = self.hi
        self.t[i], self.size[i], self.tips[i], self.shape[i] = t, size, tips, shape
        self.agree[i], self.right[i] = agree, right
        self.hi += 1
        self.lo = max(
            self.lo, int(np.searchsorted(self.t[self.lo : self.hi], t - keep_s)) + self.lo
        )
        self.lo = min(self.lo, self.hi - 1)


class MotionSigns:
    """Recognises J and Z for one tracked hand; feed it every processed frame."""

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = cfg = config or MotionConfig()
        sides = ("Right", "Left") if cfg.use_handedness else (None,)
        banks = [
            {s: _bank(label, stretch, s) for s in sides}
            for label, stretch in (("J", cfg.j_max_stretch), ("Z", cfg.z_max_stretch))
        ]
        # label, fingertip (index 0, little finger 1), templates, largest distance, extent
        self._signs = (
            ("J", 1, banks[0], cfg.j_max_distance, cfg.j_min_extent),
            ("Z", 0, banks[1], cfg.z_max_distance, cfg.z_min_extent),
        )
        self._still = (set(cfg.j_still_labels), set(cfg.z_still_labels))
        self._track = _Track()
        self._shown: MotionResult = MotionResult(None)
        self._until = -np.inf

    def reset(self) -> None:
        """Forget the path and any sign shown."""
        self._track.clear()
        self._shown, self._until = MotionResult(None), -np.inf

    def update(
        self,
        t: float,
        hand: Hand | None,
        still_label: str | None = None,
        still_probs: dict[str, float] | None = None,
    ) -> MotionResult:
        """One processed frame at time ``t`` (seconds): the hand (None: none found) and what
        the still model said for it (``still_probs``: label -> probability, optional)."""
        cfg, track = self.config, self._track
        if len(track) and t - track.t[track.hi - 1] > cfg.max_gap_s:
            track.clear()
        if hand is not None:
            self._add(t, hand, still_label, still_probs)
        if t < self._until:
            return MotionResult(self._shown.label, self._shown.score, self._until - t)
        if hand is None:
            return MotionResult(None)
        label, score = self._recognise()
        if label is None:
            return MotionResult(None)
        log.debug("motion sign %s at t=%.3f (score %.2f)", label, t, score)
        self._shown, self._until = MotionResult(label, score), t + cfg.hold_s
        track.clear()  # one motion, one sign
        return MotionResult(label, score, cfg.hold_s, onset=True)

    def _add(self, t, hand, still_label, still_probs) -> None:
        lms = np.asarray(hand.landmarks, dtype=np.float64)
        shape = handshapes(lms)
        agree = np.full(2, np.nan)
        for k, labels in enumerate(self._still):
            if still_probs:
                agree[k] = sum(still_probs.get(lab, 0.0) for lab in labels) >= 0.25
            elif still_label is not None:
                agree[k] = still_label in labels
        tips = lms[[INDEX_TIP, LITTLE_TIP], :2]
        right = hand.handedness.lower() == "right"
        self._track.add(t, palm_size(lms), tips, shape, agree, right, self.config.window_s)

    def _recognise(self) -> tuple[str | None, float]:
        """The best sign whose template matches a segment ending now, and its score."""
        cfg, tr = self.config, self._track
        sl = slice(tr.lo, tr.hi)
        t = tr.t[sl]
        if len(t) < 3 or t[-1] - t[0] < cfg.min_motion_s:
            return None, 0.0
        recent = t >= t[-1] - cfg.min_motion_s
        best: tuple[str | None, float] = (None, 0.0)
        unit = None
        side = None
        if cfg.use_handedness:
            side = "Right" if tr.right[sl].mean() >= 0.5 else "Left"
        for k, (label, tip, banks, max_d, min_extent) in enumerate(self._signs):
            shape = tr.shape[sl, k]
            if shape[recent].mean() < cfg.shape_fraction:
                continue  # not this handshape now
            unit = unit or max(float(np.median(tr.size[sl])), 1e-6)
            xy = tr.tips[sl, tip] / unit
            if np.ptp(xy, axis=0).max() < min_extent:
                continue  # too little motion in the whole window
            cand = candidates(
                t,
                xy,
                shape,
                min_shape=cfg.shape_fraction,
                min_extent=min_extent,
                max_rest=cfg.rest_ratio,
                min_active=cfg.min_active_s,
                min_s=cfg.min_motion_s,
            )
            if cand is None:
                continue
            ok = self._still_ok(t, tr.agree[sl, k], cand.start)
            if not ok.any():
                continue
            d = self._match(k, banks[side], cand.paths[ok])
            score = float(np.clip(1.0 - d / (2 * max_d), 0.0, 1.0))
            if d <= max_d and score > best[1]:
                best = (label, score)
        return best

    def _match(self, k: int, bank: TemplateBank, paths: np.ndarray) -> float:
        """The distance of the best of ``paths`` to sign ``k``'s templates."""
        return float(bank.distance(paths).min())

    def _still_ok(self, t: np.ndarray, agree: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """(K,) bool: the still model agreed on enough labelled frames after each start."""
        known = ~np.isnan(agree)
        if not known.any():
            return np.ones(len(starts), bool)
        yes = np.cumsum(np.where(known, agree, 0.0)[::-1])[::-1]
        n = np.cumsum(known[::-1])[::-1]
        i = np.minimum(np.searchsorted(t, starts), len(t) - 1)
        return (n[i] == 0) | (yes[i] >= self.config.still_agree * n[i])
