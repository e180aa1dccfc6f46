"""Keras fitting helpers: device choice, tf.data pipelines, callbacks, prediction."""

from __future__ import annotations

import os
import sys

import numpy as np

from handcam.bundle import ModelBundle
from training.features import Features
from training.progress import Progress


def select_device(progress: Progress) -> str:
    """Say where training runs; on a GPU, turn on mixed precision."""
    import keras
    import tensorflow as tf

    from handcam.classifier import tensorflow_device

    device = tensorflow_device()
    if tf.config.list_physical_devices("GPU"):
        keras.mixed_precision.set_global_policy("mixed_float16")
        progress.message(f"training on {device} (mixed precision)")
    else:
        progress.message(f"training on CPU ({os.cpu_count()} cores); no GPU found")
    return device


def model_inputs(features: Features, idx: np.ndarray, names: tuple[str, ...]) -> dict:
    """The named arrays a model consumes for the samples ``idx``."""
    out = {}
    if "landmarks" in names:
        out["landmarks"] = features.landmarks[idx]
    if "crop" in names:
        out["crop"] = features.crops[idx]
    return out


def make_dataset(x: dict, y: np.ndarray, batch: int, train: bool, seed: int, mirror: bool = False):
    """A tf.data pipeline; training batches are shuffled and their landmarks augmented."""
    import tensorflow as tf

    from training.augment import augment_landmarks

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if train:
        ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    ds = ds.batch(batch)

    def prep(inp, label):
        inp = dict(inp)
        if "crop" in inp:
            inp["crop"] = tf.cast(inp["crop"], tf.float32)
        if train and "landmarks" in inp:
            inp["landmarks"] = augment_landmarks(
                inp["landmarks"], mirror_prob=0.5 if mirror else 0.0
            )
        return inp, label

    return ds.map(prep, num_parallel_calls=tf.data.AUTOTUNE).prefetch(2)


def _progress_callback(progress: Progress, total_epochs: int, phase: str):
    import keras

    class EpochProgress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs = {k: round(float(v), 5) for k, v in (logs or {}).items()}
            progress.event("epoch", phase=phase, epoch=epoch + 1, epochs=total_epochs, **logs)
            text = " ".join(f"{k} {v:.4f}" for k, v in logs.items() if k != "learning_rate")
            print(f"[{phase}] epoch {epoch + 1}/{total_epochs} {text}", file=sys.stderr, flush=True)

    return EpochProgress()


def fit(
    model,
    train_ds,
    val_ds,
    epochs: int,
    lr: float,
    patience: int,
    weights: dict[int, float],
    progress: Progress,
    phase: str,
    checkpoint,
) -> dict:
    """Compile and fit with early stopping, LR schedule and best-model checkpoint."""
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=patience, restore_best_weights=True
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=max(2, patience // 3), min_lr=1e-6
        ),
        keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_loss", save_best_only=True),
        _progress_callback(progress, epochs, phase),
    ]
    hist = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=epochs,
        verbose=0,
        class_weight=weights,
        callbacks=callbacks,
    )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def predict(model, x: dict, batch: int = 256) -> np.ndarray:
    """Class probabilities for all rows of ``x`` (calls the model, never .predict)."""
    n = len(next(iter(x.values())))
    out = []
    for i in range(0, n, batch):
        part = {k: v[i : i + batch].astype(np.float32) for k, v in x.items()}
        out.append(np.asarray(model(part, training=False)))
    return np.concatenate(out) if out else np.zeros((0, 0))


def init_model(init: ModelBundle, labels: list[str]):
    """The init bundle's model, with a new output layer when the labels differ.

    Rows of the old output layer are copied for labels the two share.
    """
    import keras

    old = keras.models.load_model(init.model_path, compile=False, safe_mode=True)
    if list(init.labels) == labels:
        return old
    head = old.layers[-1]
    body = keras.Model(old.inputs, head.input)
    out = keras.layers.Dense(
        len(labels), activation="softmax", dtype="float32", name="probs_personal"
    )(body.output)
    model = keras.Model(old.inputs, out, name=old.name)
    kernel, bias = head.get_weights()
    new_k, new_b = model.layers[-1].get_weights()
    for j, label in enumerate(labels):
        if label in init.labels:
            i = init.labels.index(label)
            new_k[:, j], new_b[j] = kernel[:, i], bias[i]
    model.layers[-1].set_weights([new_k, new_b])
    return model
