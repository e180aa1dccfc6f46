"""The recognition pipeline: frame in; hands, crops, probabilities, smoothed labels and
per-stage timings out, as one frozen :class:`FrameResult`.

Each hand is classified on its own and smoothed on its own: smoothers are kept per
track id (the same physical hand across frames, from the tracker). The first hand
is the main hand; the top-level fields of a result describe it.

Two optional per-hand stages come with the model bundle (``"auto"``: from the
classifier's bundle, as the app, ``predict`` and ``bench`` build it):

- the open-set gate (:mod:`handcam.openset`): a sign-ness per hand from the same feature
  vector the classifier read; the smoother turns it into the state "not_a_sign"; stills
  use each image's own sign-ness.
- J and Z from their motion (:mod:`handcam.motion`), when the labels include both: one
  :class:`~handcam.motion.MotionSigns` per track; a recognised J / Z is shown (with its
  match score) for its hold time, the still model's smoothed label otherwise. Stills
  never use motion.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np

from handcam.classifier import Classifier
from handcam.detection import Hand, HandDetector
from handcam.motion import MotionConfig, MotionResult, MotionSigns
from handcam.openset import OpenSetGate
from handcam.preprocess import HandFeatures, PreprocessConfig, feature_size, hand_features
from handcam.smoothing import (
    NO_HAND,
    SmoothedPrediction,
    SmootherConfig,
    TemporalSmoother,
    still_prediction,
)
from handcam.sources import Frame

log = logging.getLogger(__name__)

STAGES = ("decode", "detection", "preprocessing", "classification", "total")
AUTO = "auto"
MOTION_LABELS = ("J", "Z")


class _RawPrediction:
    """The raw top-1 label, its probability and all probabilities by label, of one hand
    (``probs`` in ``labels`` order, None without a hand)."""

    probs: np.ndarray | None
    labels: tuple[str, ...]

    @property
    def label(self) -> str | None:
        return None if self.probs is None else self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return 0.0 if self.probs is None else float(np.max(self.probs))

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
    """What is kept for one tracked hand: its smoother and, when wanted, its motion signs."""

    def __init__(self, smoother: TemporalSmoother, motion: MotionSigns | None) -> None:
        self.smoother = smoother
        self.motion = motion


class Pipeline:
    """Detector + shared preprocessing + classifier (+ open-set gate, + J / Z from motion)
    + one smoother per hand.

    ``stills``: every frame is an unrelated image (a folder): nothing is carried from
    one to the next. ``gate`` and ``motion``: ``"auto"`` takes them from the classifier's
    bundle (its ``openset.npz``; motion when its labels include J and Z), None turns them
    off, or give an :class:`OpenSetGate` / a :class:`MotionConfig`. One thread uses a
    pipeline.
    """

    def __init__(
        self,
        detector: HandDetector,
        classifier: Classifier,
        preprocess: PreprocessConfig,
        smoother: SmootherConfig | None = None,
        stills: bool = False,
        gate: OpenSetGate | None | str = AUTO,
        motion: MotionConfig | None | str = AUTO,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.preprocess = preprocess
        self.smoother_config = smoother or SmootherConfig()
        self.stills = stills
        self.gate = bundle_gate(classifier, preprocess) if isinstance(gate, str) else gate
        if isinstance(motion, str):
            motion = MotionConfig() if set(MOTION_LABELS) <= set(classifier.labels) else None
        self.motion_config: MotionConfig | None = None if stills else motion  # type: ignore[assignment]
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
        signs = [self._sign(f) for _, f in kept]
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

    def _sign(self, features: HandFeatures) -> float | None:
        return None if self.gate is None else self.gate.sign_score(features.landmarks)

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
            motion = MotionSigns(self.motion_config) if self.motion_config else None
            state = _HandState(TemporalSmoother(labels, cfg), motion)
            self._hands[hand.track_id] = state
        shown = state.smoother.update(probs, frame.seconds, sign)
        moved = None
        if state.motion is not None:
            top = int(np.argmax(probs))
            still = {lab: float(v) for lab, v in zip(labels, probs, strict=True)}
            moved = state.motion.update(frame.seconds, hand, labels[top], still)
            if moved.label is not None:  # a J / Z motion outranks the still model
                shown = SmoothedPrediction(
                    "label", moved.label, moved.score, shown.probs, shown.sign
                )
        return HandResult(hand, feats, probs, labels, shown, sign, moved)

    def _forget_missing(self, seen: set[int | None], t: float) -> None:
        """Tell the hands not seen now; drop those gone past their grace."""
        for key in [k for k in self._hands if k not in seen]:
            state = self._hands[key]
            state.smoother.update(None, t)
            if state.motion is not None:
                state.motion.update(t, None)
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


def bundle_gate(classifier: Classifier, preprocess: PreprocessConfig) -> OpenSetGate | None:
    """The open-set gate of the classifier's bundle (None: no bundle, a crop model, or no
    ``openset.npz``): the gate reads the landmark feature vector the classifier reads."""
    bundle = getattr(classifier, "bundle", None)
    if bundle is None or "landmarks" not in getattr(bundle, "inputs", ()):
        return None
    from handcam.errors import BundleError
    from handcam.openset import load_gate

    try:
        return load_gate(bundle.path, feature_size(preprocess.features))
    except BundleError as exc:  # the model still works: only "not a sign" is lost
        log.warning("%s; running without the open-set gate", exc)
        return None


def build_pipeline(
    bundle_path,
    mode: str = "video",
    smoother: SmootherConfig | None = None,
    max_hands: int = 2,
    runtime: str = "auto",
) -> Pipeline:
    """The real pipeline for a bundle: detector for ``mode`` + the bundle's classifier, its
    open-set gate (when it carries one) and J / Z from motion (when its labels have them)."""
    from handcam.bundle import ModelBundle
    from handcam.classifier import load_classifier

    bundle = ModelBundle.load(bundle_path)
    classifier = load_classifier(bundle, runtime)
    from handcam.detectors import make_detector

    detector = make_detector(mode, bundle.preprocess, max_hands)
    gate = bundle_gate(classifier, bundle.preprocess)
    return Pipeline(
        detector, classifier, bundle.preprocess, smoother, stills=mode == "image", gate=gate
    )
