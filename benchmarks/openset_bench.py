"""The "not a sign" gate on hand shapes a model never learnt (``python -m benchmarks.retrain
openset``)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.from_hands import train_hands


def openset(
    data: Path | None,
    groups: Path | None,
    unknown_sets: list[list[str]],
    seed: int = 0,
    features=None,
    carried: Path | None = None,
) -> list[dict]:
    """The "not a sign" gate on hand shapes the model never learnt.

    Signers are split (seeded) 70/30. For each set of "unknown" labels, handcam's training
    learns the other labels from the first 70% of signers (grouped validation inside them);
    on the other 30%: the known labels' accuracy with the gate (a known sign the gate
    rejects counts as wrong), the share of known signs the gate lets pass, the false-accept
    rate (unknown shapes the gate lets through as a sign) at the app's operating threshold
    (the old gate: ``handcam.model.legacy_gate.LIVE_MARGIN`` times the calibrated one; the
    figures at 1x-2x the calibrated threshold too), and AUROC of the gate's distance and,
    for comparison, of the classifier's top probability. ``features``: the landmark feature
    set the models are trained on and the gate reads (default: that of new models, "shape").
    ``carried``: take the hands from this bundle's carried set instead of detecting them in
    ``data``'s photos. Each row is measured for the bundle's own gate ("new": the gate of
    training.gate_fit, at its threshold) and for the Mahalanobis gate as fitted before
    ("before": calibrated on the run's validation people, live at 1.5 times that; fitted
    by ``benchmarks.gate_bench.legacy_gate``, for this comparison only).
    """
    from benchmarks.gate_bench import legacy_gate
    from handcam.features.preprocess import PreprocessConfig, feature_size
    from handcam.model.bundle import ModelBundle
    from handcam.model.gate import load_gate
    from handcam.model.trainset import load_bundle_handset
    from training.data import scan_dataset
    from training.hand_cache import extract_hands
    from training.models import DEFAULT_FEATURES
    from training.progress import Progress

    features = features or DEFAULT_FEATURES
    if carried is not None:
        hands = load_bundle_handset(carried)
    else:
        ds = scan_dataset([data], groups)
        hands = extract_hands(ds.samples, PreprocessConfig(), Progress()).hands
    rng = np.random.default_rng(seed)
    signers = np.array(sorted(set(hands.groups.tolist())))
    rng.shuffle(signers)
    test_s = signers[int(0.7 * len(signers)) :]
    rows = []
    for unknown in unknown_sets:
        known_rows = ~np.isin(hands.labels, unknown)
        is_test = np.isin(hands.groups, test_s)
        parts = np.where(is_test, "test", "")
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "known"
            tagged = hands.with_parts(parts).subset(np.flatnonzero(known_rows))
            train_hands(tagged, out, None, features, None)
            bundle = ModelBundle.load(out)
            new = load_gate(out, feature_size(bundle.preprocess.features))
            probs, x = _probs(out, hands.subset(np.flatnonzero(is_test)))
            own = load_bundle_handset(out)  # the run's own parts: who was validation
            trained = own.subset(np.flatnonzero(own.parts != "test"))
            old, _ = legacy_gate(trained, list(bundle.labels), bundle.preprocess, seed)
        test = hands.subset(np.flatnonzero(is_test))
        unk = np.isin(test.labels, unknown)
        y = np.array(
            [bundle.labels.index(lab) if lab in bundle.labels else -1 for lab in test.labels]
        )
        for name, gate in (("new", new), ("before", old)):
            if gate is not None:
                rows.append(_row(name, gate, x, probs, y, unk, test, unknown, features, test_s))
    return rows


def auroc(known_scores: np.ndarray, unknown_scores: np.ndarray) -> float:
    """Area under the ROC curve for telling unknown (higher score) from known."""
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.zeros(len(known_scores)), np.ones(len(unknown_scores))]
    return float(roc_auc_score(y, np.r_[known_scores, unknown_scores]))


def _row(name, gate, x, probs, y, unk, test, unknown, features, test_s) -> dict:
    dist = gate.scores(x, probs)
    passed = dist <= gate.operating_threshold  # where the app's sign-ness is 0.5
    right = (probs.argmax(1) == y) & passed
    row = {
        "gate": name,
        "features": features,
        "unknown_labels": list(unknown),
        "test_signers": len(test_s),
        "known_accuracy_with_gate": round(float(right[~unk].mean()), 4),
        "known_accuracy_without_gate": round(float((probs.argmax(1) == y)[~unk].mean()), 4),
        "known_passing": round(float(passed[~unk].mean()), 4),
        "false_accept_rate": round(float(passed[unk].mean()), 4),
        "false_accept_by_label": {
            lab: round(float(passed[unk & (test.labels == lab)].mean()), 4) for lab in unknown
        },
        "auroc_gate": round(auroc(dist[~unk], dist[unk]), 4),
        "calibrated_threshold": {  # known passing / false accepts at x times it
            str(m): [
                round(float((dist[~unk] <= m * gate.threshold).mean()), 4),
                round(float((dist[unk] <= m * gate.threshold).mean()), 4),
            ]
            for m in (1.0, 1.25, 1.5, 2.0)
        },
        "auroc_top_probability": round(auroc(-probs.max(1)[~unk], -probs.max(1)[unk]), 4),
        "threshold": round(gate.threshold, 2),
        "operating_threshold": round(gate.operating_threshold, 2),
    }
    print(json.dumps(row), flush=True)
    return row


def _probs(bundle_dir: Path, hands) -> tuple[np.ndarray, np.ndarray]:
    import keras

    from handcam.features.preprocess import landmark_features
    from handcam.model.bundle import ModelBundle

    bundle = ModelBundle.load(bundle_dir)
    model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    x = landmark_features(hands.landmarks, hands.world, hands.handedness, bundle.preprocess)
    return np.asarray(model({"landmarks": x}, training=False)), x
