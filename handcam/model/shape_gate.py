""" "Not a sign" that holds for new people and camera angles: nearest sign prototypes in a
turn-free shape space, each label's reach measured on people left out.

The gate reads the classifier's feature vector, keeps the part that does not change when
the hand turns (for the shape features: all but the 24 camera-frame orientation terms; a
turned hand is still the same shape) and adds each finger's pointing direction in the palm
frame (from those 24 terms: the palm axes times the camera-frame pointing, again the same
however the hand turns), and projects it into a space whitened by how hands of one sign
vary (``proj``, ``shift``). There each label has prototypes (k-means centres
of turned, moved and bone-length augmented copies of its training hands). A hand's score
is min over labels L of d_L / s_L: d_L the squared distance to L's nearest prototype,
s_L how far a person left out of training lies from L's prototypes (the 90% quantile of
L's leave-people-out distances), so a sign people make differently gets more room.
``threshold``: the score below which ``pass_rate`` (99%) of the left-out people's hands
lie, turned +-30 degrees and moved (training.gate_fit).

Labels made by fewer than ``MIN_PEOPLE`` people (a personal recording: every session of
the app's recorder counts as one person) are *open*: nothing can be said about how other
people make them, so they never reject: a hand the classifier reads as an open label is
always a sign, and with no closed label the gate is off. Other people's signs are never
rejected on the word of one or two people.

File ``openset.npz``, ``format`` = "shape-nn-1": ``labels`` (K,), ``cols`` (C,),
``axes`` (9,) and ``pointing`` (15,) columns (both empty: no palm-frame pointing), ``proj``
(C [+ 15], D), ``shift`` (D,), ``bank`` (M, D) sorted by ``bank_label`` (M,), ``scale``
(K,) (inf: open), ``people`` (K,), ``threshold`` (), ``pass_rate`` ().
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np

SHAPE_FORMAT = "shape-nn-1"
MIN_PEOPLE = 3  # a label needs this many people before it may reject a hand
SCORE_POWER = 4.0  # steepness of the sign-ness around the threshold
NO_COLUMNS = np.zeros(0, np.int64)


def gate_inputs(features: np.ndarray, cols, axes=NO_COLUMNS, pointing=NO_COLUMNS) -> np.ndarray:
    """(N, C [+ 15]) what the gate reads of (N, F) feature vectors: the columns ``cols``,
    then, when ``axes`` (9 columns: the palm's axes as rows) and ``pointing`` (15: five
    fingers' directions) are given, each finger's direction in the palm frame. Training
    and the app both call this."""
    x = np.atleast_2d(features)
    out = x[:, cols]
    if len(axes):
        rot = x[:, axes].reshape(-1, 3, 3)
        fingers = x[:, pointing].reshape(-1, 5, 3)
        local = np.einsum("nij,nfj->nfi", rot, fingers).reshape(len(x), 15)
        out = np.concatenate([out, local], axis=1)
    return out


@dataclass(frozen=True, eq=False)
class ShapeGate:
    labels: tuple[str, ...]
    cols: np.ndarray  # (C,) int: the feature-vector columns read
    axes: np.ndarray  # (9,) or (0,) int: the palm's axes (for palm-frame pointing)
    pointing: np.ndarray  # (15,) or (0,) int: the fingers' camera-frame directions
    proj: np.ndarray  # (C [+ 15], D)
    shift: np.ndarray  # (D,)
    bank: np.ndarray  # (M, D) prototypes, grouped by label
    bank_label: np.ndarray  # (M,) int, non-decreasing
    scale: np.ndarray  # (K,) reach of each label (inf: open, never rejects)
    people: np.ndarray  # (K,) people who made each label
    threshold: float  # calibrated; 0.5 sign-ness here
    pass_rate: float = 0.99

    @property
    def closed(self) -> np.ndarray:
        """(K,) bool: labels that may reject (made by enough people)."""
        return np.isfinite(self.scale)

    @property
    def active(self) -> bool:
        """False when no label may reject: the gate then passes every hand."""
        return bool(self.closed.any())

    @property
    def operating_threshold(self) -> float:
        return self.threshold

    def open_labels(self) -> list[str]:
        return [lab for lab, c in zip(self.labels, self.closed, strict=True) if not c]

    def describe(self) -> str:
        """One line for people: whether the gate works, and where it never rejects."""
        if not self.active:
            return (
                f"not a sign: off (every sign was recorded by fewer than {MIN_PEOPLE} "
                "people: other people's signs are never hidden)"
            )
        least = int(self.people[self.closed].min())
        text = f"not a sign: on (measured on {least}+ people per sign)"
        opened = self.open_labels()
        if opened:
            names = ", ".join(opened[:6]) + (" ..." if len(opened) > 6 else "")
            text += f"; never for {names} (fewer than {MIN_PEOPLE} people)"
        return text

    @cached_property
    def _live(self) -> tuple:
        """float32 projection, the closed labels' prototypes as columns with their squared
        norms, each label's first column and 1 / its reach."""
        keep = self.closed[self.bank_label]
        bank = self.bank[keep].astype(np.float32)
        lab = self.bank_label[keep]
        starts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1]]) if len(lab) else lab
        inv = (1.0 / self.scale[lab[starts]]).astype(np.float32) if len(lab) else lab
        return (
            self.proj.astype(np.float32),
            self.shift.astype(np.float32),
            np.ascontiguousarray(bank.T),
            (bank * bank).sum(1),
            starts,
            inv,
        )

    def scores(self, features: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """(N,) gate score of (N, F) features: min over closed labels of d_L / s_L; 0 where
        the classifier's top label (from ``probs``) is open, inf when no label is closed.
        Above :attr:`threshold`: not a sign."""
        x = gate_inputs(np.asarray(features, np.float64), self.cols, self.axes, self.pointing)
        z = x @ self.proj - self.shift
        out = np.full(len(z), np.inf)
        closed = np.flatnonzero(self.closed)
        for j in closed:
            b = self.bank[self.bank_label == j]
            sq = (z * z).sum(1)[:, None] - 2 * z @ b.T + (b * b).sum(1)[None]
            out = np.minimum(out, np.maximum(sq.min(1), 0) / self.scale[j])
        if probs is not None and len(closed):
            top = np.asarray(probs).reshape(len(z), -1).argmax(1)
            out[~self.closed[top]] = 0.0
        return out

    def sign_scores(self, features: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """(N,) sign-ness in (0, 1]: 1 / (1 + (score / threshold) ** 4), 0.5 at the
        threshold; 1 where the gate is off or the top label open."""
        if not self.active:
            return np.ones(len(np.atleast_2d(features)))
        ratio = self.scores(features, probs) / self.threshold
        return 1.0 / (1.0 + ratio**SCORE_POWER)

    def sign_score(self, features: np.ndarray, probs: np.ndarray | None = None) -> float:
        """One hand's sign-ness, float32 through ``einsum`` (one thread: see
        :mod:`handcam.model.legacy_gate` for why not ``@``): 0.02-0.04 ms of CPU for 389
        features and 26 x 64 prototypes (the Mahalanobis gate: 0.05 measured alike)."""
        if not self.active:
            return 1.0
        if probs is not None and not self.closed[int(np.argmax(probs))]:
            return 1.0
        proj, shift, bank_t, norms, starts, inv = self._live
        f = np.asarray(features, np.float32).reshape(-1)
        x = f[self.cols]
        if len(self.axes):
            local = np.einsum(
                "ij,fj->fi", f[self.axes].reshape(3, 3), f[self.pointing].reshape(5, 3)
            )
            x = np.concatenate([x, local.reshape(15)])
        z = np.einsum("c,cd->d", x, proj) - shift
        near = np.minimum.reduceat(norms - 2 * np.einsum("d,dm->m", z, bank_t), starts)
        ratio = float((np.maximum(near + float(z @ z), 0) * inv).min()) / self.threshold
        return 1.0 / (1.0 + ratio**SCORE_POWER)

    def is_sign(self, features: np.ndarray, probs: np.ndarray | None = None) -> bool:
        return self.sign_score(features, probs) >= 0.5

    def save(self, path: str | os.PathLike) -> None:
        with open(path, "wb") as fh:
            np.savez(
                fh,
                format=np.array(SHAPE_FORMAT),
                labels=np.array(self.labels, dtype=str),
                cols=self.cols.astype(np.int32),
                axes=self.axes.astype(np.int32),
                pointing=self.pointing.astype(np.int32),
                proj=self.proj.astype(np.float32),
                shift=self.shift.astype(np.float32),
                bank=self.bank.astype(np.float32),
                bank_label=self.bank_label.astype(np.int32),
                scale=self.scale.astype(np.float64),
                people=self.people.astype(np.int32),
                threshold=np.float64(self.threshold),
                pass_rate=np.float64(self.pass_rate),
            )

    @classmethod
    def from_npz(cls, z, feature_size: int) -> ShapeGate:
        """From an opened ``openset.npz`` of this format; ValueError when it does not fit."""
        if np.ndim(z["threshold"]) or np.ndim(z["pass_rate"]):
            raise ValueError("threshold and pass_rate must be single numbers")
        gate = cls(
            tuple(str(s) for s in z["labels"]),
            np.asarray(z["cols"], np.int64),
            np.asarray(z["axes"], np.int64),
            np.asarray(z["pointing"], np.int64),
            np.asarray(z["proj"], np.float64),
            np.asarray(z["shift"], np.float64),
            np.asarray(z["bank"], np.float64),
            np.asarray(z["bank_label"], np.int64),
            np.asarray(z["scale"], np.float64),
            np.asarray(z["people"], np.int64),
            float(z["threshold"]),
            float(z["pass_rate"]),
        )
        k, (c, d) = len(gate.labels), gate.proj.shape
        read = np.concatenate([gate.cols, gate.axes, gate.pointing])
        extra = 15 if len(gate.axes) else 0
        ok = (
            gate.cols.shape == (c - extra,)
            and len(gate.axes) in (0, 9)
            and len(gate.pointing) == (15 if len(gate.axes) else 0)
            and (len(read) == 0 or (read.min() >= 0 and read.max() < feature_size))
            and gate.shift.shape == (d,)
            and gate.bank.ndim == 2
            and gate.bank.shape[1] == d
            and gate.bank_label.shape == (len(gate.bank),)
            and gate.scale.shape == (k,)
            and gate.people.shape == (k,)
            and (len(gate.bank_label) == 0 or gate.bank_label.min() >= 0)
            and (len(gate.bank_label) == 0 or gate.bank_label.max() < k)
            and bool(np.all(np.diff(gate.bank_label) >= 0))
        )
        if not ok:
            raise ValueError(f"it does not fit the model's {feature_size} features")
        if gate.active:
            if not np.isfinite(gate.threshold) or gate.threshold <= 0:
                raise ValueError("its threshold must be a positive number")
            have = set(gate.bank_label.tolist())
            if any(j not in have for j in np.flatnonzero(gate.closed)):
                raise ValueError("a label that may reject has no prototypes")
        return gate
