"""Still-image hand detection: every image on its own, searched in steps.

Tight crops (such as the digits photos) need padding before the palm detector sees a
hand: ~86% are found as they are, ~100% padded by 50% of their size with replicated
borders and rescaled to 256-640 px. So a still is searched padded by ``still_padding``,
then by half that, then as it is, and for a big photo in overlapping tiles (a small hand
in a big photo); each step only when the ones before found nothing, plus the image as it
is when fewer hands than wanted were found.

Two backends share that search: :class:`LiteRTStillDetector` (the default: MediaPipe's
palm and landmark models run by handcam through LiteRT, as the video tracker runs them;
no TensorFlow or MediaPipe import) and :class:`MediaPipeHandDetector` (MediaPipe's legacy
solution API, kept for comparison: importing it loads TensorFlow).
"""

from __future__ import annotations

import logging

import numpy as np

from handcam.errors import HandcamError
from handcam.hands.hand import Hand, HandDetector, distinct

log = logging.getLogger(__name__)


class StillCascade(HandDetector):
    """The search of a still in steps (see the module); subclasses find hands in one
    image with ``_run(image, scale, offset)``: hands in the original image's pixels, where
    ``original = (image - offset) / scale``."""

    max_hands: int = 1
    still_padding: float = 0.5

    def detect(self, image: np.ndarray) -> list[Hand]:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
        if getattr(self, "mode", "image") == "video":
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
        raise NotImplementedError


class LiteRTStillDetector(StillCascade):
    """MediaPipe's static-image graph, run by handcam through LiteRT: the palm detector on
    the whole (letterboxed) image, then the landmarker on each palm's hand region; a hand
    counts at MediaPipe's thresholds (palm score and landmark presence 0.5). The same model
    files and the same pre- and post-processing as the video tracker."""

    def __init__(
        self,
        max_hands: int = 1,
        complexity: int = 1,
        min_confidence: float = 0.5,
        still_padding: float = 0.5,
    ) -> None:
        from handcam.hands.mediapipe_models import LandmarkModel, PalmModel

        self.max_hands = max_hands
        self.still_padding = still_padding
        self.min_presence = min_confidence
        self.palms = PalmModel(complexity, min_score=min_confidence)
        self.landmarks = LandmarkModel(complexity)

    def _run(self, image: np.ndarray, scale: float, offset: tuple[float, float]) -> list[Hand]:
        from handcam.hands.mediapipe_models import whole_image

        h, w = image.shape[:2]
        hands = []
        for palm in self.palms.detect(image, whole_image(w, h))[: self.max_hands]:
            res = self.landmarks.run(image, palm.hand_region())
            if res.presence < self.min_presence:
                continue
            pts = res.landmarks.copy()
            pts[:, :2] -= offset
            pts /= scale
            hands.append(Hand(pts, res.handedness, res.handedness_score, res.world))
        hands.sort(key=lambda hand: -hand.score)
        return distinct(hands)


class MediaPipeHandDetector(StillCascade):
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
        from handcam.system.native_logs import configure_native_logging, native_quiet

        configure_native_logging()
        self.mode = mode
        self.max_hands = max_hands
        self.still_padding = still_padding
        mp = import_mediapipe("MediaPipeHandDetector")
        with native_quiet():
            self._hands = mp.solutions.hands.Hands(
                static_image_mode=(mode == "image"),
                max_num_hands=max_hands,
                model_complexity=complexity,
                min_detection_confidence=min_confidence,
                min_tracking_confidence=min_confidence,
            )
            self._hands.process(np.zeros((64, 64, 3), np.uint8))  # starts the graph
        self._seen_hand = False  # the landmark stage logs natively on its first hand

    def _run(self, image: np.ndarray, scale: float, offset: tuple[float, float]) -> list[Hand]:
        if self._seen_hand:
            result = self._hands.process(image)
        else:
            from handcam.system.native_logs import native_quiet

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


MEDIAPIPE_EXTRA = "pip install 'handcam[mediapipe]'"


def import_mediapipe(what: str):
    """The mediapipe package (an extra: the app runs MediaPipe's models itself), or a
    HandcamError that says how to install it. Importing it costs seconds (TensorFlow)."""
    from handcam.system.native_logs import native_quiet

    try:
        with native_quiet():
            import mediapipe
    except ImportError as exc:
        raise HandcamError(
            f"{what} needs MediaPipe's Python package, which the app does not install: "
            f"{MEDIAPIPE_EXTRA} (or pip install -e '.[mediapipe]' in a checkout)"
        ) from exc
    return mediapipe


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
