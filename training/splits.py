"""Train/validation/test splits that never starve a label.

Every label is in training; validation and test are stratified by label. Groups
(signers, recording sessions) are honoured for every label that has enough of them to
appear in every part; the other labels are split by sample, and the plan says which and
why. Rows that already belong to a part (a bundle's carried training set) keep it, so
the people a model was tested on stay unseen after a retrain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import (
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
)

log = logging.getLogger(__name__)
PART_NAMES = ("train", "validation", "test")


@dataclass(frozen=True)
class SplitPlan:
    """Indices of each part and the policy that produced them, in words."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    policy: str  # "grouped" | "by sample" | "mixed" | "carried"
    grouped_labels: tuple[str, ...] = ()
    by_sample_labels: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def parts(self, n: int) -> np.ndarray:
        """(n,) part name of each row."""
        out = np.full(n, "train", dtype=object)
        out[self.validation] = "validation"
        out[self.test] = "test"
        return out.astype(str)

    def missing(self, y: np.ndarray, num_classes: int) -> dict[str, list[int]]:
        """Class indices absent from each part."""
        return {
            name: sorted(set(range(num_classes)) - set(y[idx].tolist()))
            for name, idx in zip(PART_NAMES, (self.train, self.validation, self.test), strict=True)
        }


def plan_split(
    y: np.ndarray,
    groups: np.ndarray,
    labels: list[str],
    fixed: np.ndarray | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    seed: int = 0,
) -> SplitPlan:
    """Split rows ``y`` (class indices); ``groups`` holds "" where unknown; ``fixed`` holds
    a part name for rows that keep theirs ("" for rows to assign)."""
    n = len(y)
    part = np.full(n, "", dtype=object)
    if fixed is not None:
        keep = np.isin(fixed, PART_NAMES)
        part[keep] = fixed[keep]
    free = np.flatnonzero(part == "")
    needed = 1 + (val_fraction > 0) + (test_fraction > 0)
    grouped_cls, sample_cls = [], []
    for c in np.unique(y[free]):
        rows = free[y[free] == c]
        n_groups = len({g for g in groups[rows].tolist() if g})
        has_all = all(groups[rows] != "")
        (grouped_cls if has_all and n_groups >= needed else sample_cls).append(int(c))
    # Grouped labels whose groups fail to reach every part are split by sample instead.
    for _ in range(len(grouped_cls) + 1):
        rows = free[np.isin(y[free], grouped_cls)]
        assigned = _grouped(y[rows], groups[rows], val_fraction, test_fraction, seed)
        short = [c for c in grouped_cls if not _covers(assigned[y[rows] == c], needed)]
        if not short:
            break
        grouped_cls = [c for c in grouped_cls if c not in short]
        sample_cls += short
    rows = free[np.isin(y[free], grouped_cls)]
    if len(rows):
        part[rows] = _grouped(y[rows], groups[rows], val_fraction, test_fraction, seed)
    rows = free[np.isin(y[free], sample_cls)]
    if len(rows):
        part[rows] = _by_sample(y[rows], val_fraction, test_fraction, seed)
    names = lambda cs: tuple(labels[c] for c in sorted(cs))  # noqa: E731
    policy, notes = _describe(names(grouped_cls), names(sample_cls), len(free) < n, y, groups)
    return SplitPlan(
        train=np.flatnonzero(part == "train"),
        validation=np.flatnonzero(part == "validation"),
        test=np.flatnonzero(part == "test"),
        policy=policy,
        grouped_labels=names(grouped_cls),
        by_sample_labels=names(sample_cls),
        notes=tuple(notes),
    )


def _covers(parts: np.ndarray, needed: int) -> bool:
    return len(set(parts.tolist())) >= needed


def _grouped(y: np.ndarray, groups: np.ndarray, val: float, test: float, seed: int) -> np.ndarray:
    """Part of each row, whole groups per part. Labels linked by shared groups (signers who
    made every sign) are split together; a label recorded in sessions of its own is split
    on its own, so each of its sessions can go to a different part."""
    part = np.full(len(y), "train", dtype=object)
    for rows in _components(y, groups):
        rest = rows
        for name, frac, of in (("test", test, 1.0), ("validation", val, 1.0 - test)):
            if frac <= 0 or len(rest) == 0:
                continue
            idx = _pick_group_fold(y[rest], groups[rest], frac / of, seed)
            part[rest[idx]] = name
            rest = np.delete(rest, idx)
    return part


