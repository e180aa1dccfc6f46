"""What a run learns from: the hands of the data folders (found once, cached), the training
sets carried by bundles, the labels, and the model it starts from (``--init``,
``--pretrained``), checked before any work."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handcam.errors import HandcamError
from handcam.model.bundle import CONFIG_FILE, ModelBundle
from handcam.model.trainset import HandSet, load_bundle_handset
from training.config import TrainConfig, TrainingError
from training.data import DatasetError, label_key, scan_dataset
from training.fit import ModelData
from training.hand_cache import extract_hands, hand_crops
from training.models import ModelSpec
from training.progress import Progress
from training.report import data_report

AUTO = "auto"  # --pretrained's default: the bundled digits model where it fits
NONE = "none"
DEFAULT_START = "digits"


def pretrained_bundle(cfg: TrainConfig, spec: ModelSpec, progress: Progress) -> ModelBundle | None:
    """The ``--pretrained`` bundle, checked: a landmark model like this run's, of the
    feature set asked for (its layers start every network; labels it lacks get new output
    rows; its carried data is not used; the run takes its preprocessing).

    ``auto`` (the command line's default): the bundled digits model (hand shapes learned
    from 176 people) for a new landmark model of its feature set, else none."""
    if not cfg.pretrained or cfg.pretrained == NONE:
        return None
    if cfg.pretrained == AUTO:
        return default_start(cfg, spec, progress)
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


def default_start(cfg: TrainConfig, spec: ModelSpec, progress: Progress) -> ModelBundle | None:
    """The bundled digits model when it can start this run's networks; None (said) when
    it cannot: a fine-tune (--init), a crop model, another feature set, or no such model."""
    from handcam.model.bundle import bundled_models_dir

    if cfg.init or spec.inputs != ("landmarks",):
        return None
    path = bundled_models_dir() / DEFAULT_START
    try:
        bundle = ModelBundle.load(path)
        bundle.check(bundle.model_path.name)
    except HandcamError as exc:
        progress.message(f"networks start from scratch (no bundled {DEFAULT_START} model: {exc})")
        return None
    if bundle.model_name != spec.name or bundle.preprocess.features != cfg.features:
        progress.message(
            f"networks start from scratch ({path.name} reads {bundle.preprocess.features!r} "
            f"features with a {bundle.model_name} model; this run: {cfg.features!r}, {spec.name})"
        )
        return None
    progress.message(
        f"pretrained: every network starts from the layers of the bundled {path.name} model "
        "(hand shapes of 176 people; --pretrained none to start from scratch)"
    )
    return bundle


def shares_photos(start: ModelBundle, hands: HandSet) -> bool:
    """True when the data holds photos the start model was trained on (retraining that
    very model): starting from it would show the held-out people to the new model."""
    carried = load_bundle_handset(start.path)
    if carried is None or not len(hands):
        return False
    return bool(np.isin(hands.origins, carried.origins).any())


def check_loads(bundle: ModelBundle, option: str) -> None:
    """Load the model a run starts from once, so that a broken file is said before any
    work (hands found, networks trained)."""
    import zipfile

    from handcam.system.native_logs import native_quiet

    try:
        bundle.check(bundle.model_path.name)  # named from the bundle's record of its files
    except HandcamError as exc:
        raise TrainingError(f"{option}: {exc}; train from another bundle") from exc
    if not zipfile.is_zipfile(bundle.model_path):  # Keras would say "File not found"
        raise TrainingError(
            f"{option}: {bundle.model_path}: damaged (not the zip archive a .keras model is); "
            "train from another bundle"
        )
    with native_quiet():
        import keras

        try:
            keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
        except Exception as exc:  # a corrupt, truncated or foreign file
            raise TrainingError(
                f"{option} {bundle.path}: its model cannot be loaded ({type(exc).__name__}: {exc})"
            ) from exc


def check_never_saw(start: ModelBundle, groups, option: str) -> None:
    """TrainingError when the bundle a run starts from learned from a signer the run
    leaves out (its weights would carry them into the "holdout")."""
    if not groups:
        return
    hs = load_bundle_handset(start.path)
    if hs is None:
        return
    seen = sorted(set(hs.groups[np.isin(hs.groups, list(groups)) & (hs.parts != "test")]))
    if seen:
        raise TrainingError(
            f"--leave-out {','.join(seen)}: the {option} bundle {start.path.name} was "
            "trained on them; start from a bundle that never saw them"
        )


def check_features(cfg: TrainConfig, spec: ModelSpec) -> str:
    from handcam.features.preprocess import feature_size

    try:
        feature_size(cfg.features)
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc
    return cfg.features


def gather(cfg: TrainConfig, init, spec: ModelSpec, preprocess, progress: Progress):
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
    dropped: set[str] = set()
    new = HandSet.empty()
    samples = []
    if folders:
        csvs = [cfg.groups] if isinstance(cfg.groups, str) else list(cfg.groups or [])
        dataset = scan_dataset(folders, [Path(c) for c in csvs])
        if cfg.leave_out:
            dropped = {s.group for s in dataset.samples if s.group in cfg.leave_out}
            dataset.samples = [s for s in dataset.samples if s.group not in cfg.leave_out]
        progress.message(f"{len(dataset.samples)} images in {len(dataset.labels)} classes")
        extracted = extract_hands(dataset.samples, preprocess, progress)
        info.update(data_report(dataset, extracted, progress))
        new, samples = extracted.hands, extracted.ok_samples
        if cfg.webcam_copies > 0 and "crop" not in spec.inputs:
            new, info["webcam"] = _with_webcam_copies(cfg, samples, new, preprocess, progress)
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
    if cfg.leave_out:
        hands, crops = _leave_out(hands, crops, cfg.leave_out, dropped, progress)
        info["left_out"] = list(cfg.leave_out)
    if len(hands) == 0:
        raise DatasetError("no usable samples: no hand was found in any image")
    return ModelData(hands, crops, preprocess, spec.inputs), info


def _with_webcam_copies(cfg: TrainConfig, samples, hands: HandSet, preprocess, progress):
    """The photos' hands and those found in their webcam copies (recorded samples, which
    are webcam frames already, get none)."""
    from training.webcam_hands import webcam_hands

    photos = np.array([s.sidecar is None for s in samples], dtype=bool)
    chosen = [s for s, p in zip(samples, photos, strict=True) if p]
    copies, info = webcam_hands(
        chosen, hands.subset(np.flatnonzero(photos)), cfg.webcam_copies,
        preprocess.detector_complexity, progress, seed=cfg.seed,
    )  # fmt: skip
    progress.message(
        f"webcam copies: {info['hands_found']} hands found in {info['scenes']} scenes "
        f"({info['made_now']} made now, {info['seconds']:.0f} s)"
    )
    return HandSet.concat([hands, copies]), info


def _leave_out(hands: HandSet, crops, groups: tuple[str, ...], dropped: set, progress: Progress):
    """``hands`` (and their crops) without the rows of ``groups`` (the data folders'
    photos of them, ``dropped``, were left out before their hands were found).
    DatasetError when a group is nowhere: a typo must not leave a holdout in training."""
    keep = ~np.isin(hands.groups, list(groups))
    found = set(hands.groups[~keep].tolist()) | dropped
    missing = [g for g in groups if g not in found]
    if missing:
        raise DatasetError(f"--leave-out: no samples of {', '.join(missing)} in the data")
    progress.message(f"left out of the model: {', '.join(groups)}")
    rows = np.flatnonzero(keep)
    return hands.subset(rows), (crops[rows] if crops is not None else None)


def choose_labels(hands: HandSet, init, info: dict, progress: Progress):
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
