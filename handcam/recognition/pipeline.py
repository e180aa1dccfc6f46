"""The recognition pipeline: frame in; hands, crops, probabilities, smoothed labels and
per-stage timings out, as one frozen :class:`FrameResult`.

Each hand is classified on its own and smoothed on its own: smoothers are kept per
track id (the same physical hand across frames, from the tracker). The first hand
is the main hand; the top-level fields of a result describe it.

Two optional per-hand stages come with the model bundle (``"auto"``: from the
classifier's bundle, as the app, ``predict`` and ``bench`` build it):

- the open-set gate (:mod:`handcam.model.gate`): a sign-ness per hand from the same feature
  vector the classifier read; the smoother turns it into the state "not_a_sign"; stills
  use each image's own sign-ness.
- J and Z from their motion (:mod:`handcam.signs.motion`), when the labels include both: one
  :class:`~handcam.signs.motion.MotionSigns` per track; a recognised J / Z is shown (with its
  match score) for its hold time, the still model's smoothed label otherwise. Stills
  never use motion.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from handcam.capture.sources import Frame
from handcam.features.preprocess import HandFeatures, PreprocessConfig, hand_features
from handcam.hands.hand import Hand, HandDetector
from handcam.model.classifier import Classifier
from handcam.model.gate import Gate
from handcam.signs.motion import MotionConfig, MotionResult, MotionSigns, motion_config_for
from handcam.signs.motion_model import MotionModel
from handcam.signs.motion_spotter import MotionSpotter
from handcam.signs.smoothing import (
    NO_HAND,
    SmoothedPrediction,
    SmootherConfig,
    TemporalSmoother,
    still_prediction,
)

log = logging.getLogger(__name__)

STAGES = ("decode", "detection", "preprocessing", "classification", "total")
AUTO = "auto"


class _RawPrediction:
    """The raw top-1 label, its probability and all probabilities by label, of one hand
    (``probs`` in ``labels`` order, None without a hand)."""

    probs: np.ndarray | None
    labels: tuple[str, ...]

    @property
    def label(self) -> str | None:
        """The top label; None without a hand, or when no still label has any probability
        (a bundle of motion signs only)."""
        if self.probs is None or not np.max(self.probs, initial=0.0) > 0:
            return None
        return self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return 0.0 if self.probs is None else float(np.max(self.probs, initial=0.0))

    def probs_dict(self) -> dict[str, float]:
        if self.probs is None:
            return {}
        return {lab: round(float(p), 5) for lab, p in zip(self.labels, self.probs, strict=True)}


@dataclass(frozen=True, eq=False)
class HandResult(_RawPrediction):
    """One hand of a frame: where it is, what the classifier says, what is shown."""

    hand: Hand
    features: HandFeatures | None = field(repr=False)
    probs: np.ndarray | None = field(repr=False)  # raw, in label order
    labels: tuple[str, ...] = field(repr=False)
    smoothed: SmoothedPrediction = NO_HAND
    sign: float | None = None  # this frame's sign-ness from the gate (None: no gate)
    motion: MotionResult | None = None  # J / Z from motion (None: not looked for)

    @property
    def track_id(self) -> int | None:
        return self.hand.track_id

    @property
    def state(self) -> str:
        """What is shown: "label", "unsure", "not_a_sign" or "no_hand"."""
        return self.smoothed.state


@dataclass(frozen=True, eq=False)
class FrameResult(_RawPrediction):
    """Everything the app shows for one frame. Crosses from the worker to the GUI.

    ``hands`` and ``per_hand`` list every hand, main hand first; ``features``,
    ``probs`` and ``smoothed`` are the main hand's.
    """

    frame: Frame = field(repr=False)
    hands: tuple[Hand, ...]
    features: HandFeatures | None = field(repr=False)
    probs: np.ndarray | None = field(repr=False)  # raw, in label order
    labels: tuple[str, ...] = field(repr=False)
    smoothed: SmoothedPrediction | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    per_hand: tuple[HandResult, ...] = ()

    @property
    def hand_found(self) -> bool:
        return bool(self.hands)

    @property
    def state(self) -> str:
        """The main hand's shown state ("no_hand" without a hand)."""
        return self.smoothed.state if self.smoothed is not None else "no_hand"

    @property
    def sign(self) -> float | None:
        """The main hand's sign-ness this frame (None: no hand or no gate)."""
        return self.per_hand[0].sign if self.per_hand else None


class _HandState:
    """What is kept for one tracked hand: its smoother and its motion recognisers (J / Z
    written by hand, the bundle's learned motion signs)."""

    def __init__(self, smoother: TemporalSmoother, motion: list) -> None:
        self.smoother = smoother
        self.motion = motion

    def update_motion(self, t: float, hand: Hand | None, label=None, probs=None):
        """Every recogniser's answer; the one that recognised a sign (onset first)."""
        found = None
        for rec in self.motion:
            res = rec.update(t, hand, label, probs)
            if res.label is not None and (found is None or (res.onset and not found.onset)):
                found = res
        return found if found is not None else (MotionResult(None) if self.motion else None)


