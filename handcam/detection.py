"""Hand detection behind one interface: MediaPipe (offline, pinned wheel) and a fake.

Landmarks come back in pixel coordinates of the image given, with z in the same
pixel scale as x (MediaPipe's z is relative to image width).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
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


class MediaPipeHandDetector(HandDetector):
    """MediaPipe Hands (legacy solution API; its models ship inside the pinned wheel).

    ``mode="video"`` tracks between frames (fast, for cameras and videos);
    ``mode="image"`` treats every image on its own and first pads it by
    ``still_padding`` of its size on each side with replicated borders, which lifts
    detection on tight crops from ~86% to ~100%; then half that padding; then none; then,
    for big images, overlapping tiles (a small hand in a big photo).
    """

    def __init__(
        self,
        mode: str = "video",
        max_hands: int = 1,
        complexity: int = 1,
        min_confidence: float = 0.5,
        still_padding: float = 0.5,
    ) -> None:
        if mode not in ("video", "image"):
            raise ValueError(f"mode must be 'video' or 'image', not {mode!r}")
        from handcam.quiet import configure_native_logging, native_quiet

        configure_native_logging()
        self.mode = mode
        self.max_hands = max_hands
        self.still_padding = still_padding
        with native_quiet():
            import mediapipe as mp  # lazy: costs seconds

            self._hands = mp.solutions.hands.Hands(
                static_image_mode=(mode == "image"),
                max_num_hands=max_hands,
                model_complexity=complexity,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            self._hands.process(np.zeros((64, 64, 3), np.uint8))  # starts the graph
        self._seen_hand = False  # the landmark stage logs natively on its first hand

    def detect(self, image: np.ndarray) -> list[Hand]:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
        if self.mode == "video":
            return self._run(np.ascontiguousarray(image), scale=1.0, offset=(0.0, 0.0))
        # Tight crops need padding; a busy background tolerates less of it; a small hand
        # in a big photo none. Later attempts run only when earlier ones find nothing
        # (measured on backgrounds swapped into the digits photos: 89% -> 92% found).
        # When fewer hands than wanted were found padded, the image as it is is also read
        # (one more run) for another hand.
        found: list[Hand] = []
        for padding in (self.still_padding, self.still_padding / 2):
            padded, scale, offset = pad_for_still(image, padding)
            found = self._run(padded, scale, offset)
            if found:
                break
        if not found or len(found) < self.max_hands:
            found = distinct(found + self._run(np.ascontiguousarray(image), 1.0, (0.0, 0.0)))
        if found or min(image.shape[:2]) < 256:
            return found[: self.max_hands]
        # Last resort, for a small hand in a big photo: the palm detector sees the whole
        # image at 192 px, so look at overlapping tiles (small hands: 0-32% -> 92-98%).
        for x, y, side in still_tiles(image.shape[1], image.shape[0]):
            tile = np.ascontiguousarray(image[y : y + side, x : x + side])
            found += self._run(tile, 1.0, (-float(x), -float(y)))
        return distinct(sorted(found, key=lambda hand: -hand.score))[: self.max_hands]

    def _run(self, image: np.ndarray, scale: float, offset: tuple[float, float]) -> list[Hand]:
        if self._seen_hand:
            result = self._hands.process(image)
        else:
            from handcam.quiet import native_quiet

            with native_quiet():
                result = self._hands.process(image)
            self._seen_hand = bool(result.multi_hand_landmarks)
        if not result.multi_hand_landmarks:
            return []
        h, w = image.shape[:2]
        hands = []
        worlds = result.multi_hand_world_landmarks or [None] * len(result.multi_hand_landmarks)
        for lms, world, handed in zip(
            result.multi_hand_landmarks, worlds, result.multi_handedness, strict=False
        ):
            pts = np.array([(p.x * w, p.y * h, p.z * w) for p in lms.landmark], np.float32)
            pts[:, :2] -= offset
            pts /= scale
            world_pts = (
                None
                if world is None
                else np.array([(p.x, p.y, p.z) for p in world.landmark], np.float32)
            )
            cls = handed.classification[0]
            hands.append(Hand(pts, cls.label, float(cls.score), world_pts))
        hands.sort(key=lambda hand: -hand.score)
        return hands

    def close(self) -> None:
        self._hands.close()


def distinct(hands: list[Hand], overlap: float = 0.3) -> list[Hand]:
    """The hands in order, without any that overlaps one before it (the same hand twice)."""
    kept: list[Hand] = []
    for hand in hands:
        if all(box_iou(hand.box, other.box) < overlap for other in kept):
            kept.append(hand)
    return kept


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def still_tiles(
    width: int, height: int, rows: int = 3, cols: int = 5, frac: float = 0.65
) -> list[tuple[int, int, int]]:
    """Overlapping square tiles (x, y, side) covering an image, for small hands."""
    side = int(min(width, height) * frac)
    xs = np.linspace(0, width - side, cols).astype(int)
    ys = np.linspace(0, height - side, rows).astype(int)
    return sorted({(int(x), int(y), side) for y in ys for x in xs})


def pad_for_still(
    image: np.ndarray, padding: float, min_side: int = 256, max_side: int = 640
) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Pad an image on each side by ``padding`` of its size (replicated border) and rescale.

    Returns the new image, the scale applied after padding, and the padding offset in
    the *scaled* image, so that ``original = (padded - offset) / scale``.
    """
    import cv2

    h, w = image.shape[:2]
    py, px = int(round(h * padding)), int(round(w * padding))
    padded = cv2.copyMakeBorder(image, py, py, px, px, cv2.BORDER_REPLICATE)
    long_side = max(padded.shape[:2])
    target = min(max(long_side, min_side), max_side)
    scale = target / long_side
    if scale != 1.0:
        size = (int(round(padded.shape[1] * scale)), int(round(padded.shape[0] * scale)))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        padded = cv2.resize(padded, size, interpolation=interp)
    return np.ascontiguousarray(padded), scale, (px * scale, py * scale)


class FakeHandDetector(HandDetector):
    """Returns hands from a function of the image (tests). Default: one fixed hand."""

    def __init__(self, fn: Callable[[np.ndarray], Sequence[Hand]] | None = None) -> None:
        self.fn = fn or (lambda image: [synthetic_hand(image.shape[1], image.shape[0])])
        self.calls = 0

    def detect(self, image: np.ndarray) -> list[Hand]:
        self.calls += 1
        return list(self.fn(image))


def synthetic_hand(width: int = 640, height: int = 480, spread: float = 1.0) -> Hand:
    """A plausible open right hand centred in the image (tests and demos)."""
    cx, cy, s = width / 2, height * 0.65, min(width, height) / 5
    pts = [(0.0, 0.0)]
    for finger, angle in enumerate(np.radians([-60, -25, 0, 25, 50])):
        length = 1.6 if finger else 1.2
        for joint in range(1, 5):
            r = length * joint / 4 + 0.4
            a = angle * spread
            pts.append((np.sin(a) * r, -np.cos(a) * r))
    arr = np.array([(cx + x * s, cy + y * s, 0.0) for x, y in pts], np.float32)
    return Hand(arr, "Right", 0.99)
