"""Reading the "not a sign" gate of bundles trained before issue 10: a Mahalanobis gate.

Such an ``openset.npz`` has no ``format`` entry: ``means`` (K, D), ``precision`` (D, D),
``threshold`` (), ``labels`` (K,) -- the labels with a mean. A hand's score is its squared
Mahalanobis distance to the nearest label mean under one shared, shrunk (Ledoit-Wolf)
covariance; the threshold was calibrated at training time so that 95% of the validation
people's signs passed. Nothing fits this gate any more (training fits
:mod:`handcam.model.shape_gate`); this module only lets older bundles keep their gate.
One calibrated on its own training hands (a personal recording with no other sitting or
person) hid other people's right readings (issue 10: 30 of 45), so it is not used.

Live, :meth:`MahalanobisGate.sign_score` turns one hand's distance into a sign-ness in
(0, 1) that the smoother averages over time (``handcam.signs.smoothing``): 0.5 at the app's
operating threshold, ``LIVE_MARGIN`` times the calibrated one. At 1.5x, 99.3% of unseen
people's signs passed (97.4% at 1x) while the false accepts of unknown shapes rose from
10% to 21%, nearly all of them shapes one thumb away from a sign.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.model.bundle import REPORT_FILE

SCORE_POWER = 4.0  # steepness of the sign-ness around the threshold
LIVE_MARGIN = 1.5  # the app's operating threshold over the calibrated one
OWN_HANDS = "augmented training hands"  # report.json's calibrated_on of an unusable gate


@dataclass(frozen=True, eq=False)
class MahalanobisGate:
    """An older bundle's gate, with the interface of :class:`.shape_gate.ShapeGate`."""

    means: np.ndarray  # (K, D) float64
    precision: np.ndarray  # (D, D) float64
    threshold: float
    labels: tuple[str, ...]

    active = True

    @cached_property
    def _whitening(self) -> tuple[np.ndarray, np.ndarray]:
        """(W, means @ W) with W W^T = precision: a distance is then a plain squared norm
        (a quadratic form on every mean took 6 ms per hand for 389 features and 20 means)."""
        try:
            w = np.linalg.cholesky(self.precision)
        except np.linalg.LinAlgError:  # not positive definite: clip the eigenvalues
            vals, vecs = np.linalg.eigh((self.precision + self.precision.T) / 2)
            w = vecs * np.sqrt(np.clip(vals, 0.0, None))
        return w, self.means @ w

    @cached_property
    def _whitening32(self) -> tuple[np.ndarray, np.ndarray]:
        w, mw = self._whitening
        return w.astype(np.float32), mw.astype(np.float32)

    @property
    def operating_threshold(self) -> float:
        """The distance at which the app's sign-ness is 0.5."""
        return self.threshold * LIVE_MARGIN

    def describe(self) -> str:
        return "not a sign: on (an older model's gate; retrain for one measured on people)"

    def distance(self, features: np.ndarray) -> np.ndarray:
        """(N,) squared Mahalanobis distance of (N, D) or (D,) features to the nearest mean."""
        w, mw = self._whitening
        xw = np.atleast_2d(np.asarray(features, np.float64)) @ w
        sq = (xw * xw).sum(1)[:, None] - 2 * xw @ mw.T + (mw * mw).sum(1)[None]
        return np.maximum(sq.min(axis=1), 0.0)

    def scores(self, features: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """(N,) the distance (as :class:`ShapeGate`'s scores; ``probs`` unused)."""
        return self.distance(features)

    def sign_scores(self, features: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """(N,) sign-ness in (0, 1]: 1 / (1 + (distance / operating threshold) ** 4), 0.5
        exactly at the operating threshold (``probs``: unused, as :class:`ShapeGate`)."""
        ratio = self.distance(features) / self.operating_threshold
        return 1.0 / (1.0 + ratio**SCORE_POWER)

    def sign_score(self, features: np.ndarray, probs: np.ndarray | None = None) -> float:
        """One hand's sign-ness (see :meth:`sign_scores`), in float32 for the live
        pipeline: 0.03 ms for 389 features and 20 means. ``einsum``, not ``@``: the BLAS
        matrix-vector product runs on two threads and, with the other core busy, waits
        for it (per frame, measured: mean +0.5 ms, p99 5-12 ms; einsum: +0.05, 0.9)."""
        w, mw = self._whitening32
        diff = np.einsum("d,de->e", np.asarray(features, np.float32).reshape(-1), w) - mw
        ratio = float(np.einsum("kd,kd->k", diff, diff).min()) / self.operating_threshold
        return 1.0 / (1.0 + ratio**SCORE_POWER)


def read_mahalanobis_gate(path: str | os.PathLike, feature_size: int) -> MahalanobisGate:
    """An older bundle's ``openset.npz``; BundleError when it is broken or does not fit a
    model of ``feature_size`` features."""
    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            gate = MahalanobisGate(
                np.asarray(z["means"], np.float64),
                np.asarray(z["precision"], np.float64),
                float(z["threshold"]),
                tuple(str(s) for s in z["labels"]),
            )
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise BundleError(f"{p}: unreadable open-set calibration ({exc})") from exc
    k, d = gate.means.shape if gate.means.ndim == 2 else (0, 0)
    if d != feature_size or gate.precision.shape != (d, d) or k != len(gate.labels):
        raise BundleError(
            f"{p}: open-set calibration does not fit the model's {feature_size} features"
        )
    if not np.isfinite(gate.threshold) or gate.threshold <= 0:
        raise BundleError(f"{p}: open-set threshold must be a positive number")
    return gate


def calibrated_on_own_hands(bundle: Path) -> bool:
    """True when the bundle's report says its gate was calibrated on its own training
    hands (such a gate is not used)."""
    try:
        report = json.loads((bundle / REPORT_FILE).read_text(encoding="utf-8"))
        return str(report["open_set"]["calibrated_on"]) == OWN_HANDS
    except (OSError, ValueError, KeyError, TypeError):
        return False