def _components(y: np.ndarray, groups: np.ndarray) -> list[np.ndarray]:
    """Row sets of the connected components of the label-group graph."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if len(y) == 0:
        return []
    _, gi = np.unique(groups, return_inverse=True)
    _, li = np.unique(y, return_inverse=True)
    n_l = li.max() + 1
    # nodes: labels 0..n_l-1, then groups; an edge for every row
    graph = coo_matrix((np.ones(len(y)), (li, n_l + gi)), shape=(n_l + gi.max() + 1,) * 2)
    _, comp = connected_components(graph, directed=False)
    row_comp = comp[li]
    return [np.flatnonzero(row_comp == c) for c in np.unique(row_comp)]


def _pick_group_fold(y: np.ndarray, groups: np.ndarray, frac: float, seed: int) -> np.ndarray:
    k = int(min(max(2, round(1 / max(frac, 1e-6))), len(set(groups.tolist()))))
    if k < 2:
        return np.array([], int)
    folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    best, best_key = np.array([], int), None
    for _, held in folds.split(np.zeros(len(y)), y, groups):
        # most labels covered first, then the size closest to the wanted fraction
        key = (-len(set(y[held].tolist())), abs(len(held) - frac * len(y)))
        if best_key is None or key < best_key:
            best, best_key = held, key
    return best


def _by_sample(y: np.ndarray, val: float, test: float, seed: int) -> np.ndarray:
    """Part of each row, stratified by label; a label with under 3 samples stays in train."""
    part = np.full(len(y), "train", dtype=object)
    counts = np.bincount(y)
    ok = np.flatnonzero(counts[y] >= 3)
    rest = ok
    for name, frac, of in (("test", test, 1.0), ("validation", val, 1.0 - test)):
        if frac <= 0 or len(rest) == 0:
            continue
        n_classes = len(np.unique(y[rest]))
        size = max(n_classes, int(round(frac / of * len(rest))))
        if size >= len(rest):
            continue
        sss = StratifiedShuffleSplit(n_splits=1, test_size=size, random_state=seed)
        try:
            keep, held = next(sss.split(np.zeros(len(rest)), y[rest]))
        except ValueError:  # a label with too few rows left: one of each, chosen at random
            rng = np.random.default_rng(seed)
            held = np.array([rng.choice(np.flatnonzero(y[rest] == c)) for c in np.unique(y[rest])])
        part[rest[held]] = name
        rest = np.delete(rest, held)
    return part


def _describe(grouped, by_sample, carried: bool, y, groups) -> tuple[str, list[str]]:
    notes = []
    if carried:
        notes.append(
            "samples carried from the base model keep the parts of its own training, so "
            "the people it was tested on stay unseen"
        )
    if grouped and by_sample:
        policy = "mixed"
    elif by_sample:
        policy = "by sample"
    elif grouped:
        policy = "grouped"
    else:
        policy = "carried"
    if grouped:
        notes.append(
            f"split by group (signer or recording session) for {len(grouped)} label(s): "
            "their validation and test figures are for people or sittings never trained on"
        )
    if by_sample:
        shown = ", ".join(by_sample[:12]) + (" ..." if len(by_sample) > 12 else "")
        notes.append(
            f"split by sample for {len(by_sample)} label(s) ({shown}): each was recorded in "
            "fewer than 3 sessions (or without session ids), so its held-out samples come "
            "from the sittings it was trained on and its figures are optimistic for other "
            "people. Record each label again in two more sittings (another day, light or "
            "person) for honest figures"
        )
    return policy, notes


def kfold_indices(
    y: np.ndarray, groups: np.ndarray | None, k: int, seed: int = 0
) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """k (train, validation) folds, grouped when every label has k groups, else stratified
    by sample. Returns the folds and whether they are grouped."""
    rows = np.arange(len(y))
    if groups is not None and np.all(groups != ""):
        per_label = [len(set(groups[y == c].tolist())) for c in np.unique(y)]
        if min(per_label) >= k:
            folds = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            return list(folds.split(rows, y, groups)), True
    k = min(k, int(np.bincount(y)[np.unique(y)].min()))
    if k < 2:
        return [], False
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(folds.split(rows, y)), False


def class_weights(y: np.ndarray, num_classes: int) -> dict[int, float]:
    """Balanced weights: n / (classes * count), 1.0 for classes absent from y."""
    counts = np.bincount(y, minlength=num_classes)
    total = counts.sum()
    return {i: float(total / (num_classes * c)) if c else 1.0 for i, c in enumerate(counts)}
