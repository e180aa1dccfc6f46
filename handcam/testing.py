"""Fakes for every outside resource, for tests, tools and benchmarks (napari's
``napari.utils._testing`` in spirit): a frame source, a hand detector, a classifier, and a
writer of an older bundle's gate file. Installed with the app so that a plugin's or a
script's tests can use them, but nothing in handcam imports this module.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence

import numpy as np

from handcam.capture.sources import FrameSource
from handcam.errors import SourceError
from handcam.features.preprocess import HandFeatures
from handcam.hands.hand import Hand, HandDetector
from handcam.model.classifier import Classifier

__all__ = [
    "FakeClassifier",
    "FakeHandDetector",
    "FakeSource",
    "synthetic_hand",
    "write_mahalanobis_gate",
]


class FakeSource(FrameSource):
    """Frames from a list of arrays (tests, demos). ``loop`` repeats them forever."""

    def __init__(
        self,
        images: Sequence[np.ndarray],
        loop: bool = False,
        name: str = "fake",
        live: bool = False,
        fps: float | None = None,
        fail_after: int | None = None,
    ) -> None:
        super().__init__()
        if not images:
            raise SourceError("fake source: no images given")
        self.images = list(images)
        self.loop = loop
        self.name = name
        self.is_live = live
        self.fps = fps
        self.fail_after = fail_after
        self.closed = False

    def _read(self) -> tuple[np.ndarray | None, str | None]:
        if self.closed:
            raise SourceError(f"{self.name}: read after close")
        if self.fail_after is not None and self._index >= self.fail_after:
            raise SourceError(f"{self.name}: stopped delivering frames")
        if self.fps:
            time.sleep(1.0 / self.fps)
        if self._index >= len(self.images) and not self.loop:
            return None, None
        return self.images[self._index % len(self.images)], None

    def close(self) -> None:
        self.closed = True


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


class FakeClassifier(Classifier):
    """Probabilities from a function of the features (tests). Default: uniform-ish, class 0."""

    def __init__(
        self,
        labels: Sequence[str],
        fn: Callable[[HandFeatures], Sequence[float]] | None = None,
        needs_crop: bool = False,
    ) -> None:
        self.labels = tuple(labels)
        self.needs_crop = needs_crop
        n = len(self.labels)
        self.fn = fn or (lambda f: [0.9 if i == 0 else 0.1 / (n - 1) for i in range(n)])
        self.device = "fake"

    def predict(self, features: HandFeatures) -> np.ndarray:
        p = np.asarray(self.fn(features), dtype=np.float32)
        return p / p.sum()


def write_mahalanobis_gate(
    path: str | os.PathLike,
    means: np.ndarray,
    precision: np.ndarray,
    threshold: float,
    labels: Sequence[str],
) -> None:
    """Write an ``openset.npz`` as bundles trained before issue 10 carry it (read by
    :mod:`handcam.model.legacy_gate`)."""
    with open(path, "wb") as fh:
        np.savez(
            fh,
            means=np.asarray(means, np.float64),
            precision=np.asarray(precision, np.float64),
            threshold=np.float64(threshold),
            labels=np.array(list(labels), dtype=str),
        )
