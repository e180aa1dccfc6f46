"""Train a model bundle from labelled folders and carried training sets: split, fit,
evaluate, export, save atomically."""

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

from handcam.bundle import CONFIG_FILE, ModelBundle
from handcam.errors import HandcamError
from handcam.handset import TRAINSET_FILE, HandSet, load_bundle_handset
from handcam.preprocess import PreprocessConfig
from training import evaluate
from training.augment import LandmarkAugment
from training.data import DatasetError, label_key, scan_dataset
from training.features import extract_hands, hand_crops
from training.fit import ModelData, fit, init_model, predict, select_device, training_batches
from training.models import DEFAULT_FEATURES, DEFAULT_MODEL, ModelSpec, build_model, get_spec
from training.progress import Progress
from training.report import data_report, write_report
from training.splits import SplitPlan, class_weights, kfold_indices, plan_split

log = logging.getLogger(__name__)

DEFAULT_EPOCHS = {
    "landmarks": 200,
    "crop_cnn": 40,
    "fusion": 60,
    "mobilenetv3": 20,
    "efficientnetb0": 20,
}
FINE_TUNE_EPOCHS = 60
# Epochs of a fixed budget (landmark models always; others when validation cannot steer
# training): measured by leave-one-signer-out cross-validation on the shared letters.
FIXED_BUDGET = {"landmarks": 60, "fine-tune": 60, "crop": 30}


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in the bundle's config.json."""

    data_dirs: list[str]
    out: str
    model: str = DEFAULT_MODEL
    init: str | None = None
    pretrained: str | None = None  # a bundle whose network(s) every new network starts from
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
    features: str = DEFAULT_FEATURES
    mirror_augment: bool = True
    carried: bool = True
    patience: int | None = None
    members: int | None = None  # networks averaged in the model; None: the init's, else 1
    export: bool = True
    overwrite: bool = False
    command: str = field(default_factory=lambda: " ".join(["handcam-train", *sys.argv[1:]]))


class TrainingError(HandcamError):
    """Training could not run or finish; the message says why."""


@dataclass
class Run:
    """What every step of one training run shares."""

    cfg: TrainConfig
    spec: ModelSpec
    init: ModelBundle | None
    preprocess: PreprocessConfig
    data: ModelData  # every usable row (new samples and carried ones)
    y: np.ndarray  # class index of each row
    labels: list[str]
    epochs: int
    patience: int
    lr: float
    progress: Progress
    work: Path
    sources: np.ndarray  # (N,) "dataset" name of each row, for per-source figures
    members: int = 1
    pretrained: ModelBundle | None = None

    def inputs(self, idx: np.ndarray) -> dict:
        return self.data.subset(idx).arrays()


def train(cfg: TrainConfig, progress: Progress | None = None) -> dict:
    """Run one training; write the bundle to ``cfg.out`` atomically; return the report."""
    progress = progress or Progress()
    started = time.time()
    out = Path(cfg.out).expanduser().resolve()
    if out.exists() and not cfg.overwrite:
        raise TrainingError(f"{out} already exists; choose another --out (or --overwrite)")
    init = ModelBundle.load(cfg.init) if cfg.init else None
    spec = get_spec(init.model_name if init else cfg.model)
    pretrained = _pretrained(cfg, spec, progress)
    start = init or pretrained
    if start:
        _check_loads(start, "--init" if init else "--pretrained")
    preprocess = (
        start.preprocess
        if start
        else PreprocessConfig(crop_size=cfg.crop_size, features=_features(cfg, spec))
    )
    data, data_info = _gather(cfg, init, spec, preprocess, progress)
    return train_on(cfg, data, data_info, init, spec, progress, started, pretrained)


