"""The one implementation of preprocessing, shared by training and the live app.

A model consumes some of: ``landmarks`` (a feature vector computed from the hand's
landmarks by the bundle's feature set, see :data:`FEATURE_SETS`; left hands mirrored to
right) and ``crop`` (a square RGB uint8 crop around the hand, left hands mirrored).
Pixel scaling happens inside the model, never here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from handcam.features.shape import SHAPE_FEATURES, shape_features
from handcam.hands.hand import NUM_LANDMARKS, Hand

LANDMARK_FEATURES = NUM_LANDMARKS * 3  # the "coords" feature set


@dataclass(frozen=True)
class PreprocessConfig:
    """Settings a model was trained with; saved in its bundle and reused by the app."""

    crop_size: int = 96
    crop_margin: float = 0.25  # of the landmark box's longer side, on each side
    mirror_left: bool = True
    detector_complexity: int = 1
    still_padding: float = 0.5
    features: str = "coords"  # a name in FEATURE_SETS

    def __post_init__(self) -> None:
        checks = (
            ("crop_size", int, 8, 1024),
            ("crop_margin", (int, float), 0.0, 2.0),
            ("detector_complexity", int, 0, 1),
            ("still_padding", (int, float), 0.0, 2.0),
        )
        for name, kind, lo, hi in checks:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, kind) or not lo <= value <= hi:
                raise ValueError(f"{name} must be a number from {lo} to {hi}, not {value!r}")
        if not isinstance(self.mirror_left, bool):
            raise ValueError(f"mirror_left must be true or false, not {self.mirror_left!r}")
        if not isinstance(self.features, str):
            raise ValueError(f"features must be a name, not {self.features!r}")
        feature_size(self.features)  # ValueError naming the known sets

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

    landmarks: np.ndarray  # (D,) float32, the bundle's feature set
    crop: np.ndarray | None  # (S, S, 3) uint8, or None when not computed


def is_mirrored(handedness: str, config: PreprocessConfig) -> bool:
    return config.mirror_left and handedness.lower() == "left"


def mirror_mask(handedness: Sequence[str] | np.ndarray, config: PreprocessConfig) -> np.ndarray:
    """(N,) bool: the hands that are mirrored to right hands before features."""
    if not config.mirror_left:
        return np.zeros(len(handedness), bool)
    return np.char.lower(np.asarray(handedness, dtype=str)) == "left"


def _coords(landmarks: np.ndarray, world: np.ndarray | None, mirror: np.ndarray) -> np.ndarray:
    """(N, 63): wrist at the origin, unit size (largest 2-D distance from the wrist)."""
    rel = landmarks - landmarks[:, :1]
    rel[mirror, :, 0] *= -1
    scale = np.max(np.linalg.norm(rel[:, :, :2], axis=2), axis=1)
    return (rel / np.maximum(scale, 1e-6)[:, None, None]).reshape(len(rel), -1)


FeatureFn = Callable[[np.ndarray, "np.ndarray | None", np.ndarray], np.ndarray]
# name -> (vector size, function of (N,21,3) landmarks, (N,21,3) world or None, mirror mask)
FEATURE_SETS: dict[str, tuple[int, FeatureFn]] = {
    "coords": (LANDMARK_FEATURES, _coords),
    "shape": (SHAPE_FEATURES, shape_features),
}


def feature_size(name: str) -> int:
    if name not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {name!r}; known: {sorted(FEATURE_SETS)}")
    return FEATURE_SETS[name][0]


def landmark_features(
    landmarks: np.ndarray,
    world: np.ndarray | None,
    handedness: Sequence[str] | np.ndarray,
    config: PreprocessConfig,
) -> np.ndarray:
    """(N, 21, 3) pixel landmarks (+ world landmarks) -> (N, D) float32 feature vectors.

    The one feature implementation: training calls it on whole sets, the app on one hand.
    """
    feature_size(config.features)  # a clear error for an unknown name
    pts = np.asarray(landmarks, dtype=np.float32).reshape(-1, NUM_LANDMARKS, 3)
    w = None if world is None else np.asarray(world, np.float32).reshape(-1, NUM_LANDMARKS, 3)
    fn = FEATURE_SETS[config.features][1]
    return fn(pts.copy(), None if w is None else w.copy(), mirror_mask(handedness, config)).astype(
        np.float32
    )


def is_degenerate(landmarks: np.ndarray) -> np.ndarray:
    """(N,) bool: hands whose landmarks all sit at (nearly) one point."""
    pts = np.asarray(landmarks, dtype=np.float32).reshape(-1, NUM_LANDMARKS, 3)
    return np.ptp(pts[:, :, :2], axis=1).max(axis=1) < 1e-6


def normalize_landmarks(
    landmarks: np.ndarray, handedness: str, config: PreprocessConfig, world=None
) -> np.ndarray:
    """One hand's (21, 3) pixel landmarks -> its (D,) feature vector (ValueError if degenerate)."""
    if is_degenerate(landmarks)[0]:
        raise ValueError("degenerate hand: all landmarks at one point")
    w = None if world is None else np.asarray(world)[None]
    return landmark_features(np.asarray(landmarks)[None], w, [handedness], config)[0]


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
    lms = normalize_landmarks(hand.landmarks, hand.handedness, config, hand.world_landmarks)
    crop = crop_hand(image, hand.landmarks, hand.handedness, config) if with_crop else None
    return HandFeatures(lms, crop)
