"""Fitting the "not a sign" gate (:mod:`handcam.model.shape_gate`) and calibrating it on
people left out, never on the people it was fitted on.

1. Every training hand is copied ``COPIES`` times with another person's bone lengths,
   turned +-30 degrees about x, y and z and, for some, seen from 0.25-1.5 m (training.
   repose); with mirror images too when the model reads either hand.
2. The turn-free part of the features (shape features: all but the 24 camera-frame
   orientation terms, plus each finger's pointing in the palm frame) is whitened by the
   covariance of hands within a label (Ledoit-Wolf) and projected on its ``DIMS`` main
   axes.
3. Each label's copies become ``PROTOTYPES`` k-means centres.
4. People are left out in turn (at most ``MAX_FOLDS`` folds): projection and prototypes
   fitted without them, their copies' squared distance to each label's prototypes. A
   label's reach s_L is the ``REACH_QUANTILE`` of its own left-out distances, shrunk
   halfway to the median label's (``REACH_SHRINK``); the threshold passes ``PASS_RATE``
   of every left-out hand's score min_L d_L / s_L.
5. Labels made by fewer than ``MIN_PEOPLE`` people are open (never reject). All sessions
   of the app's recorder count as one person: it cannot tell who recorded.

Measured (research scripts in /work/research/r2, leave-signers-out): see REPORT.md there.
"""

from __future__ import annotations

import numpy as np

from handcam.features.preprocess import PreprocessConfig, feature_size, landmark_features
from handcam.model.shape_gate import MIN_PEOPLE, NO_COLUMNS, ShapeGate, gate_inputs
from handcam.model.trainset import HandSet
from handcam.recording.samples import is_session_id
from training.augment import LandmarkAugment, augment_hands
from training.repose import random_pose

COPIES = 5
DIMS = 40
PROTOTYPES = 64
REACH_QUANTILE = 0.9
REACH_SHRINK = 0.5  # each label's reach half its own, half the median label's
PASS_RATE = 0.99
MAX_FOLDS = 10
AXES, POINTING = np.r_[240:249], np.r_[249:264]  # shape features in camera coordinates
ORIENTATION = np.r_[AXES, POINTING]


def people_of(groups) -> np.ndarray:
    """(N,) who made each hand: the group (signer) as given, except that every session of
    the app's recorder, and a missing group, is the one unknown recorder."""
    g = np.asarray(groups, dtype=str)
    recorder = np.array([not s or is_session_id(s) for s in g.tolist()], bool)
    return np.where(recorder, "(recorder)", g)


