"""Train a model bundle from labelled folders and carried training sets: split, fit,
evaluate, export, save atomically."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from handcam.features.preprocess import PreprocessConfig
from handcam.model.bundle import ModelBundle
from handcam.model.integrity import seal
from handcam.model.trainset import TRAINSET_FILE
from training import evaluate
from training.adapt import adapt
from training.backend import set_seed
from training.commit import commit_bundle as _commit
from training.config import DEFAULT_EPOCHS, FINE_TUNE_EPOCHS, Run, TrainConfig, TrainingError
from training.fit import ModelData, select_device
from training.gather import (
    AUTO,
    check_features,
    check_loads,
    check_never_saw,
    choose_labels,
    gather,
    pretrained_bundle,
    shares_photos,
)
from training.models import ModelSpec, get_spec
from training.networks import cross_validate, member_count, train_members, training_length
from training.personal import keep_personal
from training.progress import Progress
from training.report import write_report
from training.splits import SplitPlan
from training.webcam_hands import plan_split_with_copies, source_names

__all__ = ["TrainConfig", "TrainingError", "train", "train_on"]

log = logging.getLogger(__name__)


def train(cfg: TrainConfig, progress: Progress | None = None) -> dict:
    """Run one training; write the bundle to ``cfg.out`` atomically; return the report."""
    progress = progress or Progress()
    started = time.time()
    out = Path(cfg.out).expanduser().resolve()
    if out.exists() and not cfg.overwrite:
        raise TrainingError(f"{out} already exists; choose another --out (or --overwrite)")
    init = ModelBundle.load(cfg.init) if cfg.init else None
    if cfg.check and (init is None or not Path(cfg.check).expanduser().is_dir()):
        raise TrainingError(
            f"--check {cfg.check}: needs --init (the model to compare with) and a folder of "
            "recorded samples"
        )
    from handcam.recording.clips import find_clips
    from training.motion_train import gather_clips, still_dirs, train_motion_only

    clips, new_clips = gather_clips(cfg.data_dirs, init, progress)  # new and carried
    stills = still_dirs(cfg.data_dirs)
    if not new_clips and not stills and any(find_clips(Path(d)) for d in cfg.data_dirs):
        raise TrainingError(
            "every clip of the data was left out (said above) and there are no still "
            "samples: nothing to learn"
        )
    if clips and not stills and (new_clips or init is None or init.motion_only):
        # new clips, or a bundle of motion signs only learned again from the clips it carries
        return train_motion_only(cfg, clips, init, progress)
    if init is not None and init.motion_only:
        raise TrainingError(
            f"--init {init.path.name} reads motion signs only; still samples start a new model "
            "(leave out --init) or go with a bundle that has still signs"
        )
    if new_clips:  # the folders of clips only are the motion model's; the rest, the still one's
        cfg = replace(cfg, data_dirs=tuple(stills))
    spec = get_spec(init.model_name if init else cfg.model)
    pretrained = pretrained_bundle(cfg, spec, progress)
    start = init or pretrained
    if start:
        check_loads(start, "--init" if init else "--pretrained")
        check_never_saw(start, cfg.leave_out, "--init" if init else "--pretrained")
    preprocess = (
        start.preprocess
        if start
        else PreprocessConfig(crop_size=cfg.crop_size, features=check_features(cfg, spec))
    )
    data, data_info = gather(cfg, init, spec, preprocess, progress)
    if clips:  # said before any network trains
        from training.motion_train import check_labels

        check_labels(clips, set(data.hands.labels.tolist()) | set(init.labels if init else ()))
    if pretrained is not None and cfg.pretrained == AUTO and shares_photos(pretrained, data.hands):
        progress.message(
            f"networks start from scratch: the data holds photos {pretrained.path.name} was "
            "trained on (its held-out people must stay unseen)"
        )
        pretrained = None
        data = ModelData(
            data.hands,
            data.crops,
            PreprocessConfig(crop_size=cfg.crop_size, features=check_features(cfg, spec)),
            data.inputs,
        )
    return train_on(
        cfg, data, data_info, init, spec, progress, started, pretrained, clips, new_clips
    )


def train_on(
    cfg: TrainConfig,
    data: ModelData,
    data_info: dict,
    init: ModelBundle | None,
    spec: ModelSpec,
    progress: Progress,
    started: float | None = None,
    pretrained: ModelBundle | None = None,
    clips: dict | None = None,
    new_clips: bool = True,
) -> dict:
    """Train on hands already gathered (rows with a part keep it) and write the bundle.
    ``pretrained``: the checked ``--pretrained`` bundle (see :func:`_pretrained`);
    ``clips``: motion signs to learn beside the still ones (label -> clips)."""
    started = started or time.time()
    out = Path(cfg.out).expanduser().resolve()
    preprocess = data.preprocess
    if cfg.augment is None and init is not None and init.training.get("augment"):
        cfg = replace(cfg, augment=dict(init.training["augment"]))  # a fine-tune keeps it
    cfg, data = _motion_signs(cfg, data, init, progress)
    labels, rows = choose_labels(data.hands, init, data_info, progress)
    data = data.subset(rows)
    y = np.array([labels.index(lab) for lab in data.hands.labels], dtype=np.int64)
    if cfg.adapt and init is None:
        raise TrainingError("--adapt adapts a model to new samples: give it --init BUNDLE")
    new_rows = data.hands.parts == ""  # not carried from a bundle
    if cfg.adapt is None:  # a calibration when the new samples add no sign
        new_signs = set(data.hands.labels[new_rows].tolist()) - set(init.labels if init else ())
        auto = init is not None and not new_signs and spec.inputs == ("landmarks",)
        cfg = replace(cfg, adapt=bool(auto and new_rows.any()))
        if cfg.adapt:
            progress.message(
                "adapting the model to the new samples (its output layers; every new sample "
                "is one of its signs): --fine-tune trains every layer instead"
            )
    plan = plan_split_with_copies(
        y,
        data.hands,
        labels,
        0.0 if cfg.adapt else cfg.val_fraction,  # adapting: every new sample is learned
        0.0 if cfg.adapt else cfg.test_fraction,
        cfg.seed,
    )
    _say_split(plan, y, labels, progress)

    from handcam.system.native_logs import native_quiet

    with native_quiet():
        set_seed(cfg.seed)
        device = select_device(progress, spec.inputs)
    members = member_count(cfg, init, spec)  # before anything is written
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
        sources=source_names(data.hands.origins),
        members=members,
        pretrained=pretrained,
        device=device,
    )
    try:
        if cfg.adapt:
            selection = {"policy": "adapt", "why": "the output layers only (training.adapt)"}
            cv = None
            train = plan.train
            model, history = adapt(run, train[new_rows[train]], train[~new_rows[train]])
        else:
            selection = training_length(run, plan)
            cv = cross_validate(run) if cfg.folds > 1 else None
            model, history = train_members(run, plan.train, plan.validation, "train", selection)
        extra = {
            "data": data_info,
            "split": _split_report(plan, y, labels, data.hands.groups),
            "selection": selection,
            "device": device,
            "cv": cv,
            "started": started,
        }
        report = write_report(run, model, history, plan, extra)
        if cfg.check:  # the adapted model alone: kept-back frames of the same hold as the
            # samples would flatter the shapes kept next
            report = _with_check(report, cfg, init, work, preprocess, progress)
        kept = plan.train[new_rows[plan.train]] if cfg.adapt else np.zeros(0, int)
        report = keep_personal(run, work, kept, report)
        data.hands.with_parts(plan.parts(len(y))).save(work / TRAINSET_FILE)
        if clips:
            from training.motion_train import add_motion

            add_motion(work, clips, init, cfg.seed, progress, new=new_clips)
        seal(work)  # every file's size and SHA-256 in config.json, checked when it loads
        _commit(work, out, cfg.overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress.message(evaluate.summary_text(report))
    progress.event("done", bundle=str(out), report=report["evaluation"])
    return report


def _motion_signs(cfg: TrainConfig, data: ModelData, init, progress: Progress):
    """The run's motion signs (given, else the init bundle's), checked, and the data
    without still samples of them (a still hand is never a motion sign)."""
    from handcam.signs.motion import MOTION_LABELS

    learned = set(init.learned_motion) if init else set()
    signs = tuple(cfg.motion_signs) or tuple(
        s for s in (init.motion_signs if init else ()) if s not in learned
    )
    if not signs:  # a bundle given as data (the retrain dialog's "keep its signs") keeps its
        signs = tuple(
            dict.fromkeys(
                s for b in _data_bundles(cfg) for s in b.motion_signs if s not in b.learned_motion
            )
        )
    if signs and set(signs) != set(MOTION_LABELS):
        raise TrainingError(
            f"--motion-signs {','.join(signs)}: the motion recogniser reads "
            f"{' and '.join(MOTION_LABELS)} together; give both or neither"
        )
    if init is not None and set(signs) & set(init.labels):
        raise TrainingError(
            f"--motion-signs {','.join(signs)}: {init.path} reads them from still hands; "
            "train a new model from a folder without their still photos instead"
        )
    still = np.isin(data.hands.labels, list(signs))
    if still.any():
        names = sorted(set(data.hands.labels[still].tolist()))
        progress.message(
            f"leaving out {int(still.sum())} still samples of {names}: read from their motion"
        )
        data = data.subset(np.flatnonzero(~still))
        if init is not None and not (data.hands.parts == "").any():
            raise TrainingError(
                f"every new sample is a still {' or '.join(names)}, which {init.path.name} "
                "reads from the hand's motion: nothing new is left to train on"
            )
    return replace(cfg, motion_signs=signs), data


def _data_bundles(cfg: TrainConfig) -> list:
    """The model bundles given as data folders (their carried sets are trained on)."""
    from handcam.model.bundle import CONFIG_FILE, ModelBundle

    paths = [Path(d).expanduser() for d in cfg.data_dirs]
    return [ModelBundle.load(p) for p in paths if (p / CONFIG_FILE).is_file()]


def _with_check(report: dict, cfg: TrainConfig, init, work: Path, preprocess, progress) -> dict:
    """The report with before/after figures on the ``--check`` samples (rewritten)."""
    import json

    from handcam.model.bundle import REPORT_FILE
    from training.check import before_after

    if init is None:
        raise TrainingError("--check compares with the model a run starts from: add --init")
    report["check"] = before_after(init.path, work, Path(cfg.check), preprocess, progress)
    b, a = report["check"]["before"]["shown_right"], report["check"]["after"]["shown_right"]
    progress.message(f"kept-back samples shown right: {b} before, {a} after")
    (work / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")
    return report


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
