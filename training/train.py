"""Train a model bundle from labelled folders: split, fit, evaluate, export, save atomically."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from handcam.bundle import REPORT_FILE, ModelBundle, write_bundle_metadata
from handcam.errors import HandcamError
from handcam.preprocess import PreprocessConfig
from training import evaluate
from training.data import DatasetError, scan_dataset
from training.features import Features, extract_features
from training.models import DEFAULT_MODEL, build_model, get_spec
from training.progress import Progress
from training.splits import class_weights, kfold_indices, split_indices

log = logging.getLogger(__name__)
DEFAULT_EPOCHS = {
    "landmarks": 200,
    "crop_cnn": 40,
    "fusion": 60,
    "mobilenetv3": 20,
    "efficientnetb0": 20,
}


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in the bundle's config.json."""

    data_dirs: list[str]
    out: str
    model: str = DEFAULT_MODEL
    init: str | None = None
    groups: str | None = None
    epochs: int | None = None
    batch_size: int = 32
    learning_rate: float | None = None
    seed: int = 0
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    folds: int = 0
    weights: str = "imagenet"
    crop_size: int = 96
    mirror_augment: bool = True
    patience: int | None = None
    export: bool = True
    overwrite: bool = False
    command: str = field(default_factory=lambda: " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))


class TrainingError(HandcamError):
    """Training could not run or finish; the message says why."""


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


def _inputs(features: Features, idx: np.ndarray, names: tuple[str, ...]) -> dict:
    out = {}
    if "landmarks" in names:
        out["landmarks"] = features.landmarks[idx]
    if "crop" in names:
        out["crop"] = features.crops[idx]
    return out


def _dataset(x: dict, y: np.ndarray, batch: int, train: bool, seed: int, mirror: bool = False):
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


class _ProgressCallback:
    """Keras callback factory streaming epoch figures to Progress."""

    @staticmethod
    def make(progress: Progress, total_epochs: int, phase: str):
        import keras

        class CB(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                logs = {k: round(float(v), 5) for k, v in (logs or {}).items()}
                progress.event("epoch", phase=phase, epoch=epoch + 1, epochs=total_epochs, **logs)
                text = " ".join(f"{k} {v:.4f}" for k, v in logs.items() if k != "learning_rate")
                print(
                    f"[{phase}] epoch {epoch + 1}/{total_epochs} {text}",
                    file=sys.stderr,
                    flush=True,
                )

        return CB()


def _fit(model, train_ds, val_ds, epochs, lr, patience, weights, progress, phase, ckpt: Path):
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
        keras.callbacks.ModelCheckpoint(str(ckpt), monitor="val_loss", save_best_only=True),
        _ProgressCallback.make(progress, epochs, phase),
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


def _predict(model, x: dict, batch: int = 256) -> np.ndarray:
    n = len(next(iter(x.values())))
    out = []
    for i in range(0, n, batch):
        part = {k: v[i : i + batch].astype(np.float32) for k, v in x.items()}
        out.append(np.asarray(model(part, training=False)))
    return np.concatenate(out) if out else np.zeros((0, 0))


def _init_model(init: ModelBundle, labels: list[str]):
    """The init bundle's model, with a new output layer when the labels differ."""
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


def train(cfg: TrainConfig, progress: Progress | None = None) -> dict:
    """Run one training; write the bundle to ``cfg.out`` atomically; return the report."""
    progress = progress or Progress()
    started = time.time()
    out = Path(cfg.out).expanduser().resolve()
    if out.exists() and not cfg.overwrite:
        raise TrainingError(f"{out} already exists; choose another --out (or --overwrite)")
    init = ModelBundle.load(cfg.init) if cfg.init else None
    model_name = init.model_name if init else cfg.model
    spec = get_spec(model_name)
    preprocess = init.preprocess if init else PreprocessConfig(crop_size=cfg.crop_size)

    dataset = scan_dataset(
        [Path(d) for d in cfg.data_dirs], Path(cfg.groups) if cfg.groups else None
    )
    progress.message(f"{len(dataset.samples)} images in {len(dataset.labels)} classes")
    feats = extract_features(dataset.samples, preprocess, progress)
    data_report = _data_report(dataset, feats, progress)

    labels = list(init.labels) if init else []
    labels += [lab for lab in dataset.labels if lab not in labels]
    usable = feats.ok
    y_all = np.array([labels.index(s.label) for s in dataset.samples])
    empty = [lab for lab in dataset.labels if not np.any(usable & (y_all == labels.index(lab)))]
    if empty:
        raise DatasetError(f"no usable image (readable, with a hand found) for: {empty}")
    present = sorted(set(y_all[usable].tolist()))
    if len(present) < 2:
        raise DatasetError(
            "fewer than two classes have usable images (a hand was found); nothing to learn from"
        )
    idx_ok = np.flatnonzero(usable)
    y = y_all[idx_ok]
    groups = [dataset.samples[i].group for i in idx_ok]
    groups_arr = np.array(groups) if all(g is not None for g in groups) else None

    import keras

    keras.utils.set_random_seed(cfg.seed)
    device = select_device(progress)
    epochs = cfg.epochs or (60 if init else DEFAULT_EPOCHS[model_name])
    patience = cfg.patience or (25 if spec.inputs == ("landmarks",) else 8)
    lr = cfg.learning_rate or (3e-4 if init else 1e-3)
    tr, va, te = split_indices(y, groups_arr, cfg.val_fraction, cfg.test_fraction, cfg.seed)
    if len(va) == 0:
        progress.message("too few samples for a held-out split: validating on training data")
        va = tr
    split_info = {
        "grouped": groups_arr is not None,
        "train": int(len(tr)),
        "validation": int(len(va)),
        "test": int(len(te)),
    }
    if groups_arr is not None:
        split_info["groups"] = {
            k: int(len(set(groups_arr[i].tolist())))
            for k, i in (("train", tr), ("validation", va), ("test", te))
        }
    progress.message(
        f"split ({'by group' if groups_arr is not None else 'by image'}): "
        f"{len(tr)} train, {len(va)} validation, {len(te)} test"
    )

    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        cv = (
            _cross_validate(
                cfg,
                spec,
                feats,
                idx_ok,
                y,
                groups_arr,
                labels,
                preprocess,
                epochs,
                patience,
                lr,
                progress,
                work,
            )
            if cfg.folds > 1
            else None
        )
        model, history = _train_one(
            cfg,
            spec,
            init,
            feats,
            idx_ok,
            y,
            tr,
            va,
            labels,
            preprocess,
            epochs,
            patience,
            lr,
            progress,
            "train",
            work,
        )
        report = _evaluate_and_save(
            cfg,
            spec,
            model,
            history,
            feats,
            idx_ok,
            y,
            tr,
            va,
            te,
            labels,
            preprocess,
            progress,
            work,
            data_report,
            split_info,
            device,
            started,
            cv,
            out,
        )
        _commit(work, out, cfg.overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress.message(evaluate.summary_text(report))
    progress.event("done", bundle=str(out), report=report["evaluation"])
    return report


def _train_one(
    cfg,
    spec,
    init,
    feats,
    idx_ok,
    y,
    tr,
    va,
    labels,
    preprocess,
    epochs,
    patience,
    lr,
    progress,
    phase,
    work: Path,
):
    names = spec.inputs
    x_tr, x_va = _inputs(feats, idx_ok[tr], names), _inputs(feats, idx_ok[va], names)
    train_ds = _dataset(x_tr, y[tr], cfg.batch_size, True, cfg.seed, cfg.mirror_augment)
    val_ds = _dataset(x_va, y[va], cfg.batch_size, False, cfg.seed)
    weights = class_weights(y[tr], len(labels))
    ckpt = work / f"checkpoint-{phase}.keras"
    if init is not None:
        model, backbone = _init_model(init, labels), None
    else:
        try:
            model, backbone = build_model(spec.name, len(labels), preprocess.crop_size, cfg.weights)
        except HandcamError:
            raise
    history: dict[str, list[float]] = {}
    if backbone is not None:  # freeze, then fine-tune the top of the backbone
        backbone.trainable = False
        head_epochs = max(1, epochs // 2)
        history = _fit(
            model,
            train_ds,
            val_ds,
            head_epochs,
            lr,
            patience,
            weights,
            progress,
            f"{phase}:head",
            ckpt,
        )
        backbone.trainable = True
        for layer in backbone.layers[: int(len(backbone.layers) * 0.7)]:
            layer.trainable = False
        for layer in backbone.layers:
            if "BatchNormalization" in type(layer).__name__:
                layer.trainable = False
        more = _fit(
            model,
            train_ds,
            val_ds,
            max(1, epochs - head_epochs),
            lr / 10,
            patience,
            weights,
            progress,
            f"{phase}:fine-tune",
            ckpt,
        )
        history = {k: history.get(k, []) + more.get(k, []) for k in set(history) | set(more)}
    else:
        history = _fit(
            model, train_ds, val_ds, epochs, lr, patience, weights, progress, phase, ckpt
        )
    ckpt.unlink(missing_ok=True)
    return model, history


def _cross_validate(
    cfg, spec, feats, idx_ok, y, groups, labels, preprocess, epochs, patience, lr, progress, work
) -> dict:
    accs = []
    init = ModelBundle.load(cfg.init) if cfg.init else None
    for k, (tr, va) in enumerate(kfold_indices(y, groups, cfg.folds, cfg.seed)):
        progress.message(f"fold {k + 1}/{cfg.folds}: {len(tr)} train, {len(va)} validation")
        model, _ = _train_one(
            cfg,
            spec,
            init,
            feats,
            idx_ok,
            y,
            tr,
            va,
            labels,
            preprocess,
            epochs,
            patience,
            lr,
            progress,
            f"fold {k + 1}",
            work,
        )
        pred = _predict(model, _inputs(feats, idx_ok[va], spec.inputs)).argmax(1)
        accs.append(float(np.mean(pred == y[va])))
        progress.message(f"fold {k + 1}: accuracy {accs[-1]:.4f}")
    return {
        "folds": cfg.folds,
        "grouped": groups is not None,
        "accuracies": [round(a, 4) for a in accs],
        "mean_accuracy": round(float(np.mean(accs)), 4),
        "std_accuracy": round(float(np.std(accs)), 4),
    }


def _data_report(dataset, feats: Features, progress: Progress) -> dict:
    counts = dataset.counts()
    no_hand = [
        str(s.path) for s, st in zip(dataset.samples, feats.status, strict=True) if st == "no_hand"
    ]
    unreadable = [
        str(s.path)
        for s, st in zip(dataset.samples, feats.status, strict=True)
        if st == "unreadable"
    ]
    nonzero = [c for c in counts.values() if c]
    imbalance = round(max(nonzero) / min(nonzero), 2) if nonzero else None
    progress.message("per class: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    progress.message(f"imbalance (largest/smallest class): {imbalance}")
    if unreadable:
        progress.message(f"warning: skipped {len(unreadable)} unreadable file(s)")
    if no_hand:
        progress.message(f"no hand found in {len(no_hand)} image(s): e.g. {no_hand[:3]}")
    return {
        "roots": [str(r) for r in dataset.roots],
        "images": len(dataset.samples),
        "per_class": counts,
        "imbalance": imbalance,
        "unreadable": unreadable,
        "no_hand": no_hand,
        "ignored_folders": dataset.ignored_folders,
    }


def _evaluate_and_save(
    cfg,
    spec,
    model,
    history,
    feats,
    idx_ok,
    y,
    tr,
    va,
    te,
    labels,
    preprocess,
    progress,
    work: Path,
    data_report,
    split_info,
    device,
    started,
    cv,
    out: Path,
) -> dict:
    from training.export import export_tflite

    names = spec.inputs
    model.save(work / "model.keras")
    evaluation, exports = {}, {}
    for part, idx in (("validation", va), ("test", te)):
        if len(idx) == 0:
            continue
        probs = _predict(model, _inputs(feats, idx_ok[idx], names))
        pred = probs.argmax(1)
        evaluation[part] = evaluate.metrics(y[idx], pred, labels)
        evaluate.plot_confusion(
            evaluation[part]["confusion_matrix"],
            labels,
            work / f"confusion_{part}.png",
            f"{spec.name}: {part}",
        )
        sample_names = [feats.samples[i].path.name for i in idx_ok[idx]]
        evaluation[part]["misclassified"] = evaluate.plot_misclassified(
            feats.crops[idx_ok[idx]],
            y[idx],
            pred,
            probs.max(1),
            labels,
            sample_names,
            work / f"misclassified_{part}.png",
        )
    evaluate.plot_learning_curves(history, work / "learning_curves.png", spec.name)
    if cfg.export:
        progress.message("exporting TFLite float16 and int8")
        held = te if len(te) else va
        exports = export_tflite(
            model,
            list(names),
            work,
            _inputs(feats, idx_ok[tr], names),
            (_inputs(feats, idx_ok[held], names), y[held]),
        )
    training_info = {k: v for k, v in asdict(cfg).items() if k not in ("overwrite",)}
    training_info.update(epochs_run=len(history.get("loss", [])), device=device)
    write_bundle_metadata(work, labels, preprocess, spec.name, list(names), training_info)
    report = {
        "model": spec.name,
        "description": spec.description,
        "bundle": cfg.out,
        "labels": labels,
        "data": data_report,
        "split": split_info,
        "device": device,
        "evaluation": evaluation,
        "exports": exports,
        "cross_validation": cv,
        "history": history,
        "command": cfg.command,
        "duration_s": round(time.time() - started, 1),
        "size_kb": round((work / "model.keras").stat().st_size / 1024, 1),
    }
    (work / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return report


def _commit(work: Path, out: Path, overwrite: bool) -> None:
    """Move the finished bundle into place; an existing one is swapped, never half-replaced."""
    os.chmod(work, 0o755)
    if out.exists():
        if not overwrite:
            raise TrainingError(f"{out} appeared while training; the new model is kept at {work}")
        backup = out.with_name(f".{out.name}.old-{int(time.time())}")
        os.replace(out, backup)
        os.replace(work, out)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(work, out)
