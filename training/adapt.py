"""Adapting a bundle to one person's few samples, in seconds (``handcam-train REC --init
BUNDLE --adapt``): a calibration, not a retraining.

The init model is loaded once, whole (an averaged model keeps all its members); every
layer but the members' output layers stays as it is, so what the model learned of hand
shapes from many people is kept. The output layers train for a few epochs on the new
samples, each repeated, beside a fresh random share of the carried training set every
epoch (so the model's other people are not forgotten), all with the landmark
augmentation. New labels get new output rows, as in a fine-tune.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.augment import augment_hands, landmark_augment
from training.config import Run, TrainingError


@dataclass(frozen=True)
class AdaptSettings:
    """Chosen on a person held out of the letters model (P8, 2 photos a letter; the other
    tune person P4 checked for losses): repeating each new sample 20 times an epoch beside a
    quarter of the carried set lifted P8 as much (98%) but cost P4 1.6 points; 3 times
    beside all of it cost P4 0.4 (see the README's letters card)."""

    epochs: int = 15
    repeat: int = 3  # each new sample this many times an epoch
    carried_share: float = 1.0  # of the carried rows, drawn afresh each epoch
    lr: float = 3e-4
    batch: int = 64


def adapt(run: Run, new: np.ndarray, carried: np.ndarray, settings: AdaptSettings | None = None):
    """The init model with its output layers trained on rows ``new`` (repeated) and a share
    of rows ``carried``; returns (model, history)."""
    import keras

    from training.fit import _progress_callback, with_labels  # epoch lines as any training
    from training.fused import graph_epoch
    from training.models import ensemble, ensemble_members

    s = settings or AdaptSettings()
    if run.init is None or run.spec.inputs != ("landmarks",):
        raise TrainingError("--adapt adapts a landmark model: give it --init BUNDLE")
    if not len(new):
        raise TrainingError("--adapt: no new samples to adapt to")
    loaded = keras.models.load_model(run.init.model_path, compile=False, safe_mode=True)
    old = list(run.init.labels)
    members = [with_labels(m, old, run.labels) for m in ensemble_members(loaded)]
    model = ensemble(members, name=loaded.name)
    heads = [m.layers[-1] for m in members]
    for layer in _all_layers(model):
        layer.trainable = False
    model.trainable = True
    for head in heads:
        head.trainable = True
    take = min(len(carried), max(1, int(round(len(carried) * s.carried_share))))
    model.compile(
        optimizer=keras.optimizers.Adam(s.lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=graph_epoch(len(new) * s.repeat + take, s.batch),  # rows an epoch
    )
    rng = np.random.default_rng(run.cfg.seed)
    augment = landmark_augment(run.cfg, run.spec)
    callback = _progress_callback(run.progress, s.epochs, "adapt")
    callback.set_model(model)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    for epoch in range(s.epochs):
        rows = np.concatenate(
            [np.repeat(new, s.repeat), rng.choice(carried, take, replace=False) if take else []]
        ).astype(int)
        hands = run.data.hands.subset(rows)
        lms, world, handed = augment_hands(
            hands.landmarks, hands.world, hands.handedness, rng, augment
        )
        x = run.data.arrays(type(hands)(lms, world, handed, hands.labels, hands.groups,
                                        hands.parts, hands.origins))  # fmt: skip
        lr = s.lr * 0.5 * (1 + math.cos(math.pi * epoch / s.epochs))
        model.optimizer.learning_rate.assign(lr)
        h = model.fit(x, run.y[rows], batch_size=s.batch, epochs=1, verbose=0, shuffle=True)
        for k in history:
            history[k].append(float(h.history[k][0]))
        callback.on_epoch_end(epoch, {k: v[-1] for k, v in history.items()})
    for layer in _all_layers(model):
        layer.trainable = True
    return model, history


def _all_layers(model) -> list:
    out = []
    for layer in model.layers:
        out.append(layer)
        if hasattr(layer, "layers"):
            out += _all_layers(layer)
    return out
