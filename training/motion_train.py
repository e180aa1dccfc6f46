"""Motion signs in ``handcam-train``: clips found in the data folders (``*.clip.json``, as
``handcam record --clip`` writes them) are learned beside the still samples.

- still samples and clips (or ``--init`` and clips): the still model trains as ever and the
  motion model is added to its bundle (:func:`add_motion`);
- clips only with ``--init BUNDLE``: the bundle's still model is kept as it is, and the
  motion signs are added to it (:func:`train_motion_only`, e.g. the digits plus "hello");
- clips only: a bundle of motion signs only (``"model": "motion"``).

The clips a bundle learned from travel inside it (``motion_clips.npz``), so a later
``--init`` keeps its motion signs; a sign given again by new clips is learned from them.
The report gains a "motion" section: per sign, caught once on its clips kept back (varied
as another person would make them) and false onsets a minute over still hands.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from handcam.errors import BundleError, HandcamError
from handcam.model.bundle import (
    CONFIG_FILE,
    LABELS_FILE,
    MOTION_ONLY,
    REPORT_FILE,
    ModelBundle,
    bundled_models_dir,
)
from handcam.model.integrity import seal
from handcam.model.trainset import TRAINSET_FILE, HandSet
from handcam.recording.clips import (
    Clip,
    ClipError,
    find_clips,
    load_carried_clips,
    load_clip,
    motion_span,
    save_carried_clips,
)
from handcam.signs.motion import MOTION_LABELS
from handcam.signs.motion_model import MOTION_CLIPS_FILE, MOTION_FILE
from training.commit import commit_bundle
from training.config import TrainingError
from training.progress import Progress

log = logging.getLogger(__name__)


def gather_clips(
    data_dirs, init: ModelBundle | None, progress: Progress
) -> tuple[dict[str, list[Clip]], bool]:
    """(label -> clips, whether any clip is new): the data folders' clips, then the clips
    carried by bundles given as data and by ``init`` for signs not given again. A clip that
    cannot be read or holds no motion is said and left out."""
    clips: dict[str, list[Clip]] = {}
    bad = []
    for root in data_dirs:
        for path in find_clips(Path(root)):
            try:
                clip = load_clip(path)
                motion_span(clip)
            except ClipError as exc:
                bad.append(f"{path.name}: {exc}")
                continue
            if any(_same_clip(clip, c) for c in clips.get(clip.label, [])):
                bad.append(f"{path.name}: the same frames as another clip of {clip.label}")
                continue
            clips.setdefault(clip.label, []).append(clip)
    for line in bad:
        progress.message(f"left out clip {line}")
    new = bool(clips)
    carriers = [Path(d).expanduser() for d in data_dirs] + ([init.path] if init else [])
    for bundle in carriers:
        path = bundle / MOTION_CLIPS_FILE
        if not path.is_file():
            continue
        try:
            carried = load_carried_clips(path)
        except Exception as exc:  # a damaged file: its signs cannot be kept
            raise TrainingError(
                f"{path}: damaged ({exc}); the motion signs it carries cannot be kept"
            ) from exc
        for label, items in carried.items():
            clips.setdefault(label, items)  # new clips of a sign replace the carried ones
    check_pairs(clips, init)
    return clips, new


def _same_clip(a: Clip, b: Clip) -> bool:
    """The same recording saved twice (the same video recorded again)."""
    if len(a.times) != len(b.times) or not np.array_equal(a.times, b.times):
        return False
    return all(
        (x is None and y is None)
        or (x is not None and y is not None and np.array_equal(x.landmarks, y.landmarks))
        for x, y in zip(a.hands, b.hands, strict=True)
    )


def check_pairs(clips: dict, init: ModelBundle | None) -> None:
    """J and Z are re-taught together: the hand-written recogniser reads both or neither."""
    hand_written = set(MOTION_LABELS) & set(init.motion_signs if init else ())
    taught = set(MOTION_LABELS) & set(clips)
    if hand_written and taught and taught != set(MOTION_LABELS):
        raise TrainingError(
            f"clips of {' and '.join(sorted(taught))} only: {init.path.name} reads J and Z "
            "from their motion together; record clips of both to teach them your way"
        )


def still_dirs(data_dirs) -> list[str]:
    """The data folders that hold still samples (images) or are bundles with still signs (a
    bundle of motion signs only gives its carried clips)."""
    from handcam.model.bundle import says_motion_only
    from training.data import DatasetError, scan_dataset

    out = []
    for d in data_dirs:
        config = Path(d).expanduser() / CONFIG_FILE
        if config.is_file():
            if not says_motion_only(config):
                out.append(d)
            continue
        try:
            scan_dataset([Path(d)])
        except DatasetError:
            continue
        out.append(d)
    return out


def check_labels(clips: dict[str, list[Clip]], still_labels) -> None:
    """A sign is still or moving, not both."""
    both = sorted(set(clips) & set(still_labels))
    if both:
        raise TrainingError(
            f"{', '.join(both)}: recorded both as still samples and as clips; a sign is one or "
            "the other (move one of them to another label)"
        )


def add_motion(work: Path, clips, init, seed: int, progress: Progress, new: bool = True) -> None:
    """Train the motion model on ``clips`` and add it to the bundle in ``work``; with no
    ``new`` clip, the init bundle's motion model is kept as it is."""
    from training.motion_fit import check_motion, fit_motion

    labels = tuple(sorted(clips))
    config = json.loads((work / CONFIG_FILE).read_text(encoding="utf-8"))
    hand_written = tuple(
        s for s in config.get("motion_signs", []) if s in MOTION_LABELS and s not in labels
    )
    if not new and init is not None and _usable(init.path / MOTION_FILE):
        for name in (MOTION_FILE, MOTION_CLIPS_FILE):
            shutil.copy2(init.path / name, work / name)
        _write_motion_config(work, config, hand_written, tuple(init.learned_motion))
        progress.message(f"motion signs {', '.join(init.learned_motion)} kept as they were")
        return
    still = still_hands(work, init)
    progress.message(
        f"motion signs: {', '.join(f'{k} ({len(v)} clips)' for k, v in sorted(clips.items()))}"
    )
    started = time.time()
    kept = {k: v[-1:] for k, v in clips.items() if len(v) >= 2}
    check = None
    if kept:  # measured on a model (one network) that never saw them, then learned from all
        progress.message("measuring: a model without the last clip of each sign")
        trial = fit_motion(
            {k: v[:-1] if k in kept else v for k, v in clips.items()},
            still,
            seed,
            say=progress.message,
            members=1,
        )
        check = check_motion(trial, kept, still, seed)
        for sign, v in check["signs"].items():
            progress.message(
                f"  {sign}: caught once {100 * v['caught_once']:.0f}% of varied copies "
                "of a clip kept back"
            )
        progress.message(f"  false onsets over still hands: {check['false_per_min']:.2f}/min")
    model = fit_motion(clips, still, seed, say=progress.message)
    model.save(work / MOTION_FILE)
    save_carried_clips(work / MOTION_CLIPS_FILE, clips)
    _write_motion_config(work, config, hand_written, labels)
    report_path = work / REPORT_FILE
    report = json.loads(report_path.read_text("utf-8")) if report_path.is_file() else {}
    report["motion"] = {
        "signs": list(labels),
        "clips": {k: len(v) for k, v in clips.items()},
        "kept_back": {k: len(v) for k, v in kept.items()},
        "check": check,
        "seconds": round(time.time() - started, 1),
        "note": None
        if kept
        else "every sign has one clip: record two or more a sign to measure it",
    }
    report_path.write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")


