"""MediaPipe's hand models (palm detector and hand landmarker), run directly through
a TFLite interpreter, so that the app chooses where to look.

The ``.tflite`` files are MediaPipe's own (Apache-2.0), copied unchanged from the
mediapipe 0.10.21 wheel into ``handcam/hands/models/`` (see its README): the app needs
neither the mediapipe package nor the JAX it pulls in. Pre- and post-processing follow MediaPipe's
own graphs (palm_detection_cpu, hand_landmark_cpu, hand_landmark_landmarks_to_roi):
letterboxed 192 px input in [0, 1], SSD anchors, weighted non-max suppression, the
palm box turned into a rotated hand region (x2.6, shifted towards the fingers), a
224 px crop of that region for the landmarker, and the next frame's region from the
landmarks (x2.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PALM_SIZE = 192
LANDMARK_SIZE = 224
PARTIAL = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18]  # landmarks that bound the next region


MODELS_DIR = Path(__file__).resolve().parent / "models"


def model_file(kind: str, complexity: int) -> Path:
    """The palm ("palm_detection") or landmark ("hand_landmark") model file shipped in
    the package: "full" for complexity 1, "lite" for 0."""
    if kind not in ("palm_detection", "hand_landmark"):
        raise ValueError(f"kind must be palm_detection or hand_landmark, not {kind!r}")
    path = MODELS_DIR / f"{kind}_{'full' if complexity else 'lite'}.tflite"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing (handcam ships MediaPipe's hand models here)")
    return path


@dataclass(frozen=True)
class Region:
    """A square, possibly rotated image region: centre, side and rotation, in pixels.

    ``angle`` (radians) follows MediaPipe: positive turns the region clockwise on screen.
    """

    cx: float
    cy: float
    side: float
    angle: float = 0.0

    def crop(self, image: np.ndarray, size: int, replicate: bool) -> np.ndarray:
        """The region resampled to ``size`` x ``size`` (outside the image: zeros or edge)."""
        import cv2

        a = self.side / size
        c, s = math.cos(self.angle) * a, math.sin(self.angle) * a
        half = size / 2
        m = np.array(
            [[c, -s, self.cx - c * half + s * half], [s, c, self.cy - s * half - c * half]],
            np.float64,
        )
        border = cv2.BORDER_REPLICATE if replicate else cv2.BORDER_CONSTANT
        return cv2.warpAffine(
            image, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=border, borderValue=(0, 0, 0),
        )  # fmt: skip

    def to_image(self, uv: np.ndarray) -> np.ndarray:
        """Points in [0, 1] region coordinates (N, 2) -> image pixels (N, 2)."""
        c, s = math.cos(self.angle), math.sin(self.angle)
        x, y = (uv[:, 0] - 0.5) * self.side, (uv[:, 1] - 0.5) * self.side
        return np.stack([self.cx + c * x - s * y, self.cy + s * x + c * y], axis=1)

    def box(self) -> tuple[float, float, float, float]:
        h = self.side / 2
        return self.cx - h, self.cy - h, self.cx + h, self.cy + h


def whole_image(width: int, height: int) -> Region:
    """The letterbox square around a whole image (what MediaPipe's palm stage sees)."""
    return Region(width / 2, height / 2, float(max(width, height)))


def normalize_radians(angle: float) -> float:
    return angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))


def transform(
    cx: float, cy: float, w: float, h: float, angle: float, scale: float, shift_y: float
) -> Region:
    """MediaPipe's RectTransformation: shift along the region's y axis, square, scale."""
    cx -= h * shift_y * math.sin(angle)
    cy += h * shift_y * math.cos(angle)
    return Region(cx, cy, max(w, h) * scale, angle)


@dataclass(frozen=True)
class Palm:
    """A palm found by the detector, in image pixels."""

    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    keypoints: np.ndarray  # (7, 2)

    def hand_region(self) -> Region:
        """The landmarker's region for this palm (palm box x2.6, towards the fingers)."""
        (x0, y0), (x1, y1) = self.keypoints[0], self.keypoints[2]
        angle = normalize_radians(math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0))
        bx0, by0, bx1, by1 = self.box
        return transform((bx0 + bx1) / 2, (by0 + by1) / 2, bx1 - bx0, by1 - by0, angle, 2.6, -0.5)


def ssd_anchors() -> np.ndarray:
    """(2016, 2) anchor centres of the 192 px palm model (strides 8, 16, 16, 16)."""
    centres = []
    for stride, per_cell in ((8, 2), (16, 6)):
        n = PALM_SIZE // stride
        ys, xs = np.mgrid[0:n, 0:n]
        grid = np.stack([(xs + 0.5) / n, (ys + 0.5) / n], -1).reshape(-1, 2)
        centres.append(np.repeat(grid, per_cell, axis=0))
    return np.concatenate(centres).astype(np.float32)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, kps: np.ndarray, iou: float = 0.3):
    """MediaPipe's weighted non-max suppression: overlapping candidates are averaged."""
    order = np.argsort(-scores)
    out = []
    while order.size:
        top = order[0]
        b = boxes[order]
        ix0 = np.maximum(b[:, 0], boxes[top, 0])
        iy0 = np.maximum(b[:, 1], boxes[top, 1])
        ix1 = np.minimum(b[:, 2], boxes[top, 2])
        iy1 = np.minimum(b[:, 3], boxes[top, 3])
        inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
        area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
        union = area + area[0] - inter
        overlap = np.where(union > 0, inter / np.maximum(union, 1e-9), 0)
        group = order[overlap > iou]
        w = scores[group][:, None]
        out.append(
            (
                float(scores[top]),
                (boxes[group] * w).sum(0) / w.sum(),
                (kps[group] * w[:, :, None]).sum(0) / w.sum(),
            )
        )
        order = order[overlap <= iou]
    return out


