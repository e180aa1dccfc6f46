"""Benchmarks that print figures (never run as timed tests). Data come as arguments.

    python -m benchmarks.retrain personalise --data DIR [--per-class 20] [--init BUNDLE]
    python -m benchmarks.retrain fewshot --data DIR --groups CSV [--shots 5 10 20]
    python -m benchmarks.retrain openset --data DIR --groups CSV [--unknown 7,8,9 ...]
                                          [--features shape | --bundle BUNDLE]
    python -m benchmarks.retrain compare --data DIR --groups CSV --out DIR

``personalise`` records N samples per class of DATA the way the app does (full frame +
JSON sidecar, one session per label, as one ``handcam record`` call per label), then
times the retrain a user runs: ``python -m training REC [--init BUNDLE]`` in a new
process, from start to a saved bundle.

``fewshot`` asks whether a new sign learnt from a few samples of one or two people is
recognised on *other* people: see :func:`fewshot`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.from_hands import hands_accuracy, train_hands


def build_recorded_set(data: Path, out: Path, per_class: int) -> int:
    """Record ``per_class`` samples of each class folder of ``data`` into ``out``, one
    recording session per label (as one ``handcam record`` call per label)."""
    from handcam.capture.images import read_image
    from handcam.capture.sources import list_images
    from handcam.hands.factory import make_detector
    from handcam.recording.samples import SampleStore
    from training.data import class_folders

    saved = 0
    with make_detector("image") as det:
        for label, folder in class_folders(data):
            store = SampleStore(out, session=f"bench-{label}")
            n = 0
            for path in list_images(folder)[::-1]:  # the newest signers
                if n == per_class:
                    break
                image = read_image(path)
                hands = det.detect(image)
                if hands:
                    store.save(label, image, hands[0], source=str(path))
                    n += 1
            saved += n
    return saved


def personalise(per_class: int, data: Path, init: Path | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "recorded"
        t0 = time.perf_counter()
        n = build_recorded_set(data, rec, per_class)
        prep = time.perf_counter() - t0
        out = Path(tmp) / "bundle"
        cmd = [sys.executable, "-P", "-m", "training", str(rec), "--out", str(out)]
        if init:
            cmd += ["--init", str(init)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"retrain failed:\n{proc.stderr[-3000:]}")
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    held = report["evaluation"].get("test") or report["evaluation"]["validation"]
    return {
        "samples": n,
        "per_class": per_class,
        "labels": len(report["labels"]),
        "init": str(init) if init else None,
        "recording_prep_s": round(prep, 1),
        "retrain_wall_s": round(wall, 1),
        "epochs_run": len(report["history"]["loss"]),
        "split": report["split"]["policy"],
        "held_out_accuracy": held["accuracy"],
        "held_out_n": held["n"],
        "device": report["device"],
    }


def fewshot(
    data: Path,
    groups: Path,
    new_sets: list[list[str]],
    shots: list[int],
    recorders: int,
    features: list[str],
    seed: int = 0,
    epochs: int | None = None,
) -> list[dict]:
    """New signs from a few samples of few people, tested on everyone else.

    Signers are split (seeded) into base signers (60%), a pool of recorders (10%) and
    test signers (30%). For each set of "new" labels: a base model learns the other
    labels from the base signers; then handcam's retrain (fine-tune of the base bundle on
    its carried samples plus the new ones, exactly as ``handcam-train REC --init BASE``)
    learns the new labels from N samples per label by ``recorders`` people. Where a
    person has fewer photos of a sign than needed (one per digit in the digits set), the
    rest are burst-like copies of their photos (the same hand with detector jitter, as a
    burst in the app records). Figures: accuracy on the test signers, for the new labels
    and for the old ones (before and after the retrain).
    """
    from handcam.features.preprocess import PreprocessConfig
    from training.data import scan_dataset
    from training.hand_cache import extract_hands
    from training.progress import Progress

    progress = Progress()
    ds = scan_dataset([data], groups)
    hands = extract_hands(ds.samples, PreprocessConfig(), progress).hands
    rng = np.random.default_rng(seed)
    signers = np.array(sorted(set(hands.groups.tolist())))
    rng.shuffle(signers)
    n_base, n_rec = int(0.6 * len(signers)), max(recorders, int(0.1 * len(signers)))
    base_s, rec_s, test_s = np.split(signers, [n_base, n_base + n_rec])
    rows = []
    for feature_set in features:
        for new in new_sets:
            rows += _fewshot_set(
                hands, new, shots, base_s, rec_s, test_s, recorders, feature_set, rng, epochs
            )
    return rows


def _fewshot_set(hands, new, shots, base_s, rec_s, test_s, recorders, features, rng, epochs):
    from handcam.model.trainset import HandSet
    from training.models import get_spec

    is_new = np.isin(hands.labels, new)
    test_rows = np.flatnonzero(np.isin(hands.groups, test_s))
    base_rows = np.flatnonzero(np.isin(hands.groups, base_s) & ~is_new)
    parts = np.array([""] * len(hands), dtype=object)
    parts[test_rows] = "test"
    tagged = hands.with_parts(parts.astype(str))
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        base_dir = Path(tmp) / "base"
        base_hands = tagged.subset(np.concatenate([base_rows, test_rows[~is_new[test_rows]]]))
        train_hands(base_hands, base_dir, None, features, epochs)
        base_acc = hands_accuracy(base_dir, tagged.subset(test_rows[~is_new[test_rows]]))
        for n in shots:
            recorded = _recorded(hands, new, rec_s, recorders, n, rng)
            new_test = tagged.subset(test_rows[is_new[test_rows]])
            bundle = Path(tmp) / f"tuned-{n}"
            t0 = time.perf_counter()
            train_hands(HandSet.concat([recorded, new_test]), bundle, base_dir, features, epochs)
            took = time.perf_counter() - t0
            test = tagged.subset(test_rows)
            acc_new = hands_accuracy(bundle, test.subset(np.isin(test.labels, new)))
            acc_old = hands_accuracy(bundle, test.subset(~np.isin(test.labels, new)))
            row = {
                "features": features,
                "model": get_spec("landmarks").name,
                "new_labels": list(new),
                "shots": n,
                "recorders": recorders,
                "test_signers": len(test_s),
                "new_accuracy": round(acc_new, 4),
                "old_accuracy_before": round(base_acc, 4),
                "old_accuracy_after": round(acc_old, 4),
                "retrain_s": round(took, 1),
            }
            print(json.dumps(row), flush=True)
            out.append(row)
    return out


def _recorded(hands, new, rec_s, recorders, n, rng):
    """N samples of each new label by ``recorders`` people (burst copies where short)."""
    from handcam.model.trainset import HandSet

    parts = []
    for label in new:
        have = np.flatnonzero((hands.labels == label) & np.isin(hands.groups, rec_s))
        people = rng.permutation(sorted(set(hands.groups[have].tolist())))[:recorders]
        rows = have[np.isin(hands.groups[have], people)]
        rows = rng.permutation(rows)
        picked = np.resize(rows, n)  # repeats where a person has too few photos
        hs = hands.subset(picked)
        lms = hs.landmarks.copy()
        repeat = np.arange(n) >= len(rows)
        size = np.ptp(lms[:, :, :2], axis=1).max(axis=1)[:, None, None]
        lms[repeat] += rng.normal(0, 0.01, lms[repeat].shape).astype(np.float32) * size[repeat]
        sessions = np.array([f"rec-{g}" for g in hs.groups])
        parts.append(
            HandSet(lms, hs.world, hs.handedness, hs.labels, sessions, hs.parts, hs.origins)
        )
    out = HandSet.concat(parts)
    return out.with_parts(np.array([""] * len(out)))


def fewshot_table(rows: list[dict]) -> str:
    """Mean over the label sets, one line per feature set and N."""
    lines = [
        "| features | N per new sign | new signs (unseen people) | old signs before | "
        "old signs after | retrain s |",
        "|---|---|---|---|---|---|",
    ]
    keys = sorted({(r["features"], r["shots"]) for r in rows})
    for feat, n in keys:
        sel = [r for r in rows if r["features"] == feat and r["shots"] == n]

        def mean(k, sel=sel):
            return np.mean([r[k] for r in sel])

        lines.append(
            f"| {feat} | {n} | {mean('new_accuracy'):.3f} | {mean('old_accuracy_before'):.3f} | "
            f"{mean('old_accuracy_after'):.3f} | {mean('retrain_s'):.0f} |"
        )
    return "\n".join(lines)


def openset(*args, **kwargs) -> list[dict]:
    from benchmarks.openset_bench import openset as run

    return run(*args, **kwargs)


def compare(*args, **kwargs) -> list[dict]:
    from benchmarks.model_comparison import compare as run

    return run(*args, **kwargs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.retrain")
    sub = p.add_subparsers(dest="which", required=True)
    s = sub.add_parser("personalise", help="time a retrain on N recorded samples per class")
    s.add_argument("--data", type=Path, required=True, help="a folder with one folder per class")
    s.add_argument("--per-class", type=int, default=20)
    s.add_argument("--init", type=Path, help="fine-tune this bundle (default: a new model)")
    f = sub.add_parser("fewshot", help="new signs from N samples of few people, on others")
    f.add_argument("--data", type=Path, required=True)
    f.add_argument("--groups", type=Path, required=True, help="CSV with a signer column")
    f.add_argument("--new", nargs="+", default=["6,7,8", "1,4,9", "0,3,5"])
    f.add_argument("--shots", nargs="+", type=int, default=[5, 10, 20])
    f.add_argument("--recorders", type=int, default=2, help="people who record a new sign")
    f.add_argument("--features", nargs="+", default=None, help="feature sets to compare")
    f.add_argument("--epochs", type=int)
    f.add_argument("--seed", type=int, default=0)
    o = sub.add_parser("openset", help="'not a sign': false accepts of unknown shapes, AUROC")
    src = o.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="photos, one folder per class (with --groups)")
    src.add_argument("--carried", type=Path, help="a bundle whose carried hands to use")
    o.add_argument("--groups", type=Path, help="CSV with a signer column (with --data)")
    o.add_argument("--unknown", nargs="+", default=["7,8,9", "0,1,2", "3,5,6", "4,8,9"])
    which = o.add_mutually_exclusive_group()
    which.add_argument("--features", help="landmark feature set (default: shape, as new models)")
    which.add_argument("--bundle", type=Path, help="use this bundle's feature set")
    o.add_argument("--seed", type=int, default=0)
    c = sub.add_parser("compare", help="train several models on one grouped split")
    c.add_argument("--models", nargs="+", default=["landmarks", "crop_cnn", "fusion"])
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--groups", type=Path)
    c.add_argument("--epochs", type=int)
    c.add_argument("--crop-size", type=int, default=64)
    c.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    if args.which == "compare":
        compare(args.models, args.data, args.groups, args.epochs, args.crop_size, args.out)
        return 0
    if args.which == "openset":
        features = args.features
        if args.bundle is not None:
            from handcam.model.bundle import ModelBundle

            features = ModelBundle.load(args.bundle).preprocess.features
        if args.data is not None and args.groups is None:
            p.error("openset --data needs --groups (a CSV with a signer column)")
        rows = openset(
            args.data,
            args.groups,
            [u.split(",") for u in args.unknown],
            args.seed,
            features,
            args.carried,
        )
        keys = ("known_accuracy_with_gate", "known_passing", "false_accept_rate", "auroc_gate")
        for gate in ("new", "before"):
            mine = [r for r in rows if r["gate"] == gate]
            if mine:
                means = ", ".join(f"{k} {np.mean([r[k] for r in mine]):.4f}" for k in keys)
                print(f"mean ({gate} gate): {means}")
        return 0
    if args.which == "fewshot":
        from training.models import DEFAULT_FEATURES

        rows = fewshot(
            args.data,
            args.groups,
            [s.split(",") for s in args.new],
            args.shots,
            args.recorders,
            args.features or [DEFAULT_FEATURES],
            args.seed,
            args.epochs,
        )
        print(fewshot_table(rows))
        return 0
    result = personalise(args.per_class, args.data, args.init)
    print(json.dumps(result))
    print(
        f"retrain on {result['samples']} recorded samples of {result['labels']} labels: "
        f"{result['retrain_wall_s']} s wall clock (process start to saved bundle, "
        f"{result['epochs_run']} epochs, {result['device']}); held-out accuracy "
        f"{result['held_out_accuracy']} ({result['split']} split)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
