"""How a bundle reads held-out people's signs seen from other angles and distances.

    python -m benchmarks.angles BUNDLE [--part test] [--signers P2,P5] [--hands BUNDLE2]
                              [--data DIR [--groups CSV]] [--degrees 15 30 45] [--json OUT]

The hands (by default the test part of the training set the bundle carries: people its
network never saw; or another bundle's carried set, or a dataset folder) are re-posed in
3-D (:mod:`training.repose`): their image and world landmarks turned about each camera
axis by + and - each angle, and seen nearer (0.25 m) and farther (1.5 m, with landmark
noise of 1% of the hand's size) than the photos' assumed 0.5 m. For every view it prints
the accuracy, the share of hands the bundle's "not a sign" gate lets pass at the app's
operating threshold (and at the calibrated one), and the share both read right and let
pass; then, per angle, the mean and the worst view and axis, and each label's recall
and the most frequent mistakes over the six views at 30 degrees (or the angle given).
No photos are needed for carried sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from training.repose import repose, views


def load_hands(
    bundle_path: Path,
    hands_from: Path | None = None,
    part: str = "test",
    signers: list[str] | None = None,
    data: list[Path] | None = None,
    groups: Path | None = None,
):
    """The hands to score: a dataset folder's (hands found once, cached), or the carried
    set of ``hands_from`` (default: the bundle itself), its ``part`` ("all" for every
    row) or the rows of ``signers``."""
    from handcam.model.bundle import ModelBundle
    from handcam.model.trainset import load_bundle_handset

    bundle = ModelBundle.load(bundle_path)
    if data:
        from training.data import scan_dataset
        from training.hand_cache import extract_hands

        dataset = scan_dataset(list(data), groups)
        hands = extract_hands(dataset.samples, bundle.preprocess).hands
    else:
        source = hands_from or bundle_path
        hands = load_bundle_handset(source)
        if hands is None:
            raise SystemExit(f"{source}: carries no training set; give --data DIR")
        if signers:
            hands = hands.subset(np.flatnonzero(np.isin(hands.groups, signers)))
        elif part != "all":
            hands = hands.subset(np.flatnonzero(hands.parts == part))
    known = np.isin(hands.labels, list(bundle.labels))
    if not known.all():
        print(
            f"note: {int((~known).sum())} hands of labels the bundle lacks left out",
            file=sys.stderr,
        )
        hands = hands.subset(np.flatnonzero(known))
    if not len(hands):
        raise SystemExit("no hands to score (check --part, --signers or --data)")
    return hands


def score_views(
    bundle_path: Path, hands, degrees=(15, 30, 45), seed: int = 0, rescale_depth: bool = False
) -> dict:
    """Accuracy and gate acceptance of the bundle on ``hands`` from every view."""
    from handcam.system.native_logs import native_quiet

    with native_quiet():
        import keras

    from handcam.features.preprocess import feature_size, landmark_features
    from handcam.model.bundle import ModelBundle
    from handcam.model.gate import load_gate
    from training.fit import predict

    bundle = ModelBundle.load(bundle_path)
    if tuple(bundle.inputs) != ("landmarks",):
        raise SystemExit(f"{bundle_path}: an image model; re-posing needs a landmark model")
    model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    gate = load_gate(bundle.path, feature_size(bundle.preprocess.features))
    if gate is not None and not gate.active:  # too few people: it never rejects
        gate = None
    labels = list(bundle.labels)
    y = np.array([labels.index(lab) for lab in hands.labels])
    rows, preds = {}, {}
    for view in views(degrees):
        lms, world = repose(hands.landmarks, hands.world, view, seed, rescale_depth)
        x = landmark_features(lms, world, hands.handedness, bundle.preprocess)
        probs = predict(model, {"landmarks": x})
        pred = probs.argmax(1)
        preds[view.name] = pred
        row = {"hands": len(y), "accuracy": float(np.mean(pred == y))}
        if gate is not None:  # as the app: sign-ness 0.5 at the gate's operating point
            live = gate.sign_scores(x, probs) >= 0.5
            row["gate_pass"] = float(live.mean())
            row["gate_pass_calibrated"] = float((gate.scores(x, probs) <= gate.threshold).mean())
            row["right_and_passed"] = float(np.mean((pred == y) & live))
        rows[view.name] = row
    return {
        "bundle": str(bundle_path),
        "hands": len(y),
        "signers": len(set(hands.groups.tolist()) - {""}),
        "gate": gate is not None,
        "turns": "rescaled depth" if rescale_depth else "rigid",
        "views": rows,
        "angles": {f"{d:g}": _angle_summary(rows, d) for d in degrees},
        "per_label": {f"{d:g}": _per_label(preds, y, labels, d) for d in degrees},
    }


def _at(degrees: float) -> list[str]:
    return [v.name for v in views((degrees,)) if v.axis is not None]


def _angle_summary(rows: dict, degrees: float) -> dict:
    names = _at(degrees)
    acc = {n: rows[n]["accuracy"] for n in names}
    axes = {a: float(np.mean([acc[n] for n in names if n[0] == a])) for a in "xyz"}
    out = {
        "mean_accuracy": float(np.mean(list(acc.values()))),
        "worst_view": min(acc, key=acc.get),
        "worst_view_accuracy": min(acc.values()),
        "worst_axis": min(axes, key=axes.get),
        "worst_axis_accuracy": min(axes.values()),
    }
    if "gate_pass" in rows[names[0]]:
        out["mean_gate_pass"] = float(np.mean([rows[n]["gate_pass"] for n in names]))
        out["worst_gate_pass"] = float(min(rows[n]["gate_pass"] for n in names))
    return out


def _per_label(preds: dict, y: np.ndarray, labels: list[str], degrees: float) -> dict:
    """Recall per label over the six views at ``degrees``, and the most frequent mistakes."""
    pred = np.concatenate([preds[n] for n in _at(degrees)])
    truth = np.tile(y, len(_at(degrees)))
    recall = {
        labels[c]: float(np.mean(pred[truth == c] == c))
        for c in range(len(labels))
        if (truth == c).any()
    }
    wrong = {}
    for t, p in zip(truth[pred != truth], pred[pred != truth], strict=True):
        key = f"{labels[t]}->{labels[p]}"
        wrong[key] = wrong.get(key, 0) + 1
    top = dict(sorted(wrong.items(), key=lambda kv: -kv[1])[:12])
    return {"recall": recall, "mistakes": top}


def format_report(report: dict, label_degrees: float | None = None) -> str:
    gate = report["gate"]
    lines = [
        f"{report['bundle']}: {report['hands']} hands of {report['signers']} signers",
        "view       accuracy"
        + ("  gate pass (app / calibrated)  right and passed" if gate else ""),
    ]
    for name, r in report["views"].items():
        line = f"{name:<10} {r['accuracy']:8.4f}"
        if gate:
            passed = f"{r['gate_pass']:.4f} / {r['gate_pass_calibrated']:.4f}"
            line += f"  {passed:>29}  {r['right_and_passed']:16.4f}"
        lines.append(line)
    for d, s in report["angles"].items():
        line = (
            f"{d:>3} degrees: mean {s['mean_accuracy']:.4f}, worst view {s['worst_view']} "
            f"{s['worst_view_accuracy']:.4f}, worst axis {s['worst_axis']} "
            f"{s['worst_axis_accuracy']:.4f}"
        )
        if gate:
            line += f"; gate pass mean {s['mean_gate_pass']:.4f}, worst {s['worst_gate_pass']:.4f}"
        lines.append(line)
    keys = list(report["per_label"])
    if keys:
        d = (
            f"{label_degrees:g}"
            if label_degrees is not None
            else ("30" if "30" in keys else keys[0])
        )
        pl = report["per_label"][d]
        lines.append(
            f"recall per label at {d} degrees (six views): "
            + " ".join(f"{k} {v:.2f}" for k, v in pl["recall"].items())
        )
        lines.append(
            f"mistakes at {d} degrees: "
            + (", ".join(f"{k} {n}" for k, n in pl["mistakes"].items()) or "none")
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.angles", description=__doc__.split("\n\n")[0]
    )
    p.add_argument("bundle", type=Path)
    p.add_argument(
        "--part",
        default="test",
        help="part of the carried set: test (default), validation, train or all",
    )
    p.add_argument("--signers", help="comma-separated signers (groups) of the carried set instead")
    p.add_argument("--hands", type=Path, help="score the carried set of this bundle instead")
    p.add_argument("--data", type=Path, nargs="+", help="score the hands of dataset folder(s)")
    p.add_argument("--groups", type=Path, help="with --data: CSV of signers")
    p.add_argument("--degrees", type=float, nargs="+", default=[15, 30, 45])
    p.add_argument("--seed", type=int, default=0, help="seed of the far view's landmark noise")
    p.add_argument(
        "--rescale-depth",
        action="store_true",
        help="turn with the image landmarks' depth rescaled to the world landmarks' (as the "
        "training augmentation turns hands); default: a rigid turn of both",
    )
    p.add_argument("--json", type=Path, help="also write the figures as JSON to this file")
    args = p.parse_args(argv)
    signers = args.signers.split(",") if args.signers else None
    hands = load_hands(args.bundle, args.hands, args.part, signers, args.data, args.groups)
    report = score_views(args.bundle, hands, tuple(args.degrees), args.seed, args.rescale_depth)
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
