"""Hand skeletons for pictures: the typical shape of each label and single hands, drawn
from landmarks alone (no photos). Used by training reports and the app's sign chart."""

from __future__ import annotations

import numpy as np

from handcam.model.trainset import HandSet


def canonical_xy(landmarks: np.ndarray, handedness, mirror_left: bool = True) -> np.ndarray:
    """(N, 21, 3) pixel landmarks -> (N, 21, 2): wrist at 0, unit size, y down, left hands
    mirrored so every hand reads as a right hand seen from the camera."""
    pts = np.asarray(landmarks, np.float32).reshape(-1, 21, 3)[:, :, :2]
    rel = pts - pts[:, :1]
    if mirror_left:
        left = np.char.lower(np.asarray(handedness, dtype=str).reshape(-1)) == "left"
        rel[left, :, 0] *= -1
    scale = np.max(np.linalg.norm(rel, axis=2), axis=1)
    return rel / np.maximum(scale, 1e-6)[:, None, None]


def typical_shapes(hands: HandSet, train_only: bool = True) -> dict[str, np.ndarray]:
    """label -> (21, 2) the sample closest to the label's median shape (a real hand, not
    an average that no hand makes)."""
    rows = hands.parts != "test" if train_only and (hands.parts == "test").any() else slice(None)
    hs = hands.subset(
        np.flatnonzero(rows) if not isinstance(rows, slice) else np.arange(len(hands))
    )
    xy = canonical_xy(hs.landmarks, hs.handedness)
    out = {}
    for label in dict.fromkeys(hs.labels.tolist()):
        pts = xy[hs.labels == label]
        median = np.median(pts, axis=0)
        out[label] = pts[np.argmin(((pts - median) ** 2).sum(axis=(1, 2)))]
    return out
