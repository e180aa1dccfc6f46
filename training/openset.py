"""Fitting and calibrating the "not a sign" gate (see :mod:`handcam.model.gate`)."""

from __future__ import annotations

import numpy as np

from handcam.model.gate import OpenSetGate

# Share of real signs that pass the gate, per frame (the live smoothing bridges a rejected
# frame): measured on the digits, 95% of unseen people's signs pass while 0-1.4% of
# unknown shapes do (`python -m benchmarks.retrain openset`).
VALIDATION_PASS = 0.95
AUGMENTED_PASS = 0.98  # without held-out people: augmented training hands, looser


def fit_gate(
    x_train: np.ndarray,
    y_train: np.ndarray,
    labels: list[str],
    x_calib: np.ndarray,
    pass_rate: float = VALIDATION_PASS,
    modes: int = 1,
) -> OpenSetGate:
    """Means per label and a shared Ledoit-Wolf covariance from the training features;
    the threshold lets ``pass_rate`` of ``x_calib`` (real signs: validation people and
    augmented training hands) through. ``modes`` > 1: ``x_train`` is that many stacked
    copies (e.g. the hands and their mirror images), each with its own mean per label."""
    from sklearn.covariance import LedoitWolf

    present = [c for c in range(len(labels)) if np.any(y_train == c)]
    blocks = np.array_split(np.arange(len(y_train)), modes)
    means, resid, names = [], [], []
    for rows in blocks:
        x, y = x_train[rows], y_train[rows]
        for c in present:
            mean = x[y == c].mean(axis=0)
            means.append(mean)
            resid.append(x[y == c] - mean)
            names.append(labels[c])
    precision = LedoitWolf().fit(np.concatenate(resid)).precision_
    means = np.stack(means).astype(np.float64)
    gate = OpenSetGate(means, precision, 1.0, tuple(names))
    threshold = float(np.quantile(gate.distance(x_calib), pass_rate))
    return OpenSetGate(means, precision, max(threshold, 1e-6), gate.labels)


def auroc(known_scores: np.ndarray, unknown_scores: np.ndarray) -> float:
    """Area under the ROC curve for telling unknown (higher distance) from known."""
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.zeros(len(known_scores)), np.ones(len(unknown_scores))]
    return float(roc_auc_score(y, np.r_[known_scores, unknown_scores]))
