"""The one place that builds a hand detector for a kind of source."""

from __future__ import annotations

from handcam.hands.hand import HandDetector

DETECTOR_KINDS = ("video", "image")


def make_detector(
    kind: str, complexity: int = 1, still_padding: float = 0.5, max_hands: int = 1
) -> HandDetector:
    """The hand tracker for ``kind`` "video"; still-image detection (padding, tiles) for
    "image"; with the model complexity and still padding a model was trained with (a
    bundle's preprocessing settings)."""
    if kind not in DETECTOR_KINDS:
        raise ValueError(f"kind must be one of {DETECTOR_KINDS}, not {kind!r}")
    if kind == "video":
        from handcam.hands.tracker import HandTracker, TrackerConfig

        return HandTracker(complexity, TrackerConfig(max_hands=max_hands))
    from handcam.hands.still import LiteRTStillDetector

    return LiteRTStillDetector(max_hands, complexity, still_padding=still_padding)
