"""The one implementation of preprocessing, shared by training and the live app.

A model consumes some of: ``landmarks`` (63 floats: wrist-relative, scale-free,
left hands mirrored to right) and ``crop`` (a square RGB uint8 crop around the hand,
left hands mirrored). Pixel scaling happens inside the model, never here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from handcam.detection import NUM_LANDMARKS, Hand

LANDMARK_FEATURES = NUM_LANDMARKS * 3


@dataclass(frozen=True)
class PreprocessConfig:
    """Settings a model was trained with; saved in its bundle and reused by the app."""

    crop_size: int = 96
    crop_margin: float = 0.25  # of the landmark box's longer side, on each side
    mirror_left: bool = True
    detector_complexity: int = 1
    still_padding: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PreprocessConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown preprocessing settings: {sorted(unknown)}")
        return cls(**data)


@dataclass(frozen=True, eq=False)
class HandFeatures:
    """What the classifier may consume for one hand."""

    landmarks: np.ndarray  # (63,) float32
    crop: np.ndarray | None  # (S, S, 3) uint8, or None when not computed


def is_mirrored(handedness: str, config: PreprocessConfig) -> bool:
    return config.mirror_left and handedness.lower() == "left"


def normalize_landmarks(
    landmarks: np.ndarray, handedness: str, config: PreprocessConfig
) -> np.ndarray:
    """(21, 3) pixel landmarks -> (63,) float32: wrist at 0, unit size, left hands mirrored."""
    pts = np.asarray(landmarks, dtype=np.float32).reshape(NUM_LANDMARKS, 3)
    rel = pts - pts[0]
    if is_mirrored(handedness, config):
        rel[:, 0] = -rel[:, 0]
    scale = float(np.max(np.linalg.norm(rel[:, :2], axis=1)))
    if scale < 1e-6:
        raise ValueError("degenerate hand: all landmarks at one point")
    return (rel / scale).reshape(-1).astype(np.float32)


def crop_box(landmarks: np.ndarray, margin: float) -> tuple[int, int, int]:
    """Square box (x0, y0, side) around the landmarks with ``margin`` on each side."""
    xy = np.asarray(landmarks, dtype=np.float32)[:, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    centre = (lo + hi) / 2
    side = float(max(hi - lo)) * (1 + 2 * margin)
    side = max(side, 8.0)
    x0, y0 = centre - side / 2
    return int(round(x0)), int(round(y0)), int(round(side))


def crop_hand(
    image: np.ndarray, landmarks: np.ndarray, handedness: str, config: PreprocessConfig
) -> np.ndarray:
    """Square (S, S, 3) uint8 crop around the hand; outside the image, borders replicate."""
    import cv2

    x0, y0, side = crop_box(landmarks, config.crop_margin)
    h, w = image.shape[:2]
    pad_l, pad_t = max(0, -x0), max(0, -y0)
    pad_r, pad_b = max(0, x0 + side - w), max(0, y0 + side - h)
    region = image[max(0, y0) : min(h, y0 + side), max(0, x0) : min(w, x0 + side)]
    if region.size == 0:
        region = np.zeros((1, 1, 3), np.uint8)
        pad_l = pad_t = pad_r = pad_b = 0
    if pad_l or pad_t or pad_r or pad_b:
        region = cv2.copyMakeBorder(region, pad_t, pad_b, pad_l, pad_r, cv2.BORDER_REPLICATE)
    size = config.crop_size
    interp = cv2.INTER_AREA if region.shape[0] > size else cv2.INTER_LINEAR
    crop = cv2.resize(region, (size, size), interpolation=interp)
    if is_mirrored(handedness, config):
        crop = crop[:, ::-1]
    return np.ascontiguousarray(crop, dtype=np.uint8)


def hand_features(
    image: np.ndarray, hand: Hand, config: PreprocessConfig, with_crop: bool = True
) -> HandFeatures:
    """Everything a model may consume for ``hand`` in ``image``."""
    lms = normalize_landmarks(hand.landmarks, hand.handedness, config)
    crop = crop_hand(image, hand.landmarks, hand.handedness, config) if with_crop else None
    return HandFeatures(lms, crop)