def gate_columns(features: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(columns, palm axes, finger pointing) the gate reads: for the shape features, those
    that do not change when the hand turns, plus the fingers' pointing in the palm frame;
    every column of other feature sets (no palm-frame pointing)."""
    n = feature_size(features)
    if features == "shape":
        return np.setdiff1d(np.arange(n), ORIENTATION), AXES, POINTING
    return np.arange(n), NO_COLUMNS, NO_COLUMNS


def copies(
    hands: HandSet, preprocess: PreprocessConfig, rng, n: int = COPIES, mirror: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """(X, row) features of ``n`` augmented, turned and moved copies of every hand (and of
    its mirror image), with the hand's row index."""
    modes = [hands.handedness]
    if mirror:
        modes.append(np.where(np.char.lower(hands.handedness) == "left", "Right", "Left"))
    xs, rows = [], []
    still = LandmarkAugment(mirror_prob=0.0).without_views()  # turned by random_pose
    for handed in modes:
        for _ in range(n):
            lm, w, _ = augment_hands(hands.landmarks, hands.world, handed, rng, still)
            lm, w = random_pose(lm, w, rng)
            xs.append(landmark_features(lm, w, handed, preprocess))
            rows.append(np.arange(len(hands)))
    return np.concatenate(xs), np.concatenate(rows)


def _projection(x: np.ndarray, y: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, D) whitening by the within-label covariance then the main axes, and (D,) shift."""
    from sklearn.covariance import LedoitWolf

    resid = np.concatenate([x[y == j] - x[y == j].mean(0) for j in np.unique(y)])
    vals, vecs = np.linalg.eigh(LedoitWolf().fit(resid).covariance_)
    w = vecs / np.sqrt(np.maximum(vals, 1e-12))
    xw = x @ w
    mu = xw.mean(0)
    _, _, vt = np.linalg.svd(xw - mu, full_matrices=False)
    axes = vt[: min(dims, len(vt))].T
    return w @ axes, mu @ axes


def _prototypes(z, y, k: int, protos: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans

    bank, lab = [], []
    for j in range(k):
        b = z[y == j]
        if len(b) > protos:
            b = KMeans(protos, n_init=1, random_state=seed).fit(b).cluster_centers_
        bank.append(b)
        lab.append(np.full(len(b), j))
    return np.concatenate(bank), np.concatenate(lab)


def _reach(held: list[np.ndarray]) -> float:
    """A label's reach: the quantile of its left-out hands' distances to its prototypes
    fitted without them; NaN when no fold had both (all its people in one fold)."""
    v = np.concatenate(held) if held else np.zeros(0)
    v = v[np.isfinite(v)]
    return float(np.quantile(v, REACH_QUANTILE)) if len(v) else np.nan


def _nearest(z, bank, lab, labels_idx, k: int) -> np.ndarray:
    """(N, K) squared distance to each listed label's nearest prototype (inf elsewhere,
    and for a label with no prototypes in this fold)."""
    out = np.full((len(z), k), np.inf)
    zz = (z * z).sum(1)[:, None]
    for j in labels_idx:
        b = bank[lab == j]
        if len(b):
            out[:, j] = np.maximum((zz - 2 * z @ b.T + (b * b).sum(1)[None]).min(1), 0)
    return out


def fit_shape_gate(
    hands: HandSet,
    labels: list[str],
    preprocess: PreprocessConfig,
    seed: int = 0,
    mirror: bool = True,
    min_people: int = MIN_PEOPLE,
    pass_rate: float = PASS_RATE,
    protos: int = PROTOTYPES,
) -> tuple[ShapeGate, dict]:
    """The gate for a model of ``labels`` from its training hands, and what it says about
    itself (people per label, open labels, how it was calibrated, the left-out passing)."""
    rng = np.random.default_rng(seed)
    k = len(labels)
    y_hand = np.array([labels.index(s) for s in hands.labels])
    who = people_of(hands.groups)
    people = np.array([len(set(who[y_hand == j].tolist())) for j in range(k)])
    closed = people >= min_people
    cols, axes, pointing = gate_columns(preprocess.features)
    x, row = copies(hands, preprocess, rng, mirror=mirror)
    x, y, who_c = gate_inputs(x, cols, axes, pointing), y_hand[row], who[row]
    proj, shift = _projection(x, y, DIMS)
    z = x @ proj - shift
    bank, lab = _prototypes(z, y, k, protos, seed)
    scale = np.full(k, np.inf)
    info = {
        "people": {labels[j]: int(people[j]) for j in range(k)},
        "open_labels": [labels[j] for j in range(k) if not closed[j]],
    }
    threshold, left_out = 1.0, np.zeros(0)
    if closed.any():
        persons = np.array(sorted(set(who_c[np.isin(y, np.flatnonzero(closed))].tolist())))
        if len(persons) > MAX_FOLDS:
            folds = np.array_split(rng.permutation(persons), MAX_FOLDS)
        else:
            folds = [np.array([p]) for p in persons]
        held: list[list[np.ndarray]] = [[] for _ in range(k)]
        dists = []
        for fold in folds:
            out = np.isin(who_c, fold)
            # the space, too, is fitted without the left-out people: fitted with them, it
            # already knows how they differ (2 people: 81% of a third person's signs
            # rejected at the 99% threshold)
            fp, fs = _projection(x[~out], y[~out], DIMS)
            zf = x @ fp - fs
            b, bl = _prototypes(zf[~out], y[~out], k, protos, seed)
            mine = out & closed[y]
            d = _nearest(zf[mine], b, bl, np.flatnonzero(closed), k)
            dists.append(d)
            for j in np.flatnonzero(closed):
                own = y[mine] == j
                if own.any():
                    held[j].append(d[own, j])
        reach = np.array([_reach(held[j]) if closed[j] else np.inf for j in range(k)])
        # with a few people a label's own reach is noisy: halfway to the median label's
        # (letters, 5 people per fold: 35% of made non-signs accepted at the calibrated
        # threshold instead of 53%, 1.1% of unseen people's signs rejected instead of 0.9%)
        mid = np.nanmedian(reach[closed])
        reach = np.where(closed & np.isnan(reach), mid, reach)  # never measured: the median
        scale = ((1 - REACH_SHRINK) * reach + REACH_SHRINK * mid) / mid
        left_out = np.concatenate([(d[:, closed] / scale[None, closed]).min(1) for d in dists])
        threshold = float(np.quantile(left_out, pass_rate))
        info.update(folds=len(folds), left_out_people=int(len(persons)))
    gate = ShapeGate(
        tuple(labels),
        cols,
        axes,
        pointing,
        proj,
        shift,
        bank,
        lab,
        scale,
        people,
        threshold,
        pass_rate,
    )
    info["left_out_passing"] = (
        round(float((left_out <= threshold).mean()), 4) if len(left_out) else None
    )
    return gate, info


def gate_report(
    gate: ShapeGate,
    info: dict,
    preprocess: PreprocessConfig,
    test: HandSet | None,
    pass_rate: float = PASS_RATE,
) -> dict:
    """The report's "open_set" entry: the method, whether the gate is on, why labels are
    open, how it was calibrated, and the test people's signs passing (frontal; turned
    +-30 degrees and moved)."""
    from training.repose import up_to, view

    out: dict = {
        "method": "turn-free shape features: nearest label prototypes, each label's reach "
        "measured on people left out (handcam.model.shape_gate)",
        "people": info["people"],
        "open_labels": info["open_labels"],
    }
    if not gate.active:
        out.update(
            state="off",
            calibrated_on="none",
            why=f"every label was made by fewer than {MIN_PEOPLE} people (all sessions of the "
            "app's recorder count as one person): how other people make these signs is "
            "unknown, so no hand is ever called 'not a sign'",
        )
        return out
    out.update(
        state="on" if not info["open_labels"] else "on, some labels open",
        calibrated_on=f"leave-people-out: {info['left_out_people']} people in {info['folds']} "
        f"folds, their hands turned +-30 degrees and moved; the threshold passes "
        f"{100 * pass_rate:g}% of them",
        threshold=round(gate.threshold, 4),
        pass_rate_target=pass_rate,
        left_out_passing=info["left_out_passing"],
    )
    if info["open_labels"]:
        out["why"] = (
            f"labels made by fewer than {MIN_PEOPLE} people never reject (a hand read as one "
            "of them is always a sign)"
        )
    if test is not None and len(test):
        keep = np.isin(test.labels, gate.labels)
        test = test.subset(np.flatnonzero(keep))
        if len(test):
            # read as their own label (open labels never reject, as in the app)
            read = np.eye(len(gate.labels))[[gate.labels.index(s) for s in test.labels]]
            frontal = landmark_features(test.landmarks, test.world, test.handedness, preprocess)
            out["test_signs_passing"] = round(
                float((gate.scores(frontal, read) <= gate.threshold).mean()), 4
            )
            passed = []
            for name in up_to(30):
                lm, w = view(test.landmarks, test.world, name)
                x = landmark_features(lm, w, test.handedness, preprocess)
                passed.append(gate.scores(x, read) <= gate.threshold)
            out["test_signs_passing_turned"] = round(float(np.mean(passed)), 4)
    return out
