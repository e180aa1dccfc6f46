"""The recognition pipeline: frame in; hands, crops, probabilities, smoothed label and
per-stage timings out, as one frozen :class:`FrameResult`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from handcam.classifier import Classifier
from handcam.detection import Hand, HandDetector
from handcam.preprocess import HandFeatures, PreprocessConfig, hand_features
from handcam.smoothing import SmoothedPrediction, SmootherConfig, TemporalSmoother
from handcam.sources import Frame

STAGES = ("decode", "detection", "preprocessing", "classification", "total")


@dataclass(frozen=True, eq=False)
class FrameResult:
    """Everything the app shows for one frame. Crosses from the worker to the GUI."""

    frame: Frame = field(repr=False)
    hands: tuple[Hand, ...]
    features: HandFeatures | None = field(repr=False)
    probs: np.ndarray | None = field(repr=False)  # raw, in label order
    labels: tuple[str, ...] = field(repr=False)
    smoothed: SmoothedPrediction | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def hand_found(self) -> bool:
        return bool(self.hands)

    @property
    def label(self) -> str | None:
        """Raw top-1 label, or None when no hand was found."""
        return None if self.probs is None else self.labels[int(np.argmax(self.probs))]

    @property
    def confidence(self) -> float:
        return 0.0 if self.probs is None else float(np.max(self.probs))

    def probs_dict(self) -> dict[str, float]:
        if self.probs is None:
            return {}
        return {lab: round(float(p), 5) for lab, p in zip(self.labels, self.probs, strict=True)}


class Pipeline:
    """Detector + shared preprocessing + classifier + smoother. One thread uses it."""

    def __init__(
        self,
        detector: HandDetector,
        classifier: Classifier,
        preprocess: PreprocessConfig,
        smoother: SmootherConfig | None = None,
    ) -> None:
        self.detector = detector
        self.classifier = classifier
        self.preprocess = preprocess
        self.smoother = TemporalSmoother(classifier.labels, smoother)

    def process(self, frame: Frame, decode_ms: float = 0.0) -> FrameResult:
        t0 = time.perf_counter()
        hands = tuple(self.detector.detect(frame.image))
        t1 = time.perf_counter()
        features = probs = None
        if hands:
            try:
                features = hand_features(
                    frame.image, hands[0], self.preprocess, with_crop=self.classifier.needs_crop
                )
            except ValueError:  # a degenerate hand: treat as not found
                hands = ()
        t2 = time.perf_counter()
        if features is not None:
            probs = self.classifier.predict(features)
        t3 = time.perf_counter()
        smoothed = self.smoother.update(probs)
        timings = {
            "decode": decode_ms,
            "detection": (t1 - t0) * 1e3,
            "preprocessing": (t2 - t1) * 1e3,
            "classification": (t3 - t2) * 1e3,
        }
        timings["total"] = decode_ms + (time.perf_counter() - t0) * 1e3
        return FrameResult(frame, hands, features, probs, self.classifier.labels, smoothed, timings)

    def reset(self) -> None:
        """Forget temporal state (on a change of source)."""
        self.smoother.reset()

    def close(self) -> None:
        self.detector.close()


def build_pipeline(
    bundle_path, mode: str = "video", smoother: SmootherConfig | None = None
) -> Pipeline:
    """The real pipeline for a bundle: MediaPipe detector + Keras classifier."""
    from handcam.bundle import ModelBundle
    from handcam.classifier import KerasClassifier
    from handcam.detection import MediaPipeHandDetector

    bundle = ModelBundle.load(bundle_path)
    classifier = KerasClassifier(bundle)
    detector = MediaPipeHandDetector(
        mode=mode,
        complexity=bundle.preprocess.detector_complexity,
        still_padding=bundle.preprocess.still_padding,
    )
    return Pipeline(detector, classifier, bundle.preprocess, smoother)