def train_on(
    cfg: TrainConfig,
    data: ModelData,
    data_info: dict,
    init: ModelBundle | None,
    spec: ModelSpec,
    progress: Progress,
    started: float | None = None,
    pretrained: ModelBundle | None = None,
) -> dict:
    """Train on hands already gathered (rows with a part keep it) and write the bundle.
    ``pretrained``: the checked ``--pretrained`` bundle (see :func:`_pretrained`)."""
    started = started or time.time()
    out = Path(cfg.out).expanduser().resolve()
    preprocess = data.preprocess
    labels, rows = _choose_labels(data.hands, init, data_info, progress)
    data = data.subset(rows)
    y = np.array([labels.index(lab) for lab in data.hands.labels], dtype=np.int64)
    plan = plan_split(
        y,
        data.hands.groups,
        labels,
        data.hands.parts,
        cfg.val_fraction,
        cfg.test_fraction,
        cfg.seed,
    )
    _say_split(plan, y, labels, progress)

    from handcam.quiet import native_quiet

    with native_quiet():
        import keras

        keras.utils.set_random_seed(cfg.seed)
        device = select_device(progress)
    members = _members(cfg, init, spec)  # before anything is written
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    run = Run(
        cfg=cfg,
        spec=spec,
        init=init,
        preprocess=preprocess,
        data=data,
        y=y,
        labels=labels,
        epochs=cfg.epochs or (FINE_TUNE_EPOCHS if init else DEFAULT_EPOCHS[spec.name]),
        patience=cfg.patience or (25 if spec.inputs == ("landmarks",) else 8),
        lr=cfg.learning_rate or (3e-4 if init else 1e-3),
        progress=progress,
        work=work,
        sources=np.array([o.split("/")[0] for o in data.hands.origins], dtype=str),
        members=members,
        pretrained=pretrained,
    )
    try:
        selection = _selection(run, plan)
        cv = _cross_validate(run) if cfg.folds > 1 else None
        model, history = _train_members(run, plan.train, plan.validation, "train", selection)
        extra = {
            "data": data_info,
            "split": _split_report(plan, y, labels, data.hands.groups),
            "selection": selection,
            "device": device,
            "cv": cv,
            "started": started,
        }
        report = write_report(run, model, history, plan, extra)
        data.hands.with_parts(plan.parts(len(y))).save(work / TRAINSET_FILE)
        _commit(work, out, cfg.overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress.message(evaluate.summary_text(report))
    progress.event("done", bundle=str(out), report=report["evaluation"])
    return report


def _pretrained(cfg: TrainConfig, spec: ModelSpec, progress: Progress) -> ModelBundle | None:
    """The ``--pretrained`` bundle, checked: a landmark model like this run's, of the
    feature set asked for (its layers start every network; labels it lacks get new output
    rows; its carried data is not used; the run takes its preprocessing)."""
    if not cfg.pretrained:
        return None
    if cfg.init:
        raise TrainingError(
            "--pretrained and --init do not go together: --init continues a model with its "
            "signs and data, --pretrained only starts new networks from a model's layers"
        )
    try:
        bundle = ModelBundle.load(cfg.pretrained)
    except HandcamError as exc:
        raise TrainingError(f"--pretrained: {exc}") from exc
    if bundle.model_name != spec.name or spec.inputs != ("landmarks",):
        raise TrainingError(
            f"--pretrained {cfg.pretrained}: a {bundle.model_name} model cannot start a "
            f"{spec.name} model; pretraining is for landmark models of the same kind"
        )
    if bundle.preprocess.features != cfg.features:
        raise TrainingError(
            f"--pretrained {cfg.pretrained}: it reads {bundle.preprocess.features!r} features, "
            f"this run {cfg.features!r} (add --features {bundle.preprocess.features})"
        )
    progress.message(
        f"pretrained: every network starts from the layers of {bundle.path.name} "
        f"({bundle.preprocess.features} features; its carried data is not used)"
    )
    return bundle


def _check_loads(bundle: ModelBundle, option: str) -> None:
    """Load the model a run starts from once, so that a broken file is said before any
    work (hands found, networks trained)."""
    from handcam.quiet import native_quiet

    with native_quiet():
        import keras

        try:
            keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
        except Exception as exc:  # a corrupt, truncated or foreign file
            raise TrainingError(
                f"{option} {bundle.path}: its model cannot be loaded ({type(exc).__name__}: {exc})"
            ) from exc


def _features(cfg: TrainConfig, spec: ModelSpec) -> str:
    from handcam.preprocess import feature_size

    try:
        feature_size(cfg.features)
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc
    return cfg.features


def _gather(cfg: TrainConfig, init, spec: ModelSpec, preprocess, progress: Progress):
    """Rows to learn from: the images of the data folders (hands found once, cached) and
    the carried training sets of the init bundle and of any bundle given as data."""
    folders, carried = [], []
    for d in cfg.data_dirs:
        path = Path(d).expanduser()
        if (path / CONFIG_FILE).is_file():
            hs = load_bundle_handset(path)
            if hs is None:
                raise DatasetError(f"{path}: this model bundle carries no training set")
            carried.append((path.name, hs))
        else:
            folders.append(path)
    info: dict = {"roots": [str(p) for p in folders]}
    new = HandSet.empty()
    samples = []
    if folders:
        dataset = scan_dataset(folders, Path(cfg.groups) if cfg.groups else None)
        progress.message(f"{len(dataset.samples)} images in {len(dataset.labels)} classes")
        extracted = extract_hands(dataset.samples, preprocess, progress)
        info.update(data_report(dataset, extracted, progress))
        new, samples = extracted.hands, extracted.ok_samples
    if init is not None and cfg.carried:
        hs = load_bundle_handset(init.path)
        if hs is None:
            progress.message(
                f"note: {init.path.name} carries no training set; fine-tuning on the new "
                "samples alone (its other labels may be forgotten)"
            )
        else:
            carried.append((init.path.name, hs))
    crops = None
    if "crop" in spec.inputs:
        if carried:
            progress.message(
                "note: carried training sets hold landmarks only; a crop model trains on "
                "the images of the data folders alone"
            )
            carried = []
        crops = hand_crops(samples, new, preprocess, progress)
    seen = set(new.origins.tolist())
    parts = [new]
    info["carried"] = {}
    for name, hs in carried:
        hs = hs.subset(~np.isin(hs.origins, list(seen)))  # the same photo given twice
        seen |= set(hs.origins.tolist())
        info["carried"][name] = {
            lab: int(n) for lab, n in zip(*np.unique(hs.labels, return_counts=True), strict=True)
        }
        progress.message(
            f"carried from {name}: {len(hs)} hands of {len(info['carried'][name])} labels"
        )
        parts.append(hs)
    hands = HandSet.concat(parts)
    if len(hands) == 0:
        raise DatasetError("no usable samples: no hand was found in any image")
    return ModelData(hands, crops, preprocess, spec.inputs), info


def _choose_labels(hands: HandSet, init, info: dict, progress: Progress):
    """The model's labels (the init bundle's first, then new ones) and the rows to use."""
    present = sorted(set(hands.labels.tolist()), key=label_key)
    scanned = list(info.get("per_class", {}))
    empty = [lab for lab in scanned if lab not in present]
    if empty:
        progress.message(
            f"warning: dropping {len(empty)} class(es) with no usable image (readable, with a "
            f"hand found): {empty}. A class of hand-less images (such as 'nothing') is not "
            "needed: the app shows 'no hand' by itself"
        )
        info["dropped_classes"] = empty
    labels = list(init.labels) if init else []
    labels += [lab for lab in present if lab not in labels]
    if len(present) < 2:
        hint = (
            " Add --init BUNDLE (e.g. models/digits) to add this sign to a model's signs"
            if init is None
            else ""
        )
        without = f" Without usable images: {empty}." if empty else ""
        raise DatasetError(
            f"only one class ({present[0]!r}) has usable samples; a classifier needs at "
            f"least two.{without}{hint}"
        )
    unseen = [lab for lab in labels if lab not in present]
    if unseen:
        progress.message(
            f"warning: no samples of {unseen}: the new model will recognise them less well. "
            "Record a few of each, or train with the bundle's carried samples"
        )
        info["labels_without_samples"] = unseen
    return labels, np.flatnonzero(np.isin(hands.labels, labels))


def _say_split(plan: SplitPlan, y: np.ndarray, labels: list[str], progress: Progress) -> None:
    progress.message(
        f"split ({plan.policy}): {len(plan.train)} train, {len(plan.validation)} validation, "
        f"{len(plan.test)} test"
    )
    for note in plan.notes:
        progress.message(f"  {note}")
    missing = plan.missing(y, len(labels))["train"]
    present = set(y.tolist())
    starved = [labels[c] for c in missing if c in present]
    if starved:  # plan_split never does this; a guard against future changes
        raise TrainingError(f"internal error: labels {starved} would not be trained on")


def _split_report(plan: SplitPlan, y, labels, groups) -> dict:
    parts = {"train": plan.train, "validation": plan.validation, "test": plan.test}
    return {
        "policy": plan.policy,
        "grouped": plan.policy == "grouped",
        "grouped_labels": list(plan.grouped_labels),
        "by_sample_labels": list(plan.by_sample_labels),
        "notes": list(plan.notes),
        **{name: int(len(idx)) for name, idx in parts.items()},
        "groups": {
            name: len({g for g in groups[idx].tolist() if g}) for name, idx in parts.items()
        },
        "labels_missing": {
            name: [labels[c] for c in miss]
            for name, miss in plan.missing(y, len(labels)).items()
            if miss
        },
    }


def _selection(run: Run, plan: SplitPlan, quiet: bool = False) -> dict:
    """How long to train. Landmark models: a fixed, measured budget (validation only
    reports). Crop models: early stopping on validation when it holds every trained label
    of people or sittings not trained on; else a fixed budget."""
    kind = "fine-tune" if run.init else ("crop" if "crop" in run.spec.inputs else "landmarks")
    epochs = run.cfg.epochs or FIXED_BUDGET[kind]
    trained = set(run.y[plan.train].tolist())
    lacking = sorted(trained - set(run.y[plan.validation].tolist()))
    if run.spec.inputs == ("landmarks",):
        why = (
            "landmark models train for a fixed, measured budget with a cosine learning rate: "
            "on the shared letters, leave-one-signer-out, that scored 0.974 where early "
            "stopping on the one or two validation signers a fold can spare scored 0.952"
        )
    elif len(plan.validation) and not lacking and plan.policy != "by sample":
        return {
            "policy": "early stopping",
            "why": "the validation part holds every label: training stops when its loss "
            f"has not improved for {run.patience} epochs and keeps the best epoch",
        }
    elif not len(plan.validation):
        why = "there is no validation part"
    elif lacking:
        why = f"the validation part lacks {[run.labels[c] for c in lacking]}"
    else:
        why = (
            "validation samples come from the sittings the model trains on, so they cannot "
            "tell when it stops learning what carries over to other people"
        )
    if not quiet:
        run.progress.message(f"training length: a fixed budget of {epochs} epochs ({why})")
    return {"policy": "fixed budget", "epochs": epochs, "why": why}


def _members(cfg: TrainConfig, init: ModelBundle | None, spec: ModelSpec) -> int:
    """How many networks the model averages: as asked, else as many as the init's."""
    n = cfg.members
    if n is None:
        n = (init.training.get("members") or 1) if init else 1
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 16:
        raise TrainingError(f"members must be a whole number from 1 to 16, got {n!r}")
    if n > 1 and spec.inputs != ("landmarks",):
        raise TrainingError(
            f"--members {n}: averaged networks are for landmark models; {spec.name} "
            "trains one network"
        )
    return n


def _train_members(run: Run, tr: np.ndarray, va: np.ndarray, phase: str, selection: dict):
    """``run.members`` models trained on their own (own seeds), averaged in one model.
    The history is the first member's."""
    from training.models import ensemble

    if run.members == 1:
        return _train_one(run, tr, va, phase, selection)
    models, first = [], {}
    for i in range(run.members):
        model, history = _train_one(
            run, tr, va, f"{phase} member {i + 1}/{run.members}", selection, member=i
        )
        models.append(model)
        first = first or history
    return ensemble(models, name=run.spec.name), first


def _train_one(
    run: Run, tr: np.ndarray, va: np.ndarray, phase: str, selection: dict, member: int = 0
):
    """A fresh (or init) model fitted on ``tr``; transfer models: freeze, then fine-tune.
    Members after the first start from their own seed (and, fine-tuning an ensemble, from
    their counterpart in the init model)."""
    cfg = run.cfg
    seed = cfg.seed + 1000 * member
    if member:
        import keras

        keras.utils.set_random_seed(seed)
    augment = None
    if "landmarks" in run.spec.inputs:
        mirror = cfg.mirror_augment and "crop" not in run.spec.inputs
        augment = LandmarkAugment(mirror_prob=0.5 if mirror else 0.0)
    batches = training_batches(
        run.data.subset(tr),
        run.y[tr],
        class_weights(run.y[tr], len(run.labels)),
        cfg.batch_size,
        seed,
        augment,
    )
    early = selection["policy"] == "early stopping"
    validation = (run.inputs(va), run.y[va]) if len(va) else None
    if run.init is not None:
        model, backbone = init_model(run.init, run.labels, member), None
    elif run.pretrained is not None:
        model, backbone = init_model(run.pretrained, run.labels, member), None
    else:
        stats = run.inputs(tr)["landmarks"] if "landmarks" in run.spec.inputs else None
        model, backbone = build_model(
            run.spec.name, len(run.labels), run.preprocess, cfg.weights, stats
        )

    def stage(epochs: int, lr: float, name: str) -> dict:
        patience = run.patience if early else None
        return fit(model, batches, validation, epochs, lr, patience, run.progress, name)

    total = run.epochs if early else selection["epochs"]
    if backbone is None:
        return model, stage(total, run.lr, phase)
    backbone.trainable = False
    head_epochs = max(1, total // 2)
    history = stage(head_epochs, run.lr, f"{phase}:head")
    backbone.trainable = True
    for layer in backbone.layers[: int(len(backbone.layers) * 0.7)]:
        layer.trainable = False
    for layer in backbone.layers:
        if "BatchNormalization" in type(layer).__name__:
            layer.trainable = False
    more = stage(max(1, total - head_epochs), run.lr / 10, f"{phase}:fine-tune")
    return model, {k: history.get(k, []) + more.get(k, []) for k in set(history) | set(more)}


def _cross_validate(run: Run) -> dict | None:
    """k-fold accuracy (grouped where every label allows); the folds' models are discarded.

    A fold's held-out part only scores the fold: early stopping watches a validation part
    split (the same way as the main split) from the fold's own training rows.
    """
    cfg, accs = run.cfg, []
    folds, grouped = kfold_indices(run.y, run.data.hands.groups, cfg.folds, cfg.seed)
    if not folds:
        run.progress.message("cross-validation skipped: a label has fewer than 2 samples")
        return None
    truth, guess = [], []
    for k, (rows, held) in enumerate(folds):
        inner = plan_split(
            run.y[rows], run.data.hands.groups[rows], run.labels, None, cfg.val_fraction, 0.0,
            cfg.seed,
        )  # fmt: skip
        selection = _selection(run, inner, quiet=True)
        tr, va = rows[inner.train], rows[inner.validation]
        if selection["policy"] == "fixed budget":  # no use for a validation part: train on all
            tr, va = rows, rows[:0]
        run.progress.message(
            f"fold {k + 1}/{len(folds)}: {len(tr)} train, {len(va)} validation, "
            f"{len(held)} held out"
        )
        model, _ = _train_members(run, tr, va, f"fold {k + 1}", selection)
        pred = predict(model, run.inputs(held)).argmax(1)
        accs.append(float(np.mean(pred == run.y[held])))
        truth.append(run.y[held])
        guess.append(pred)
        run.progress.message(f"fold {k + 1}: accuracy {accs[-1]:.4f} on {len(held)} held out")
    pooled = evaluate.metrics(np.concatenate(truth), np.concatenate(guess), list(run.labels))
    return {
        "folds": len(folds),
        "grouped": grouped,
        "accuracies": [round(a, 4) for a in accs],
        "mean_accuracy": round(float(np.mean(accs)), 4),
        "std_accuracy": round(float(np.std(accs)), 4),
        "pooled_accuracy": pooled["accuracy"],
        "recall_per_label": {
            lab: v["recall"] for lab, v in pooled["per_class"].items() if v["support"]
        },
        "confusion_matrix": pooled["confusion_matrix"],
        "confusion_pairs": confusion_pairs(pooled["confusion_matrix"], run.labels),
    }


def confusion_pairs(cm: list[list[int]], labels, top: int = 12) -> list[dict]:
    """The most frequent (true, predicted) mistakes, most frequent first."""
    pairs = [
        {"true": labels[i], "predicted": labels[j], "count": int(n)}
        for i, row in enumerate(cm)
        for j, n in enumerate(row)
        if i != j and n
    ]
    return sorted(pairs, key=lambda p: -p["count"])[:top]


def _commit(work: Path, out: Path, overwrite: bool) -> None:
    """Move the finished bundle into place; an existing one is swapped, never half-replaced:
    if the new one cannot be moved in, the old one is put back."""
    os.chmod(work, 0o755)
    if not out.exists():
        os.replace(work, out)
        return
    if not overwrite:
        raise TrainingError(f"{out} appeared while training; choose another --out")
    backup = out.with_name(f".{out.name}.old-{int(time.time())}")
    os.replace(out, backup)
    try:
        os.replace(work, out)
    except OSError:
        os.replace(backup, out)
        raise
    shutil.rmtree(backup, ignore_errors=True)