class PalmModel:
    """Finds palms in a square region of an image."""

    def __init__(self, complexity: int = 1, min_score: float = 0.5) -> None:
        from handcam.system.litert import make_interpreter

        self._it = make_interpreter(model_file("palm_detection", complexity))
        self._in = self._it.get_input_details()[0]["index"]
        outs = sorted(self._it.get_output_details(), key=lambda d: int(d["shape"][-1]))
        self._scores, self._coords = outs[0]["index"], outs[1]["index"]
        self._anchors = ssd_anchors()
        self.min_score = min_score
        self.runs = 0

    def detect(self, image: np.ndarray, region: Region) -> list[Palm]:
        """Palms inside ``region`` (axis-aligned) of an RGB uint8 image, best first."""
        tensor = region.crop(image, PALM_SIZE, replicate=False).astype(np.float32) / 255.0
        self._it.set_tensor(self._in, tensor[None])
        self._it.invoke()
        self.runs += 1
        raw = np.clip(self._it.get_tensor(self._scores)[0, :, 0], -100, 100)
        keep = np.flatnonzero(raw > math.log(self.min_score / (1 - self.min_score)))
        if keep.size == 0:
            return []
        scores = 1 / (1 + np.exp(-raw[keep]))
        coords = self._it.get_tensor(self._coords)[0, keep] / PALM_SIZE
        centre = self._anchors[keep]
        cxy = coords[:, :2] + centre
        wh = coords[:, 2:4]
        boxes = np.concatenate([cxy - wh / 2, cxy + wh / 2], axis=1)
        kps = coords[:, 4:].reshape(-1, 7, 2) + centre[:, None, :]
        palms = []
        for score, box, kp in weighted_nms(boxes, scores, kps):
            corners = region.to_image(box.reshape(2, 2))
            palms.append(Palm(score, tuple(corners.reshape(-1).tolist()), region.to_image(kp)))
        return palms


@dataclass(frozen=True)
class LandmarkResult:
    landmarks: np.ndarray  # (21, 3) image pixels; z in the same scale as x
    world: np.ndarray  # (21, 3) metres
    presence: float
    handedness: str  # as MediaPipe reports it (it assumes a mirrored, selfie image)
    handedness_score: float


class LandmarkModel:
    """21 landmarks of the hand in a region."""

    def __init__(self, complexity: int = 1) -> None:
        from handcam.system.litert import make_interpreter

        self._it = make_interpreter(model_file("hand_landmark", complexity))
        self._in = self._it.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in self._it.get_output_details()}
        names = sorted(outs, key=lambda n: (len(n), n))  # Identity, Identity_1, _2, _3
        self._lms, self._flag, self._hand, self._world = (outs[n] for n in names)
        self.runs = 0

    def run(self, image: np.ndarray, region: Region) -> LandmarkResult:
        tensor = region.crop(image, LANDMARK_SIZE, replicate=True).astype(np.float32) / 255.0
        self._it.set_tensor(self._in, tensor[None])
        self._it.invoke()
        self.runs += 1
        raw = self._it.get_tensor(self._lms)[0].reshape(21, 3) / LANDMARK_SIZE
        xy = region.to_image(raw[:, :2])
        z = raw[:, 2:] / 0.4 * region.side  # MediaPipe's normalize_z, then as x
        world = self._it.get_tensor(self._world)[0].reshape(21, 3).copy()
        c, s = math.cos(region.angle), math.sin(region.angle)
        world[:, :2] = world[:, :2] @ np.array([[c, s], [-s, c]], np.float32)
        left = float(self._it.get_tensor(self._hand).reshape(-1)[0])
        return LandmarkResult(
            np.concatenate([xy, z], axis=1).astype(np.float32),
            world,
            float(self._it.get_tensor(self._flag).reshape(-1)[0]),
            "Left" if left > 0.5 else "Right",
            max(left, 1 - left),
        )


def region_from_landmarks(landmarks: np.ndarray) -> Region:
    """The next frame's region for a hand (MediaPipe: partial landmarks, x2.0, shift -0.1)."""
    pts = landmarks[PARTIAL, :2].astype(np.float64)
    x0, y0 = pts[0]
    x1, y1 = (pts[4] + pts[8]) / 2
    x1, y1 = (x1 + pts[6][0]) / 2, (y1 + pts[6][1]) / 2
    angle = normalize_radians(math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0))
    centre = (pts.min(0) + pts.max(0)) / 2
    c, s = math.cos(-angle), math.sin(-angle)
    rel = pts - centre
    rot = np.stack([rel[:, 0] * c - rel[:, 1] * s, rel[:, 0] * s + rel[:, 1] * c], 1)
    lo, hi = rot.min(0), rot.max(0)
    mid = (lo + hi) / 2
    c2, s2 = math.cos(angle), math.sin(angle)
    cx = mid[0] * c2 - mid[1] * s2 + centre[0]
    cy = mid[0] * s2 + mid[1] * c2 + centre[1]
    w, h = hi - lo
    return transform(cx, cy, w, h, angle, 2.0, -0.1)
