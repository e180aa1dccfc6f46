"""The one place that builds a hand detector from a bundle's preprocessing settings."""

from __future__ import annotations

from handcam.detection import HandDetector
from handcam.preprocess import PreprocessConfig


def make_detector(mode: str, config: PreprocessConfig, max_hands: int = 1) -> HandDetector:
    """The hand tracker for ``mode`` "video"; MediaPipe's still cascade (padding, tiles)
    for "image"; with the detector complexity and still padding a model was trained with."""
    if mode == "video":
        from handcam.tracking import HandTracker, TrackerConfig

        return HandTracker(config.detector_complexity, TrackerConfig(max_hands=max_hands))
    from handcam.detection import MediaPipeHandDetector

    return MediaPipeHandDetector(
        mode="image",
        max_hands=max_hands,
        complexity=config.detector_complexity,
        still_padding=config.still_padding,
    )
