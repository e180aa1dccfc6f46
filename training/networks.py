"""Training the networks of a run: how long, how many averaged members, transfer models'
two stages, and k-fold cross-validation."""

from __future__ import annotations

import numpy as np

from handcam.model.bundle import ModelBundle
from training import evaluate
from training.augment import landmark_augment
from training.backend import set_seed
from training.config import FIXED_BUDGET, Run, TrainConfig, TrainingError
from training.crop_augment import with_crop_augment
from training.fit import fit, init_model, predict, training_batches
from training.models import ModelSpec, build_model, crop_augment_strength
from training.splits import SplitPlan, class_weights, kfold_indices, plan_split
from training.webcam_hands import is_copy, without_leaks


def training_length(run: Run, plan: SplitPlan, quiet: bool = False) -> dict:
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


def member_count(cfg: TrainConfig, init: ModelBundle | None, spec: ModelSpec) -> int:
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


def train_members(run: Run, tr: np.ndarray, va: np.ndarray, phase: str, selection: dict):
    """``run.members`` models trained on their own (own seeds), averaged in one model.
    The history is the first member's."""
    from training.models import ensemble

    if run.members == 1:
        return train_one(run, tr, va, phase, selection)
    models, first = [], {}
    for i in range(run.members):
        model, history = train_one(
            run, tr, va, f"{phase} member {i + 1}/{run.members}", selection, member=i
        )
        models.append(model)
        first = first or history
    return ensemble(models, name=run.spec.name), first


def train_one(
    run: Run, tr: np.ndarray, va: np.ndarray, phase: str, selection: dict, member: int = 0
):
    """A fresh (or init) model fitted on ``tr``; transfer models: freeze, then fine-tune.
    Members after the first start from their own seed (and, fine-tuning an ensemble, from
    their counterpart in the init model)."""
    cfg = run.cfg
    seed = cfg.seed + 1000 * member
    if member:
        set_seed(seed)
    augment = landmark_augment(cfg, run.spec) if "landmarks" in run.spec.inputs else None
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

    # Crops are augmented on the device by a layer before the model, never saved with it.
    trainer = with_crop_augment(model, crop_augment_strength(run.spec), seed)
    gpu = bool(run.device.get("gpu"))

    def stage(epochs: int, lr: float, name: str) -> dict:
        patience = run.patience if early else None
        return fit(trainer, batches, validation, epochs, lr, patience, run.progress, name, gpu)

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


def cross_validate(run: Run) -> dict | None:
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
    origins = run.data.hands.origins
    for k, (rows, held) in enumerate(folds):
        rows = without_leaks(rows, held, origins)
        held = held[~is_copy(origins[held])]  # a fold is scored on photos as taken
        inner = plan_split(
            run.y[rows], run.data.hands.groups[rows], run.labels, None, cfg.val_fraction, 0.0,
            cfg.seed,
        )  # fmt: skip
        selection = training_length(run, inner, quiet=True)
        tr, va = rows[inner.train], rows[inner.validation]
        if selection["policy"] == "fixed budget":  # no use for a validation part: train on all
            tr, va = rows, rows[:0]
        run.progress.message(
            f"fold {k + 1}/{len(folds)}: {len(tr)} train, {len(va)} validation, "
            f"{len(held)} held out"
        )
        model, _ = train_members(run, tr, va, f"fold {k + 1}", selection)
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
