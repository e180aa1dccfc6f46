"""Hand detection behind one interface: MediaPipe (offline, pinned wheel) and a fake.

Landmarks come back in pixel coordinates of the image given, with z in the same
pixel scale as x (MediaPipe's z is relative to image width).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)

NUM_LANDMARKS = 21
# Finger chains, for drawing: wrist -> fingertip for each finger, plus the palm.
HAND_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4),
    (0, 5), (5, 6), (6, 7), (7, 8),
    (5, 9), (9, 10), (10, 11), (11, 12),
    (9, 13), (13, 14), (14, 15), (15, 16),
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Hand:
    """One detected hand.

    ``landmarks``: (21, 3) pixels (x, y, z). ``world_landmarks``: (21, 3) metres, or
    None. ``box``: (x0, y0, x1, y1) pixels around the landmarks. ``handedness``:
    "Left" or "Right" as MediaPipe reports it; ``score``: its confidence.
    ``track_id``: the same number for the same physical hand across video frames
    (None from still-image detection).
    """

    landmarks: np.ndarray = field(repr=False)
    handedness: str
    score: float
    world_landmarks: np.ndarray | None = field(default=None, repr=False)
    track_id: int | None = None

    @property
    def box(self) -> tuple[float, float, float, float]:
        xy = self.landmarks[:, :2]
        x0, y0 = xy.min(axis=0)
        x1, y1 = xy.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def to_dict(self) -> dict:
        return {
            "landmarks": np.round(self.landmarks, 3).tolist(),
            "world_landmarks": None
            if self.world_landmarks is None
            else np.round(self.world_landmarks, 5).tolist(),
            "handedness": self.handedness,
            "score": round(float(self.score), 4),
            "box": [round(v, 1) for v in self.box],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Hand:
        world = data.get("world_landmarks")
        return cls(
            landmarks=np.asarray(data["landmarks"], dtype=np.float32).reshape(NUM_LANDMARKS, 3),
            handedness=str(data["handedness"]),
            score=float(data.get("score", 1.0)),
            world_landmarks=None
            if world is None
            else np.asarray(world, dtype=np.float32).reshape(NUM_LANDMARKS, 3),
        )


class HandDetector:
    """Interface: ``detect(rgb) -> list[Hand]`` (best first)."""

    def detect(self, image: np.ndarray) -> list[Hand]:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget what was tracked (a new source)."""

    def close(self) -> None:
        """Free native resources."""

    def __enter__(self) -> HandDetector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def distinct(hands: list[Hand], overlap: float = 0.3) -> list[Hand]:
    """The hands in order, without any that overlaps one before it (the same hand twice)."""
    kept: list[Hand] = []
    for hand in hands:
        if all(box_iou(hand.box, other.box) < overlap for other in kept):
            kept.append(hand)
    return kept


def box_within(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The fraction of box ``a``'s area that lies inside box ``b`` (x0, y0, x1, y1)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    area = (a[2] - a[0]) * (a[3] - a[1])
    return ix * iy / area if area > 0 else 0.0


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0
