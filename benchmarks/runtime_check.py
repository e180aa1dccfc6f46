"""Do a bundle's classifier runtimes agree? Keras against each TFLite export.

    python -m benchmarks.runtime_check BUNDLE [--all]

Runs every runtime on the hands of the test part of the training set the bundle
carries (``--all``: every carried hand); no photos needed. Prints per runtime the
accuracy, the labels that differ from Keras, the largest probability difference,
and the time per hand.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def compare_runtimes(bundle_path: Path, whole: bool = False, limit: int = 0) -> dict:
    from handcam.features.preprocess import HandFeatures, landmark_features
    from handcam.model.bundle import ModelBundle
    from handcam.model.classifier import TFLITE_FILES, KerasClassifier, TFLiteClassifier
    from handcam.model.trainset import load_bundle_handset

    bundle = ModelBundle.load(bundle_path)
    if "crop" in bundle.inputs:
        raise SystemExit(f"{bundle_path}: an image model; this check covers landmark models")
    carried = load_bundle_handset(bundle_path)
    if carried is None:
        raise SystemExit(f"{bundle_path}: carries no training set to check on")
    if not whole:
        carried = carried.subset(np.flatnonzero(carried.parts == "test"))
    if limit:
        carried = carried.subset(np.arange(min(limit, len(carried.labels))))
    if not len(carried.labels):
        raise SystemExit(f"{bundle_path}: no carried hands to check on")
    vectors = landmark_features(
        carried.landmarks, carried.world, carried.handedness, bundle.preprocess
    )
    features = [HandFeatures(v, None) for v in vectors]
    truth = np.array([bundle.labels.index(label) for label in carried.labels])
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
        "images": "all carried" if whole else "carried test part",
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
    p = argparse.ArgumentParser(prog="python -m benchmarks.runtime_check")
    p.add_argument("bundle", type=Path)
    p.add_argument("--all", action="store_true", help="every carried hand, not only the test")
    args = p.parse_args(argv)
    report = compare_runtimes(args.bundle, args.all)
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
