"""A person's own hand shapes, kept beside a model calibrated to them.

A calibration (``handcam-train REC --init MODEL``, adapting) keeps the feature vector of
every sample the person recorded (``personal.npz`` in the new bundle). At run time a hand
near one of them has that sign's probability multiplied by ``1 + alpha * exp(-d^2 / 2
sigma^2)`` (``d``: the feature distance to the nearest kept shape of the sign), and a hand
within ``sigma`` of a kept shape of the sign it is read as is never held back as "not a
sign"; a hand far from all of them is read as the model reads it. So the way this person
makes a sign wins over the way the model's people make it, where the two differ, without
retraining.

alpha 300 and sigma 1.3 (feature units of the "shape" set) were chosen on people held out
of the letters model's tune runs (P3, P5, P6 of ASL-HG, each from 2 webcam-like frames a
letter, each scored on their other frames and on another person's); see the README's
"Calibrate to your hand".
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.labels import validate_label
from handcam.system.files import write_bytes_atomic

PERSONAL_FILE = "personal.npz"
ALPHA = 300.0  # how strongly a near personal shape raises its sign
SIGMA = 1.3  # how near is near (feature distance)
MAX_PER_SIGN = 12  # the newest shapes of each sign are kept
FEATURES = "shape"  # the feature set ALPHA and SIGMA were chosen for: no other gets shapes


@dataclass(frozen=True, eq=False)
class PersonalShapes:
    """Feature vectors of one person's samples and their signs."""

    features: np.ndarray  # (N, D) float32
    labels: tuple[str, ...]  # (N,)
    alpha: float = ALPHA
    sigma: float = SIGMA

    def __post_init__(self) -> None:
        if self.features.ndim != 2 or len(self.features) != len(self.labels):
            raise ValueError("personal shapes: one label per feature row")

    def distances(self, features: np.ndarray) -> np.ndarray:
        """(N,) feature distance from a hand to each shape."""
        return np.linalg.norm(self.features - np.asarray(features, np.float32)[None], axis=1)

    def boost(self, distances: np.ndarray, rows: np.ndarray, n_labels: int) -> np.ndarray:
        """(n_labels,) factors for a hand's probabilities (1 where no shape is near), from
        its :meth:`distances`; ``rows``: each shape's label index (-1: a label the model
        lacks)."""
        factor = np.ones(n_labels, np.float32)
        mine = rows >= 0
        near = 1.0 + self.alpha * np.exp(-0.5 * (distances[mine] / self.sigma) ** 2)
        np.maximum.at(factor, rows[mine], near)
        return factor

    def rows_of(self, labels: Sequence[str]) -> np.ndarray:
        """Each shape's index in ``labels`` (-1 where it is not there)."""
        index = {label: i for i, label in enumerate(labels)}
        return np.array([index.get(label, -1) for label in self.labels], np.int64)

    def merged(self, newer: PersonalShapes) -> PersonalShapes:
        """These shapes and ``newer``'s, at most :data:`MAX_PER_SIGN` a sign (newest kept),
        each once (the same samples given again are not counted twice)."""
        feats = np.concatenate([self.features, newer.features]).astype(np.float32)
        labels = self.labels + newer.labels
        keep, seen, known = [], {}, set()
        for i in range(len(labels) - 1, -1, -1):
            key = (labels[i], feats[i].tobytes())
            if key in known:
                continue
            known.add(key)
            seen[labels[i]] = seen.get(labels[i], 0) + 1
            if seen[labels[i]] <= MAX_PER_SIGN:
                keep.append(i)
        keep.reverse()
        return PersonalShapes(feats[keep], tuple(labels[i] for i in keep), newer.alpha, newer.sigma)

    def missing(self, labels: Sequence[str]) -> list[str]:
        """The signs of ``labels`` without a shape: the shapes are kept only when none is,
        or a hand of such a sign would be drawn to the nearest sign that has one."""
        have = set(self.labels)
        return [label for label in labels if label not in have]


def save_personal(path: Path, shapes: PersonalShapes) -> None:
    """Write ``shapes`` to ``path`` (whole or not at all: a temporary file, then renamed)."""
    buf = io.BytesIO()
    np.savez(
        buf,
        features=shapes.features.astype(np.float32),
        labels=np.array(shapes.labels, dtype=str),
        alpha=np.float64(shapes.alpha),
        sigma=np.float64(shapes.sigma),
    )
    write_bytes_atomic(path, buf.getvalue(), overwrite=True)


def load_personal(path: Path, feature_size: int) -> PersonalShapes:
    """The shapes in ``path``; BundleError naming it when it is unreadable or of another
    model's feature size."""
    try:
        with np.load(path, allow_pickle=False) as z:
            feats = np.asarray(z["features"], np.float32)
            labels = tuple(validate_label(str(s)) for s in z["labels"])
            alpha, sigma = float(z["alpha"]), float(z["sigma"])
    except Exception as exc:  # numpy raises many types for a damaged file
        raise BundleError(f"{path}: unreadable personal shapes ({exc})") from exc
    if feats.ndim != 2 or len(feats) != len(labels):
        raise BundleError(f"{path}: {len(labels)} labels for {len(feats)} personal shapes")
    if feats.shape[1] != feature_size:
        raise BundleError(
            f"{path}: personal shapes of {feats.shape[1]} features, the model reads {feature_size}"
        )
    if not (alpha >= 0 and sigma > 0):
        raise BundleError(f"{path}: bad personal settings (alpha {alpha}, sigma {sigma})")
    return PersonalShapes(feats, labels, alpha, sigma)
