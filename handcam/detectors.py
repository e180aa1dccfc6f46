"""The one place that builds a hand detector from a bundle's preprocessing settings."""

from __future__ import annotations

from handcam.detection import HandDetector
from handcam.preprocess import PreprocessConfig


def make_detector(mode: str, config: PreprocessConfig, max_hands: int = 1) -> HandDetector:
    """MediaPipe for ``mode`` "video" (tracking) or "image" (stills: padding, tiles),
    with the detector complexity and still padding a model was trained with."""
    from handcam.detection import MediaPipeHandDetector

    return MediaPipeHandDetector(
        mode=mode,
        max_hands=max_hands,
        complexity=config.detector_complexity,
        still_padding=config.still_padding,
    )
