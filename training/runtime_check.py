"""Do a bundle's classifier runtimes agree? Keras against each TFLite export.

    python -m training.runtime_check BUNDLE --data DIR [--groups CSV] [--all]

Runs every runtime on the same landmarks (hands found once, through the training
feature cache) of the bundle's own test split (``--all``: every image), and prints
per runtime the accuracy, the labels that differ from Keras, the largest probability
difference, and the time per hand.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def compare_runtimes(
    bundle_path: Path, data: Path, groups: Path | None, whole: bool = False, limit: int = 0
) -> dict:
    from handcam.bundle import ModelBundle
    from handcam.classifier import TFLITE_FILES, KerasClassifier, TFLiteClassifier
    from handcam.preprocess import HandFeatures
    from training.data import scan_dataset
    from training.features import extract_features
    from training.splits import split_indices

    bundle = ModelBundle.load(bundle_path)
    ds = scan_dataset([data], groups)
    samples = ds.samples
    if not whole:
        t = bundle.training
        y = np.array([bundle.labels.index(s.label) for s in samples])
        g = [s.group for s in samples]
        g = np.array(g) if all(x is not None for x in g) else None
        _, _, test = split_indices(
            y, g, t.get("val_fraction", 0.15), t.get("test_fraction", 0.15), t.get("seed", 0)
        )
        samples = [samples[i] for i in test]
    if limit:
        samples = samples[:limit]
    feats = extract_features(samples, bundle.preprocess)
    ok = np.flatnonzero(feats.ok)
    features = [HandFeatures(feats.landmarks[i], feats.crops[i]) for i in ok]
    truth = np.array([bundle.labels.index(samples[i].label) for i in ok])
    runtimes = {"keras": KerasClassifier(bundle)}
    for name in TFLITE_FILES:
        if (bundle.path / name).is_file():
            runtimes[name] = TFLiteClassifier(bundle, bundle.path / name)
    probs, ms = {}, {}
    for name, clf in runtimes.items():
        t0 = time.perf_counter()
        probs[name] = np.stack([clf.predict(f) for f in features])
        ms[name] = (time.perf_counter() - t0) * 1e3 / max(len(features), 1)
    ref = probs["keras"].argmax(1)
    return {
        "bundle": str(bundle_path),
        "images": "all" if whole else "test split",
        "hands": len(features),
        "runtimes": {
            name: {
                "accuracy": round(float((p.argmax(1) == truth).mean()), 4),
                "labels_differing_from_keras": int((p.argmax(1) != ref).sum()),
                "max_prob_difference": round(float(np.abs(p - probs["keras"]).max()), 5),
                "ms_per_hand": round(ms[name], 4),
            }
            for name, p in probs.items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.runtime_check")
    p.add_argument("bundle", type=Path)
    p.add_argument("--data", type=Path, required=True, help="the dataset the bundle was made on")
    p.add_argument("--groups", type=Path, help="signer CSV (default: DATA/signers.csv if there)")
    p.add_argument("--all", action="store_true", help="every image, not only the test split")
    args = p.parse_args(argv)
    groups = args.groups or (args.data / "signers.csv")
    report = compare_runtimes(
        args.bundle, args.data, groups if groups.is_file() else None, args.all
    )
    print(f"{report['bundle']}: {report['hands']} hands ({report['images']})")
    for name, r in report["runtimes"].items():
        print(
            f"  {name:<20} accuracy {r['accuracy']:.4f}  labels differing from keras "
            f"{r['labels_differing_from_keras']}  max prob difference {r['max_prob_difference']}"
            f"  {r['ms_per_hand']:.3f} ms/hand"
        )
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