class Pipeline:
    """Detector + shared preprocessing + classifier (+ open-set gate, + J / Z from motion)
    + one smoother per hand.

    ``stills``: every frame is an unrelated image (a folder): nothing is carried from
    one to the next. ``gate``: the model's "not a sign" gate (None: none).
    ``motion``: ``"auto"`` reads J and Z from motion when the labels include both, None
    turns it off, or give a :class:`MotionConfig`. :func:`handcam.recognition.assemble.
    assemble` builds one for a model bundle. One thread uses a pipeline.
    """

    def __init__(
        self,
        detector: HandDetector,
        classifier: Classifier,
        preprocess: PreprocessConfig,
        smoother: SmootherConfig | None = None,
        stills: bool = False,
        gate: Gate | None = None,
        motion: MotionConfig | None | str = AUTO,
        motion_model: MotionModel | None = None,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.preprocess = preprocess
        self.smoother_config = smoother or SmootherConfig()
        self.stills = stills
        self.gate = gate
        if isinstance(motion, str):
            motion = motion_config_for(classifier.labels)
        self.motion_config: MotionConfig | None = None if stills else motion  # type: ignore[assignment]
        self.motion_model = None if stills else motion_model
        self._hands: dict[int | None, _HandState] = {}

    def process(self, frame: Frame, decode_ms: float = 0.0) -> FrameResult:
        t0 = time.perf_counter()
        hands = self.detector.detect(frame.image)
        t1 = time.perf_counter()
        kept: list[tuple[Hand, HandFeatures]] = []
        for hand in hands:
            try:
                kept.append(
                    (
                        hand,
                        hand_features(
                            frame.image, hand, self.preprocess, with_crop=self.classifier.needs_crop
                        ),
                    )
                )
            except ValueError:  # a degenerate hand: treat as not found
                continue
        t2 = time.perf_counter()
        probs = [self.classifier.predict(f) for _, f in kept]
        signs = [self._sign(f, p) for (_, f), p in zip(kept, probs, strict=True)]
        per_hand = tuple(
            self._hand_result(hand, feats, p, sign, frame)
            for (hand, feats), p, sign in zip(kept, probs, signs, strict=True)
        )
        self._forget_missing({r.track_id for r in per_hand}, frame.seconds)
        t3 = time.perf_counter()
        timings = {
            "decode": decode_ms,
            "detection": (t1 - t0) * 1e3,
            "preprocessing": (t2 - t1) * 1e3,
            "classification": (t3 - t2) * 1e3,  # with the gate, smoothing and motion
        }
        timings["total"] = decode_ms + (time.perf_counter() - t0) * 1e3
        main = per_hand[0] if per_hand else None
        return FrameResult(
            frame,
            tuple(r.hand for r in per_hand),
            main.features if main else None,
            main.probs if main else None,
            self.classifier.labels,
            main.smoothed if main else NO_HAND,
            timings,
            per_hand,
        )

    def _sign(self, features: HandFeatures, probs: np.ndarray) -> float | None:
        """The gate's sign-ness of one hand; the classifier's top label tells the gate
        whether that label may reject at all (labels made by too few people never do). A
        hand of the person's own shape of that label (a calibration's) is a sign."""
        if self.gate is None or not len(probs):
            return None
        own = getattr(self.classifier, "is_own_shape", None)  # fakes may lack it
        if own is not None and own(features, int(np.argmax(probs))):
            return 1.0
        return self.gate.sign_score(features.landmarks, probs)

    def _hand_result(
        self,
        hand: Hand,
        feats: HandFeatures,
        probs: np.ndarray,
        sign: float | None,
        frame: Frame,
    ) -> HandResult:
        labels = self.classifier.labels
        cfg = self.smoother_config
        if self.stills:
            shown = still_prediction(labels, probs, cfg.enter, sign, cfg.sign_min)
            return HandResult(hand, feats, probs, labels, shown, sign)
        state = self._hands.get(hand.track_id)
        if state is None:
            motion: list = [MotionSigns(self.motion_config)] if self.motion_config else []
            if self.motion_model is not None:
                motion.append(MotionSpotter(self.motion_model))
            state = _HandState(TemporalSmoother(labels, cfg), motion)
            self._hands[hand.track_id] = state
        shown = state.smoother.update(probs, frame.seconds, sign)
        moved = None
        if state.motion:
            top = labels[int(np.argmax(probs))] if len(probs) else None
            still = {lab: float(v) for lab, v in zip(labels, probs, strict=True)}
            moved = state.update_motion(frame.seconds, hand, top, still)
            if moved.label is not None:  # a motion sign outranks the still model
                shown = SmoothedPrediction(
                    "label", moved.label, moved.score, shown.probs, shown.sign
                )
        return HandResult(hand, feats, probs, labels, shown, sign, moved)

    def _forget_missing(self, seen: set[int | None], t: float) -> None:
        """Tell the hands not seen now; drop those gone past their grace."""
        for key in [k for k in self._hands if k not in seen]:
            state = self._hands[key]
            state.smoother.update(None, t)
            state.update_motion(t, None)
            if state.smoother.current() is NO_HAND:
                del self._hands[key]

    def configure_smoother(self, config: SmootherConfig) -> None:
        """Use new smoothing settings from now on, keeping the tracked hands (their smoothed
        state, tracks and J/Z paths)."""
        self.smoother_config = config
        for state in self._hands.values():
            state.smoother.config = config

    def reset(self) -> None:
        """Forget temporal state (on a change of source)."""
        self._hands.clear()
        self.detector.reset()

    def close(self) -> None:
        self.detector.close()
