"""J and Z from their motion: a fingertip's path over the last moments, with the handshape.

J is the I handshape (little finger out, the others curled) with the little fingertip
drawing a hook while the hand turns and drops; Z is a pointing index finger (D / 1) drawing
a Z. :class:`MotionSigns` is fed every processed frame of one tracked hand. It keeps
``window_s`` of both fingertips in image coordinates, in palm lengths (a Z is drawn by the
forearm carrying the whole hand; a J by the hand turning, so neither is measured against
the wrist), the hand's turn, and what the still model said. Every frame, the segments that
end within the last ``end_span_s`` and held the handshape (by the landmark test or the still
model) are cut out as candidates (:mod:`handcam.signs.motion_candidates`) and rated by a
small learned scorer; a sign is recognised when its best candidate reaches its threshold.

The scorer (``motion_scorer.npz``) is trained by ``python -m tools.motion_scorer`` on varied
synthetic J / Z motion and look-alikes made on real people's hands (:mod:`tools.synth.varied`),
the thresholds chosen on a tune set of the same people; ``python -m benchmarks.motion_bench
--varied`` reports on people held out.

A recognised sign is shown for ``hold_s``, the path before it is forgotten, and the same
sign is not recognised again for ``repeat_s``, so one motion triggers once. A single frame
(a still photo) never gives J or Z: that stays the still model's call. Everything is
measured in seconds, so 15-60 fps and dropped frames behave alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from handcam.hands.hand import Hand
from handcam.signs.motion_candidates import (
    J_FAMILY,
    Z_FAMILY,
    MLPScorer,
    family,
    features,
    hand_pose,
)

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
    I, J, D, Z, G and 1 stay under 0.65. ``python -m benchmarks.motion_bench --shapes DIR``
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
    window_s: float = 2.0  # path kept; a motion may last up to about max_motion_s
    min_motion_s: float = 0.3  # shortest segment rated
    max_motion_s: float = 1.7  # longest
    end_span_s: float = 0.15  # segments end up to this long before now
    hold_s: float = 0.6  # a recognised sign is shown this long
    repeat_s: float = 1.0  # the same sign is not recognised again this soon after
    max_gap_s: float = 0.3  # a longer time without a hand clears the path
    shape_fraction: float = 0.5  # of a segment's time with the handshape
    j_min_extent: float = 0.25  # palm lengths
    z_min_extent: float = 0.4
    # The scorer's probability from which a sign is recognised, on ``confirm`` frames in a
    # row: chosen on the tune set, the fewest false onsets with J and Z both caught 90% or
    # more (J 90.7%, Z 96.0%, 0.58 false onsets a minute there; 1 frame at 0.9: 99.3%,
    # 97.3%, 2.2 a minute): ``python -m tools.motion_scorer thresholds --n 150``
    j_threshold: float = 0.99
    z_threshold: float = 0.99
    confirm: int = 3

    def __post_init__(self) -> None:
        for name in ("window_s", "min_motion_s", "hold_s", "max_gap_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        if not self.min_motion_s < self.max_motion_s <= self.window_s:
            raise ValueError("min_motion_s < max_motion_s <= window_s is needed")
        if not (0 < self.j_threshold <= 1 and 0 < self.z_threshold <= 1):
            raise ValueError("thresholds are probabilities in (0, 1]")
        if self.confirm < 1:
            raise ValueError("confirm must be at least 1")


MOTION_LABELS = ("J", "Z")
# the still shapes a motion sign moves through: the composer keeps them from being written
# around it (I for J; D, 1, G for Z)
MOTION_STILL_LABELS = {"J": ("I", "J"), "Z": ("D", "1", "G", "Z")}


def motion_config_for(labels: tuple[str, ...]) -> MotionConfig | None:
    """J and Z are read from their motion when a model's labels include both."""
    return MotionConfig() if set(MOTION_LABELS) <= set(labels) else None


@dataclass(frozen=True)
class MotionResult:
    """``label``: the motion sign or None. ``score``: the model's probability of it (from
    the threshold to 1). ``remaining_s``: how much longer it stays shown. ``onset``: the
    frame that recognised it. ``path``: the fingertip's pixels through the motion (learned
    motion signs; drawn on the video). ``duration``: how long the motion took, seconds.
    ``still_shapes``: the still signs it moves through, which the composer does not write
    around it (None: whichever still sign the hand showed while making it)."""

    label: str | None
    score: float = 0.0
    remaining_s: float = 0.0
    onset: bool = False
    path: tuple[tuple[float, float], ...] = ()
    duration: float = 0.0
    # the still signs it moves through (I for J); None: whichever the hand showed
    still_shapes: tuple[str, ...] | None = None


_COLUMNS = {"t": (), "unit": (), "tips": (2, 2), "shape": (2,), "still": (2,), "right": (),
            "angle": (), "facing": ()}  # fmt: skip


