"""The recognition pipeline: frame in; hands, crops, probabilities, smoothed labels and
per-stage timings out, as one frozen :class:`FrameResult`.

Each hand is classified on its own and smoothed on its own: smoothers are kept per
track id (the same physical hand across frames, from the tracker). The first hand
is the main hand; the top-level fields of a result describe it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from handcam.classifier import Classifier
from handcam.detection import Hand, HandDetector
from handcam.preprocess import HandFeatures, PreprocessConfig, hand_features
from handcam.smoothing import (
    NO_HAND,
    SmoothedPrediction,
    SmootherConfig,
    TemporalSmoother,
    still_prediction,
)
from handcam.sources import Frame

STAGES = ("decode", "detection", "preprocessing", "classification", "total")


@dataclass(frozen=True, eq=False)
class HandResult:
    """One hand of a frame: where it is, what the classifier says, what is shown."""

    hand: Hand
    features: HandFeatures | None = field(repr=False)
    probs: np.ndarray | None = field(repr=False)  # raw, in label order
    labels: tuple[str, ...] = field(repr=False)
    smoothed: SmoothedPrediction = NO_HAND

    @property
    def track_id(self) -> int | None:
        return self.hand.track_id

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
class FrameResult:
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
    def label(self) -> str | None:
        """Raw top-1 label of the main hand, or None when no hand was found."""
        return None if self.probs is None else self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return 0.0 if self.probs is None else float(np.max(self.probs))

    def probs_dict(self) -> dict[str, float]:
        if self.probs is None:
            return {}
        return {lab: round(float(p), 5) for lab, p in zip(self.labels, self.probs, strict=True)}


class Pipeline:
    """Detector + shared preprocessing + classifier + one smoother per hand.

    ``stills``: every frame is an unrelated image (a folder): nothing is carried from
    one to the next. One thread uses a pipeline.
    """

    def __init__(
        self,
        detector: HandDetector,
        classifier: Classifier,
        preprocess: PreprocessConfig,
        smoother: SmootherConfig | None = None,
        stills: bool = False,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.preprocess = preprocess
        self.smoother_config = smoother or SmootherConfig()
        self.stills = stills
        self._smoothers: dict[int | None, TemporalSmoother] = {}

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
        t3 = time.perf_counter()
        per_hand = tuple(
            HandResult(hand, feats, p, self.classifier.labels, self._smooth(hand, p, frame))
            for (hand, feats), p in zip(kept, probs, strict=True)
        )
        self._forget_missing({r.track_id for r in per_hand}, frame.seconds)
        timings = {
            "decode": decode_ms,
            "detection": (t1 - t0) * 1e3,
            "preprocessing": (t2 - t1) * 1e3,
            "classification": (t3 - t2) * 1e3,
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

    def _smooth(self, hand: Hand, probs: np.ndarray, frame: Frame) -> SmoothedPrediction:
        if self.stills:
            return still_prediction(self.classifier.labels, probs, self.smoother_config.enter)
        smoother = self._smoothers.get(hand.track_id)
        if smoother is None:
            smoother = TemporalSmoother(self.classifier.labels, self.smoother_config)
            self._smoothers[hand.track_id] = smoother
        return smoother.update(probs, frame.seconds)

    def _forget_missing(self, seen: set[int | None], t: float) -> None:
        """Tell the smoothers of hands not seen now; drop those gone past their grace."""
        for key in [k for k in self._smoothers if k not in seen]:
            self._smoothers[key].update(None, t)
            if self._smoothers[key].current() is NO_HAND:
                del self._smoothers[key]

    def reset(self) -> None:
        """Forget temporal state (on a change of source)."""
        self._smoothers.clear()
        self.detector.reset()

    def close(self) -> None:
        self.detector.close()


def build_pipeline(
    bundle_path,
    mode: str = "video",
    smoother: SmootherConfig | None = None,
    max_hands: int = 2,
    runtime: str = "auto",
) -> Pipeline:
    """The real pipeline for a bundle: detector for ``mode`` + the bundle's classifier."""
    from handcam.bundle import ModelBundle
    from handcam.classifier import load_classifier

    bundle = ModelBundle.load(bundle_path)
    classifier = load_classifier(bundle, runtime)
    from handcam.detectors import make_detector

    detector = make_detector(mode, bundle.preprocess, max_hands)
    return Pipeline(detector, classifier, bundle.preprocess, smoother, stills=mode == "image")
