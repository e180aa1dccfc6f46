"""Keras fitting helpers: device choice, augmented batches, callbacks, prediction."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np

from handcam.features.preprocess import PreprocessConfig, landmark_features
from handcam.model.bundle import ModelBundle
from handcam.model.trainset import HandSet
from training import cancel
from training.augment import LandmarkAugment, augment_hands
from training.backend import select_device, to_numpy
from training.progress import Progress

__all__ = ["ModelData", "fit", "init_model", "predict", "select_device", "training_batches"]


@dataclass(frozen=True, eq=False)
class ModelData:
    """What a model consumes for some rows: their hands and, for crop models, crops."""

    hands: HandSet
    crops: np.ndarray | None  # (N, S, S, 3) uint8, aligned with hands
    preprocess: PreprocessConfig
    inputs: tuple[str, ...]

    def subset(self, rows: np.ndarray) -> ModelData:
        crops = None if self.crops is None else self.crops[rows]
        return ModelData(self.hands.subset(rows), crops, self.preprocess, self.inputs)

    def arrays(self, hands: HandSet | None = None) -> dict[str, np.ndarray]:
        """Model inputs by name (``hands`` replaces the landmarks, e.g. augmented ones)."""
        h = hands or self.hands
        out = {}
        if "landmarks" in self.inputs:
            out["landmarks"] = landmark_features(
                h.landmarks, h.world, h.handedness, self.preprocess
            )
        if "crop" in self.inputs:
            out["crop"] = self.crops  # uint8: a quarter of the bytes to copy; cast in the model
        return out


def training_batches(
    data: ModelData,
    y: np.ndarray,
    weights: dict[int, float],
    batch: int,
    seed: int,
    augment: LandmarkAugment | None,
):
    """A Keras PyDataset: shuffled batches with sample weights; the landmarks are
    augmented afresh every epoch (cheap: numpy on a few thousand hands). Every batch
    has ``batch`` rows (the last one is topped up from the start of the epoch's order),
    so a compiled training step never compiles again for a smaller last batch."""
    import keras

    class Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.rng = np.random.default_rng(seed)
            self.w = np.array([weights.get(int(c), 1.0) for c in y], np.float32)
            self.on_epoch_end()

        def __len__(self) -> int:
            return max(1, math.ceil(len(y) / batch))

        def on_epoch_end(self) -> None:
            self.order = self.rng.permutation(len(y))
            hands = data.hands
            if augment is not None and "landmarks" in data.inputs:
                lms, world, handed = augment_hands(
                    hands.landmarks, hands.world, hands.handedness, self.rng, augment
                )
                hands = HandSet(
                    lms, world, handed, hands.labels, hands.groups, hands.parts, hands.origins
                )
            self.x = data.arrays(hands)

        def __getitem__(self, i: int):
            rows = self.order[i * batch : (i + 1) * batch]
            if 0 < len(rows) < batch <= len(y):  # one batch shape: top up from the start
                rows = np.concatenate([rows, self.order[: batch - len(rows)]])
            return {k: v[rows] for k, v in self.x.items()}, y[rows], self.w[rows]

    return Batches()


def _progress_callback(progress: Progress, total_epochs: int, phase: str):
    import keras

    class EpochProgress(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            cancel.check()  # a Ctrl-C that a library swallowed stops the run here

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: round(float(v), 5) for k, v in (logs or {}).items()}
            progress.event("epoch", phase=phase, epoch=epoch + 1, epochs=total_epochs, **logs)
            text = " ".join(f"{k} {v:.4f}" for k, v in logs.items() if k != "learning_rate")
            print(f"[{phase}] epoch {epoch + 1}/{total_epochs} {text}", file=sys.stderr, flush=True)

    return EpochProgress()


def fit(
    model,
    train_batches,
    validation: tuple[dict, np.ndarray] | None,
    epochs: int,
    lr: float,
    patience: int | None,
    progress: Progress,
    phase: str,
    gpu: bool = False,
    extra_callbacks: list | None = None,
) -> dict:
    """Compile and fit. With ``patience``, early stopping and a learning-rate schedule on
    the validation loss (best weights restored); without, a fixed budget of ``epochs``.
    ``gpu``: group many steps into one call to the device (:mod:`training.fused`)."""
    import keras

    from training import fused

    steps = fused.steps_per_call(train_batches, gpu)
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps,
    )
    fused.install(model, steps)
    callbacks = [_progress_callback(progress, epochs, phase), *(extra_callbacks or [])]
    if patience is not None and validation is not None:
        callbacks += [
            keras.callbacks.EarlyStopping(
                monitor="val_loss", patience=patience, restore_best_weights=True
            ),
            keras.callbacks.ReduceLROnPlateau(
                monitor="val_loss", factor=0.5, patience=max(2, patience // 3), min_lr=1e-6
            ),
        ]
    else:
        callbacks.append(keras.callbacks.LearningRateScheduler(_cosine(lr, epochs)))
    hist = model.fit(
        train_batches,
        validation_data=validation,
        validation_batch_size=_eval_batch(validation[0]) if validation else None,
        epochs=epochs,
        verbose=0,
        callbacks=callbacks,
    )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def _eval_batch(x: dict) -> int:
    """Rows per evaluation call: landmark sets in one call (one compile), crops 128."""
    n = len(next(iter(x.values())))
    return max(1, min(n, 128 if "crop" in x else 4096))


def _cosine(lr: float, epochs: int):
    def schedule(epoch: int, _current: float) -> float:
        return float(lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * epoch / max(epochs, 1)))))

    return schedule


def predict(model, x: dict, batch: int | None = None) -> np.ndarray:
    """Class probabilities for all rows of ``x``. TensorFlow calls the model eagerly;
    the other backends run a compiled prediction step, every call padded to ``batch``
    rows so that it compiles once. Never ``.predict`` (its set-up costs more than the
    few calls here)."""
    import keras

    n = len(next(iter(x.values())))
    batch = batch or _eval_batch(x)
    eager = keras.config.backend() == "tensorflow"
    out = []
    for i in range(0, n, batch):
        part = {k: v[i : i + batch] for k, v in x.items()}
        rows = len(next(iter(part.values())))
        if eager:
            probs = model(part, training=False)
        else:
            if rows < batch and n > batch:  # pad: the compiled step keeps one shape
                part = {
                    k: np.concatenate([v, np.repeat(v[-1:], batch - rows, 0)])
                    for k, v in part.items()
                }
            probs = model.predict_on_batch(part)
        out.append(np.asarray(to_numpy(probs), dtype=np.float32)[:rows])
    return np.concatenate(out) if out else np.zeros((0, 0))


def init_model(init: ModelBundle, labels: list[str], member: int = 0):
    """The init bundle's model (for an ensemble: its member ``member``, counted round),
    with a new output layer when the labels differ (:func:`with_labels`)."""
    import keras

    from training.models import ensemble_members

    old = keras.models.load_model(init.model_path, compile=False, safe_mode=True)
    members = ensemble_members(old)
    return with_labels(members[member % len(members)], list(init.labels), labels)


def with_labels(member, old: list[str], labels: list[str]):
    """``member`` with an output layer for ``labels``: rows of the labels it had are
    copied, labels it lacks get new ones."""
    import keras

    if old == labels:
        return member
    head = member.layers[-1]
    body = keras.Model(member.input, head.input)  # keeps the inputs' structure (a dict)
    out = keras.layers.Dense(
        len(labels), activation="softmax", dtype="float32", name="probs_personal"
    )(body.output)
    model = keras.Model(member.input, out, name=member.name)
    kernel, bias = head.get_weights()
    new_k, new_b = model.layers[-1].get_weights()
    for j, label in enumerate(labels):
        if label in old:
            i = old.index(label)
            new_k[:, j], new_b[j] = kernel[:, i], bias[i]
    model.layers[-1].set_weights([new_k, new_b])
    return model
