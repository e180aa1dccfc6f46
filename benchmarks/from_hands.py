"""Train and score a bundle straight from labelled hands (no photos): the benchmarks'
shared steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def train_hands(hands, out: Path, init: Path | None, features: str, epochs: int | None):
    from handcam.features.preprocess import PreprocessConfig
    from handcam.model.bundle import ModelBundle
    from training.fit import ModelData
    from training.models import get_spec
    from training.progress import Progress
    from training.train import TrainConfig, train_on

    init_b = ModelBundle.load(init) if init else None
    pre = init_b.preprocess if init_b else PreprocessConfig(features=features)
    spec = get_spec("landmarks")
    cfg = TrainConfig(
        data_dirs=[], out=str(out), init=str(init) if init else None, epochs=epochs,
        export=False, features=features,
    )  # fmt: skip
    data = ModelData(hands, None, pre, spec.inputs)
    if init_b is not None:
        from handcam.model.trainset import HandSet, load_bundle_handset

        data = ModelData(HandSet.concat([hands, load_bundle_handset(init)]), None, pre, spec.inputs)
    train_on(cfg, data, {}, init_b, spec, Progress())


def hands_accuracy(bundle_dir: Path, hands) -> float:
    """Accuracy of a bundle on hands (the classifier runtime the app uses)."""
    import keras

    from handcam.features.preprocess import landmark_features
    from handcam.model.bundle import ModelBundle

    bundle = ModelBundle.load(bundle_dir)
    model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    x = landmark_features(hands.landmarks, hands.world, hands.handedness, bundle.preprocess)
    pred = np.asarray(model({"landmarks": x}, training=False)).argmax(1)
    y = np.array([bundle.labels.index(lab) for lab in hands.labels])
    return float(np.mean(pred == y)) if len(y) else float("nan")