def _usable(path: Path) -> bool:
    """Can this handcam read the motion model at ``path``? Else (made by an earlier handcam,
    which read other features, or damaged) it is learned again from the carried clips."""
    from handcam.signs.motion_model import load_motion_model

    if not path.is_file():
        return False
    try:
        load_motion_model(path)
    except BundleError as exc:
        log.warning("%s", exc)
        return False
    return True


def _write_motion_config(work: Path, config: dict, hand_written, learned) -> None:
    config["motion_signs"] = list(hand_written) + list(learned)
    config["motion_model"] = {"file": MOTION_FILE, "signs": list(learned)}
    (work / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")


def train_motion_only(cfg, clips, init: ModelBundle | None, progress: Progress) -> dict:
    """A bundle from clips alone: ``init``'s still model with the motion signs added, or a
    bundle of motion signs only. Written atomically like every bundle."""
    out = Path(cfg.out).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        if init is not None and not init.motion_only:
            if set(clips) & set(init.labels) - set(init.motion_signs):
                check_labels(clips, set(init.labels) - set(init.motion_signs))
            for item in init.path.iterdir():
                if item.is_file() and item.name not in (MOTION_FILE, MOTION_CLIPS_FILE):
                    shutil.copy2(item, work / item.name)
            labels = [x for x in init.labels if x not in init.motion_signs]
            (work / LABELS_FILE).write_text(
                json.dumps(labels, indent=1, ensure_ascii=False), "utf-8"
            )
            progress.message(
                f"{init.path.name}'s still signs kept as they are; adding motion signs"
            )
        else:
            from handcam.features.preprocess import PreprocessConfig
            from handcam.model.bundle import write_bundle_metadata

            write_bundle_metadata(
                work,
                sorted(clips),
                PreprocessConfig(),
                MOTION_ONLY,
                ["landmarks"],
                {"data_dirs": [str(d) for d in cfg.data_dirs]},
            )
            (work / REPORT_FILE).write_text(json.dumps({"kind": "motion signs only"}), "utf-8")
        add_motion(work, clips, init, cfg.seed, progress)
        seal(work)
        commit_bundle(work, out, cfg.overwrite)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report = json.loads((out / REPORT_FILE).read_text("utf-8"))
    progress.message(f"bundle written to {out}")
    progress.event("done", bundle=str(out), report=report.get("evaluation", {}))
    return report


def still_hands(work: Path | None, init: ModelBundle | None, n: int = 800) -> list:
    """Still hands of no motion sign: the carried hands of the bundle being made (or of
    ``init``), else of the bundled models; up to ``n``."""
    sets = []
    for root in [work, init.path if init else None, *_bundled()]:
        if root is not None and (Path(root) / TRAINSET_FILE).is_file():
            try:
                sets.append(HandSet.load(Path(root) / TRAINSET_FILE))
            except (HandcamError, OSError, ValueError):
                continue
            if len(sets) >= 2 or root in (work,):
                break
    hands = [(s.landmarks[i], str(s.handedness[i])) for s in sets for i in range(len(s))]
    rng = np.random.default_rng(0)
    pick = rng.choice(len(hands), min(n, len(hands)), replace=False) if hands else []
    return [(np.asarray(hands[i][0], np.float64), hands[i][1]) for i in pick]


def _bundled() -> list[Path]:
    root = bundled_models_dir()
    return [root / name for name in ("letters", "digits")]
