"""Train a model bundle from labelled folders: split, fit, evaluate, export, save atomically."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handcam.bundle import ModelBundle
from handcam.errors import HandcamError
from handcam.preprocess import PreprocessConfig
from training import evaluate
from training.data import DatasetError, scan_dataset
from training.features import Features, extract_features
from training.fit import fit, init_model, make_dataset, model_inputs, predict, select_device
from training.models import DEFAULT_MODEL, ModelSpec, build_model, get_spec
from training.progress import Progress
from training.report import data_report, write_report
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


@dataclass
class Run:
    """What every step of one training run shares: the data, the model choice, the
    hyper-parameters in force, and the temporary bundle folder being filled."""

    cfg: TrainConfig
    spec: ModelSpec
    init: ModelBundle | None
    preprocess: PreprocessConfig
    feats: Features
    idx_ok: np.ndarray  # rows of feats that are usable (readable, hand found)
    y: np.ndarray  # class index of each usable row
    labels: list[str]
    epochs: int
    patience: int
    lr: float
    progress: Progress
    work: Path

    def inputs(self, idx: np.ndarray) -> dict:
        return model_inputs(self.feats, self.idx_ok[idx], self.spec.inputs)


def train(cfg: TrainConfig, progress: Progress | None = None) -> dict:
    """Run one training; write the bundle to ``cfg.out`` atomically; return the report."""
    progress = progress or Progress()
    started = time.time()
    out = Path(cfg.out).expanduser().resolve()
    if out.exists() and not cfg.overwrite:
        raise TrainingError(f"{out} already exists; choose another --out (or --overwrite)")
    init = ModelBundle.load(cfg.init) if cfg.init else None
    spec = get_spec(init.model_name if init else cfg.model)
    preprocess = init.preprocess if init else PreprocessConfig(crop_size=cfg.crop_size)

    dataset = scan_dataset(
        [Path(d) for d in cfg.data_dirs], Path(cfg.groups) if cfg.groups else None
    )
    progress.message(f"{len(dataset.samples)} images in {len(dataset.labels)} classes")
    feats = extract_features(dataset.samples, preprocess, progress)
    data = data_report(dataset, feats, progress)

    sample_labels = np.array([s.label for s in dataset.samples])
    empty = [lab for lab in dataset.labels if not np.any(feats.ok & (sample_labels == lab))]
    kept = [lab for lab in dataset.labels if lab not in empty]
    if empty:
        progress.message(
            f"warning: dropping {len(empty)} class(es) with no usable image (readable, with a "
            f"hand found): {empty}. A class of hand-less images (such as 'nothing') is not "
            "needed: the app shows 'no hand' by itself"
        )
        data["dropped_classes"] = empty
    if len(kept) < 2:
        raise DatasetError(
            f"fewer than two classes have usable images (readable, with a hand found); "
            f"without one: {empty}"
        )
    labels = list(init.labels) if init else []
    labels += [lab for lab in kept if lab not in labels]
    unseen = [lab for lab in labels if lab not in kept]
    if unseen:
        progress.message(
            f"warning: no samples of {unseen} here: the fine-tuned model will recognise them "
            "less well. Record a few of each, or add the original dataset folder"
        )
        data["labels_without_samples"] = unseen
    usable = feats.ok & np.isin(sample_labels, kept)
    y_all = np.array([labels.index(lab) if lab in labels else -1 for lab in sample_labels])
    idx_ok = np.flatnonzero(usable)
    groups = [dataset.samples[i].group for i in idx_ok]
    groups_arr = np.array(groups) if all(g is not None for g in groups) else None

    from handcam.quiet import native_quiet

    with native_quiet():
        import keras

        keras.utils.set_random_seed(cfg.seed)
        device = select_device(progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    run = Run(
        cfg=cfg,
        spec=spec,
        init=init,
        preprocess=preprocess,
        feats=feats,
        idx_ok=idx_ok,
        y=y_all[idx_ok],
        labels=labels,
        epochs=cfg.epochs or (60 if init else DEFAULT_EPOCHS[spec.name]),
        patience=cfg.patience or (25 if spec.inputs == ("landmarks",) else 8),
        lr=cfg.learning_rate or (3e-4 if init else 1e-3),
        progress=progress,
        work=work,
    )
    try:
        tr, va, te, split_info = _split(run, groups_arr)
        cv = _cross_validate(run, groups_arr) if cfg.folds > 1 else None
        model, history = _train_one(run, tr, va, "train")
        extra = {"data": data, "split": split_info, "device": device, "cv": cv, "started": started}
        report = write_report(run, model, history, (tr, va, te), extra)
        _commit(work, out, cfg.overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress.message(evaluate.summary_text(report))
    progress.event("done", bundle=str(out), report=report["evaluation"])
    return report


def _split(run: Run, groups: np.ndarray | None):
    cfg = run.cfg
    tr, va, te = split_indices(run.y, groups, cfg.val_fraction, cfg.test_fraction, cfg.seed)
    if len(va) == 0:
        run.progress.message("too few samples for a held-out split: validating on training data")
        va = tr
    info = {
        "grouped": groups is not None,
        "train": int(len(tr)),
        "validation": int(len(va)),
        "test": int(len(te)),
    }
    if groups is not None:
        info["groups"] = {
            k: int(len(set(groups[i].tolist())))
            for k, i in (("train", tr), ("validation", va), ("test", te))
        }
    run.progress.message(
        f"split ({'by group' if groups is not None else 'by image'}): "
        f"{len(tr)} train, {len(va)} validation, {len(te)} test"
    )
    return tr, va, te, info


def _train_one(run: Run, tr: np.ndarray, va: np.ndarray, phase: str):
    """A fresh (or init) model fitted on ``tr``; transfer models: freeze, then fine-tune."""
    cfg = run.cfg
    train_ds = make_dataset(
        run.inputs(tr), run.y[tr], cfg.batch_size, True, cfg.seed, cfg.mirror_augment
    )
    val_ds = make_dataset(run.inputs(va), run.y[va], cfg.batch_size, False, cfg.seed)
    weights = class_weights(run.y[tr], len(run.labels))
    ckpt = run.work / f"checkpoint-{phase}.keras"
    if run.init is not None:
        model, backbone = init_model(run.init, run.labels), None
    else:
        model, backbone = build_model(
            run.spec.name, len(run.labels), run.preprocess.crop_size, cfg.weights
        )

    def stage(epochs: int, lr: float, name: str) -> dict:
        return fit(
            model, train_ds, val_ds, epochs, lr, run.patience, weights, run.progress, name, ckpt
        )

    if backbone is None:
        history = stage(run.epochs, run.lr, phase)
    else:
        backbone.trainable = False
        head_epochs = max(1, run.epochs // 2)
        history = stage(head_epochs, run.lr, f"{phase}:head")
        backbone.trainable = True
        for layer in backbone.layers[: int(len(backbone.layers) * 0.7)]:
            layer.trainable = False
        for layer in backbone.layers:
            if "BatchNormalization" in type(layer).__name__:
                layer.trainable = False
        more = stage(max(1, run.epochs - head_epochs), run.lr / 10, f"{phase}:fine-tune")
        history = {k: history.get(k, []) + more.get(k, []) for k in set(history) | set(more)}
    ckpt.unlink(missing_ok=True)
    return model, history


def _cross_validate(run: Run, groups: np.ndarray | None) -> dict:
    """k-fold accuracy (grouped when groups are known); the folds' models are discarded."""
    cfg, accs = run.cfg, []
    for k, (tr, va) in enumerate(kfold_indices(run.y, groups, cfg.folds, cfg.seed)):
        run.progress.message(f"fold {k + 1}/{cfg.folds}: {len(tr)} train, {len(va)} validation")
        model, _ = _train_one(run, tr, va, f"fold {k + 1}")
        pred = predict(model, run.inputs(va)).argmax(1)
        accs.append(float(np.mean(pred == run.y[va])))
        run.progress.message(f"fold {k + 1}: accuracy {accs[-1]:.4f}")
    return {
        "folds": cfg.folds,
        "grouped": groups is not None,
        "accuracies": [round(a, 4) for a in accs],
        "mean_accuracy": round(float(np.mean(accs)), 4),
        "std_accuracy": round(float(np.std(accs)), 4),
    }


def _commit(work: Path, out: Path, overwrite: bool) -> None:
    """Move the finished bundle into place; an existing one is swapped, never half-replaced."""
    os.chmod(work, 0o755)
    if out.exists():
        if not overwrite:
            raise TrainingError(f"{out} appeared while training; choose another --out")
        backup = out.with_name(f".{out.name}.old-{int(time.time())}")
        os.replace(out, backup)
        os.replace(work, out)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(work, out)