class _Track:
    """The last frames of one hand in preallocated columns (oldest first): time, palm length
    (pixels), index and little fingertip (pixels), the two handshape flags, the still model's
    J-like and Z-like probability (nan: none given), "Right", in-plane angle and facing."""

    def __init__(self, capacity: int = 512) -> None:
        self.cols = {k: np.zeros((capacity, *shape)) for k, shape in _COLUMNS.items()}
        self.lo = self.hi = 0
        self.capacity = capacity

    def __len__(self) -> int:
        return self.hi - self.lo

    def last_t(self) -> float:
        return float(self.cols["t"][self.hi - 1]) if self.hi > self.lo else -np.inf

    def clear(self) -> None:
        self.lo = self.hi = 0

    def add(self, keep_s: float, **row) -> None:
        t = row["t"]
        if len(self) and t < self.last_t():
            self.clear()  # the clock went back: another source
        elif len(self) and t == self.last_t():
            self.hi -= 1  # a repeated time stamp replaces its frame
        if self.hi == self.capacity:  # full: move the newest frames to the front
            self.lo = max(self.lo, self.hi - self.capacity // 2)
            n = len(self)
            for a in self.cols.values():
                a[:n] = a[self.lo : self.hi]
            self.lo, self.hi = 0, n
        for k, v in row.items():
            self.cols[k][self.hi] = v
        self.hi += 1
        times = self.cols["t"]
        self.lo = self.lo + int(np.searchsorted(times[self.lo : self.hi], t - keep_s))
        self.lo = min(self.lo, self.hi - 1)

    def view(self, since: float) -> dict:
        lo = self.lo + int(np.searchsorted(self.cols["t"][self.lo : self.hi], since))
        return {k: a[lo : self.hi] for k, a in self.cols.items()}


_SCORERS: dict[str, MLPScorer] = {}


def _scorer() -> MLPScorer:
    if "default" not in _SCORERS:
        _SCORERS["default"] = MLPScorer()
    return _SCORERS["default"]


class MotionSigns:
    """Recognises J and Z for one tracked hand; feed it every processed frame.

    ``scorer``: (sign, candidate features) -> (K,) probabilities; the shipped MLP if None."""

    def __init__(self, config: MotionConfig | None = None, scorer=None) -> None:
        self.config = config or MotionConfig()
        self._score = scorer or _scorer()
        self._track = _Track()
        self._shown: MotionResult = MotionResult(None)
        self._until = -np.inf
        self._forget_before = -np.inf
        self._last = {"J": -np.inf, "Z": -np.inf}
        self._streak = {"J": 0, "Z": 0}

    def reset(self) -> None:
        """Forget the path and any sign shown."""
        self._track.clear()
        self._shown, self._until, self._forget_before = MotionResult(None), -np.inf, -np.inf
        self._last = {"J": -np.inf, "Z": -np.inf}
        self._streak = {"J": 0, "Z": 0}

    def update(
        self,
        t: float,
        hand: Hand | None,
        still_label: str | None = None,
        still_probs: dict[str, float] | None = None,
    ) -> MotionResult:
        """One processed frame at time ``t`` (seconds): the hand (None: none found) and what
        the still model said for it (``still_probs``: label -> probability, optional; else
        ``still_label``, its top label, optional)."""
        cfg, track = self.config, self._track
        if t < track.last_t():
            self.reset()  # the clock went back: another source
        if t - track.last_t() > cfg.max_gap_s:
            track.clear()
            self._streak = {"J": 0, "Z": 0}
        if hand is None:
            self._streak = {"J": 0, "Z": 0}  # "in a row" means frames with the hand
        else:
            if not still_probs and still_label is not None:
                still_probs = {still_label: 1.0}
            self._add(t, hand, still_probs)
        if t < self._until:
            return MotionResult(self._shown.label, self._shown.score, self._until - t)
        if hand is None:
            return MotionResult(None)
        label, score = self._recognise(t)
        if label is None:
            return MotionResult(None)
        log.debug("motion sign %s at t=%.3f (score %.2f)", label, t, score)
        self._shown, self._until = MotionResult(label, score), t + cfg.hold_s
        self._forget_before, self._last[label] = t, t
        track.clear()  # one motion, one sign
        return MotionResult(
            label, score, cfg.hold_s, onset=True, still_shapes=MOTION_STILL_LABELS[label]
        )

    def _add(self, t: float, hand: Hand, still_probs) -> None:
        lms = np.asarray(hand.landmarks, dtype=np.float64)
        right = hand.handedness.lower() == "right"
        angle, facing = hand_pose(lms, right)
        still = (family(still_probs, J_FAMILY), family(still_probs, Z_FAMILY))
        self._track.add(self.config.window_s, t=t, unit=palm_size(lms), angle=angle,
                        tips=lms[[INDEX_TIP, LITTLE_TIP], :2], shape=handshapes(lms),
                        still=still, right=right, facing=facing)  # fmt: skip

    def _recognise(self, now: float) -> tuple[str | None, float]:
        """The sign whose best candidate reaches its threshold (the higher of both), and its
        probability."""
        cfg = self.config
        v = self._track.view(max(now - cfg.window_s, self._forget_before))
        t = v["t"]
        if len(t) < 4 or t[-1] - t[0] < cfg.min_motion_s:
            self._streak = {"J": 0, "Z": 0}
            return None, 0.0
        recent = t >= t[-1] - cfg.end_span_s - cfg.min_motion_s
        best: tuple[str | None, float] = (None, 0.0)
        for k, sign in enumerate(MOTION_LABELS):
            shape_ok = np.maximum(v["shape"][:, k], np.nan_to_num(v["still"][:, k]) >= 0.3)
            feats = None
            if shape_ok[recent].mean() >= 0.8 * cfg.shape_fraction and now >= (
                self._last[sign] + cfg.repeat_s
            ):
                feats = features(v, sign, shape_ok, cfg)
            p = float(self._score(sign, feats).max()) if feats is not None else 0.0
            if p < (cfg.j_threshold if sign == "J" else cfg.z_threshold):
                self._streak[sign] = 0
                continue
            self._streak[sign] += 1
            if self._streak[sign] >= cfg.confirm and p > best[1]:
                best = (sign, p)
        if best[0] is not None:
            self._streak = {"J": 0, "Z": 0}
        return best
