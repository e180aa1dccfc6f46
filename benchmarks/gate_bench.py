"""The "not a sign" trade-off, leave-signers-out: share of unseen people's true signs
rejected against share of non-sign hand shapes accepted.

    python -m benchmarks.gate_bench models/letters --holdout P2,P5 --others models/digits \
        --png OUT.png
    python -m benchmarks.gate_bench models/digits --holdout-part test --others models/letters

From a bundle's carried set (or a trainset.npz): the held-out people's hands are never
fitted on. Both gates are fitted on the other people: the new one (training.gate_fit, its
own leave-people-out calibration) and the Mahalanobis gate as models were shipped before
(fitted here only, for this comparison; shape features, one mean per label, fitted on the
people not in the validation part, threshold passing 95% of the validation people's signs,
live at 1.5 times that). Measured on:
- signs: the held-out people's hands seen frontal, turned +-15/30/45 degrees about x, y
  and z, near (0.25 m) and far (1.5 m, 1% landmark noise) (training.repose);
- non-signs: shapes made from the held-out people's hands (benchmarks.nonsigns) minus those
  that are a sign of the set's labels by the rule (all people's hands as the signs known);
- others (``--others``): real hands of another bundle's carried set that the same rule
  calls no sign of this set (e.g. digits 3, 5, 7, 8 for the letters).
The curve: the threshold rejecting a share r of the signs (frontal and turned up to 30
degrees, near and far, pooled) and what it accepts; then each gate at its own threshold.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks import nonsigns
from handcam.features.preprocess import PreprocessConfig, landmark_features
from handcam.model.legacy_gate import MahalanobisGate
from handcam.model.trainset import HandSet, load_bundle_handset
from training import repose

RATES = (0.005, 0.01, 0.02, 0.05, 0.10)
SEED = 1000  # the non-signs' seed: not the one training could use


def load_set(path: Path) -> HandSet:
    hs = load_bundle_handset(path) if path.is_dir() else HandSet.load(path)
    if hs is None:
        raise SystemExit(f"{path}: carries no training set")
    return hs


VALIDATION_PASS = 0.95  # the old gate's calibration: 95% of the validation people pass


def fit_mahalanobis(
    x_train: np.ndarray,
    y_train: np.ndarray,
    labels: list[str],
    x_calib: np.ndarray,
    pass_rate: float = VALIDATION_PASS,
    modes: int = 1,
) -> MahalanobisGate:
    """The old gate's fit (only this comparison fits it now): means per label and a shared
    Ledoit-Wolf covariance from the training features; the threshold lets ``pass_rate`` of
    ``x_calib`` through. ``modes`` > 1: ``x_train`` is that many stacked copies (e.g. the
    hands and their mirror images), each with its own mean per label."""
    from sklearn.covariance import LedoitWolf

    present = [c for c in range(len(labels)) if np.any(y_train == c)]
    means, resid, names = [], [], []
    for rows in np.array_split(np.arange(len(y_train)), modes):
        x, y = x_train[rows], y_train[rows]
        for c in present:
            mean = x[y == c].mean(axis=0)
            means.append(mean)
            resid.append(x[y == c] - mean)
            names.append(labels[c])
    precision = LedoitWolf().fit(np.concatenate(resid)).precision_
    stacked = np.stack(means).astype(np.float64)
    gate = MahalanobisGate(stacked, precision, 1.0, tuple(names))
    threshold = float(np.quantile(gate.distance(x_calib), pass_rate))
    return MahalanobisGate(stacked, precision, max(threshold, 1e-6), gate.labels)


def legacy_gate(train: HandSet, labels, pre, seed: int):
    """The gate as shipped before: Mahalanobis, fitted on the training people who are not
    in the validation part, threshold at 95% of the validation people's signs (None
    without a validation part); returns (gate, live threshold)."""
    from training.augment import LandmarkAugment, augment_hands

    val = train.parts == "validation"
    if not val.any() or val.all():
        return None, None
    fit, calib = train.subset(np.flatnonzero(~val)), train.subset(np.flatnonzero(val))
    rng = np.random.default_rng(seed)
    y = np.array([labels.index(s) for s in fit.labels])
    xs, ys = [], []
    for handed in (
        fit.handedness,
        np.where(np.char.lower(fit.handedness) == "left", "Right", "Left"),
    ):
        for _ in range(5):
            lm, w, h = augment_hands(
                fit.landmarks, fit.world, handed, rng, LandmarkAugment(mirror_prob=0.0)
            )
            xs.append(landmark_features(lm, w, h, pre))
            ys.append(y)
    x_cal = landmark_features(calib.landmarks, calib.world, calib.handedness, pre)
    gate = fit_mahalanobis(np.concatenate(xs), np.concatenate(ys), labels, x_cal, modes=2)
    return gate, gate.operating_threshold


def measure(
    hands: HandSet,
    held: np.ndarray,
    others: HandSet | None,
    per_family: int = 300,
    seed: int = 0,
    features: str = "shape",
) -> dict:
    """Scores of both gates on signs (per view), non-signs and others; thresholds."""
    from training.gate_fit import fit_shape_gate

    pre = PreprocessConfig(features=features)
    labels = sorted(set(hands.labels.tolist()))
    train, test = hands.subset(np.flatnonzero(~held)), hands.subset(np.flatnonzero(held))
    new, info = fit_shape_gate(train, labels, pre, seed)
    old, old_t = legacy_gate(train, labels, pre, seed)
    rule = nonsigns.SignRule(hands.world, hands.handedness, hands.labels, hands.groups)
    neg = nonsigns.generate(
        test.landmarks, test.world, test.handedness, test.labels, test.groups, SEED, per_family
    )
    keep = ~rule.is_sign(neg["world"], neg["handedness"])
    sets = {
        "non-signs": landmark_features(
            neg["landmarks"][keep], neg["world"][keep], neg["handedness"][keep], pre
        )
    }
    family = neg["family"][keep]
    if others is not None:
        no = ~rule.is_sign(others.world, others.handedness)
        sets["others"] = landmark_features(
            others.landmarks[no], others.world[no], others.handedness[no], pre
        )
    for name in repose.view_names():
        lm, w = repose.view(test.landmarks, test.world, name, SEED)
        sets[name] = landmark_features(lm, w, test.handedness, pre)
    gates = {"new": (new.scores, new.threshold)}
    if old is not None:
        gates["before"] = (old.distance, old_t)
    out = {
        "gates": {},
        "family": family,
        "kept": keep.mean(),
        "info": info,
        "held_people": sorted(set(test.groups.tolist())),
        "n_signs": len(test),
    }
    for g, (fn, t) in gates.items():
        out["gates"][g] = {"threshold": t, **{k: fn(x) for k, x in sets.items()}}
    return out


def curve(res: dict, gate: str) -> list[dict]:
    s = res["gates"][gate]
    pos = np.concatenate([s[v] for v in repose.up_to(30)])
    rows = []
    for r in RATES:
        t = np.quantile(pos, 1 - r)
        row = {"rejected": r, "non-signs": float((s["non-signs"] <= t).mean())}
        if "others" in s:
            row["others"] = float((s["others"] <= t).mean())
        rows.append(row)
    return rows


def operating(res: dict, gate: str) -> dict:
    s, t = res["gates"][gate], res["gates"][gate]["threshold"]
    rej = lambda names: float(np.mean([s[v] > t for v in names]))  # noqa: E731
    turned = [v for v in repose.view_names() if v[0] in "xyz"]
    out = {
        "rejected frontal": rej(["frontal"]),
        "rejected up to 30 deg, near, far": rej(repose.up_to(30)),
        "rejected 45 deg": rej([v for v in turned if v.endswith("45")]),
        "rejected worst view up to 30": max(rej([v]) for v in repose.up_to(30)),
        "non-signs accepted": float((s["non-signs"] <= t).mean()),
    }
    for f in nonsigns.FAMILIES:
        m = res["family"] == f
        if m.any():
            out[f"  {f}"] = float((s["non-signs"][m] <= t).mean())
    if "others" in s:
        out["others accepted"] = float((s["others"] <= t).mean())
    return out


def plot(res: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5))
    for g, color in (("new", "C0"), ("before", "C3")):
        if g not in res["gates"]:
            continue
        s = res["gates"][g]
        pos = np.concatenate([s[v] for v in repose.up_to(30)])
        ts = np.quantile(pos, np.linspace(0.5, 1.0, 200))
        ax.plot(
            [100 * (pos > t).mean() for t in ts],
            [100 * (s["non-signs"] <= t).mean() for t in ts],
            color=color,
            label=f"{g}: non-signs made from their hands",
        )
        if "others" in s:
            ax.plot(
                [100 * (pos > t).mean() for t in ts],
                [100 * (s["others"] <= t).mean() for t in ts],
                color=color,
                ls="--",
                label=f"{g}: real hands of the other set",
            )
        t = s["threshold"]
        ax.plot(100 * (pos > t).mean(), 100 * (s["non-signs"] <= t).mean(), "o", color=color)
    ax.axvline(1, color="0.7", lw=0.8)
    ax.axhline(10, color="0.7", lw=0.8)
    ax.set_xlim(0, 20)
    ax.set_ylim(0, 100)
    ax.set_xlabel("unseen people's signs rejected, % (frontal, turned <=30 deg, near, far)")
    ax.set_ylabel("non-sign shapes accepted, %")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.gate_bench", description=__doc__.split("\n")[0]
    )
    p.add_argument("set", type=Path, help="a bundle (its carried set) or a trainset.npz")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--holdout", help="comma-separated people (groups) never fitted on")
    which.add_argument("--holdout-part", help="the people of this split part (e.g. test)")
    p.add_argument("--others", type=Path, help="a bundle whose real hands are non-signs here")
    p.add_argument("--per-family", type=int, default=300)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--png", type=Path, help="write the curve here")
    a = p.parse_args(argv)
    hands = load_set(a.set)
    if a.holdout:
        held = np.isin(hands.groups, a.holdout.split(","))
    else:
        held = np.isin(hands.groups, hands.groups[hands.parts == a.holdout_part])
    if not held.any() or held.all():
        raise SystemExit("the held-out people must be some, not all, of the set")
    others = load_set(a.others) if a.others else None
    res = measure(hands, held, others, a.per_family, a.seed)
    people = res["held_people"]
    more = " ..." if len(people) > 8 else ""
    print(
        f"held out: {', '.join(people[:8])}{more} ({res['n_signs']} hands); "
        f"made non-signs kept after the rule: {100 * res['kept']:.0f}%"
    )
    print(
        f"new gate: people per label {sorted(set(res['info']['people'].values()))}, "
        f"open labels {res['info']['open_labels'] or 'none'}"
    )
    for g in res["gates"]:
        print(f"\n{g}: signs rejected (frontal, turned <=30, near, far) -> accepted")
        for row in curve(res, g):
            extra = f", others {100 * row['others']:.1f}%" if "others" in row else ""
            print(
                f"  {100 * row['rejected']:4.1f}% -> non-signs {100 * row['non-signs']:.1f}%{extra}"
            )
        print(f"{g} at its own threshold:")
        for k, v in operating(res, g).items():
            print(f"  {k}: {100 * v:.1f}%")
    if a.png:
        plot(res, a.png, f"{a.set.name}: held out {len(res['held_people'])} people")
        print(f"\nwrote {a.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
