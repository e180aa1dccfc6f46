"""Train/validation/test splits: by group (signer, session) when groups are known."""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger(__name__)


def split_indices(
    y: np.ndarray,
    groups: np.ndarray | None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices for train, validation and test. Groups never straddle two parts.

    Without groups, a stratified split by image. Small data: validation and test may
    come out empty; callers then validate on the training set and say so.
    """
    rng = np.random.default_rng(seed)
    n = len(y)
    if groups is not None and len(set(groups.tolist())) >= 3:
        uniq = np.array(sorted(set(groups.tolist())))
        rng.shuffle(uniq)
        n_test = int(round(len(uniq) * test_fraction))
        n_val = int(round(len(uniq) * val_fraction))
        test_g, val_g = set(uniq[:n_test]), set(uniq[n_test : n_test + n_val])
        part = np.array([2 if g in test_g else 1 if g in val_g else 0 for g in groups])
    else:
        part = np.zeros(n, int)
        for cls in np.unique(y):
            idx = np.flatnonzero(y == cls)
            rng.shuffle(idx)
            k = len(idx)
            n_test = int(k * test_fraction) if k >= 5 else 0
            n_val = int(k * val_fraction) if k >= 3 else 0
            n_val = max(n_val, 1) if k >= 3 else 0
            part[idx[:n_test]] = 2
            part[idx[n_test : n_test + n_val]] = 1
    return tuple(np.flatnonzero(part == i) for i in range(3))  # type: ignore[return-value]


def kfold_indices(
    y: np.ndarray, groups: np.ndarray | None, k: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """k (train, validation) folds; grouped when groups are known, else stratified."""
    rng = np.random.default_rng(seed)
    fold_of = np.zeros(len(y), int)
    if groups is not None and len(set(groups.tolist())) >= k:
        uniq = np.array(sorted(set(groups.tolist())))
        rng.shuffle(uniq)
        gfold = {g: i % k for i, g in enumerate(uniq)}
        fold_of = np.array([gfold[g] for g in groups])
    else:
        for cls in np.unique(y):
            idx = np.flatnonzero(y == cls)
            rng.shuffle(idx)
            fold_of[idx] = np.arange(len(idx)) % k
    return [(np.flatnonzero(fold_of != i), np.flatnonzero(fold_of == i)) for i in range(k)]


def class_weights(y: np.ndarray, num_classes: int) -> dict[int, float]:
    """Balanced weights: n / (classes * count), 1.0 for classes absent from y."""
    counts = np.bincount(y, minlength=num_classes)
    total = counts.sum()
    return {i: float(total / (num_classes * c)) if c else 1.0 for i, c in enumerate(counts)}
