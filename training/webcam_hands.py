"""Webcam copies of training photos, and the hands the app's tracker finds in them.

Each photo gets ``copies`` webcam-like scenes (:mod:`training.webcam`); the app's video
tracker runs over each scene's frames as it would live (a search on the first frame,
tracking after it), and the hand of the last frame is kept when it is the pasted hand
(its box overlaps where the photo's hand was put; a face or a fold found instead is
dropped). Results are cached per photo file and copy, so a second run costs nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from handcam.capture.images import read_image
from handcam.errors import ImageReadError
from handcam.hands.hand import NUM_LANDMARKS, box_iou
from handcam.model.trainset import HandSet
from training.data import Sample
from training.hand_cache import _EMPTY, _entry, _load_cache, _save_cache
from training.progress import Progress
from training.webcam import WebcamLook, webcam_frames

log = logging.getLogger(__name__)

LOOK_VERSION = 1  # bump when training.webcam draws other scenes
COPY_MARK = "#webcam"  # origins of copies: "<photo origin>#webcam<k>"
MIN_IOU = 0.3
SAVE_EVERY = 400  # copies made between cache saves


def copy_origin(origin: str, k: int) -> str:
    return f"{origin}{COPY_MARK}{k}"


def original_of(origin: str) -> str:
    """The photo a copy was made from (an original's own origin)."""
    return origin.split(COPY_MARK, 1)[0]


def is_copy(origins: np.ndarray) -> np.ndarray:
    return np.char.find(origins.astype(str), COPY_MARK) >= 0


def _content_key(path: Path) -> str:
    """The photo's content (not its name or place): a copy is the same wherever the photo
    lies, under whatever label folder."""
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()


def _cache_file(cache_dir: Path, complexity: int, look: WebcamLook) -> Path:
    from handcam.hands.tracker import SEARCH_VERSION

    key = {"v": LOOK_VERSION, "c": complexity, "look": repr(look), "tracker": SEARCH_VERSION}
    text = json.dumps(key, sort_keys=True)
    return cache_dir / f"webcam-{hashlib.sha1(text.encode()).hexdigest()[:16]}.npz"


def webcam_hands(
    samples: list[Sample],
    hands: HandSet,
    copies: int,
    complexity: int = 1,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    look: WebcamLook | None = None,
    seed: int = 0,
) -> tuple[HandSet, dict]:
    """The tracked hands of ``copies`` webcam scenes of each sample's photo (``hands``: the
    photos' own hands, row per sample), with the photo's label and group; and figures
    (copies made, hands found, seconds)."""
    import time

    from handcam.hands.mediapipe_models import LandmarkModel, PalmModel
    from handcam.hands.tracker import HandTracker, TrackerConfig
    from training.hand_cache import default_cache_dir

    progress = progress or Progress()
    look = look or WebcamLook()
    cache_path = _cache_file(cache_dir or default_cache_dir(), complexity, look)
    cache = _load_cache(cache_path) if samples and copies else {}
    tracker = None
    rows: list[tuple[int, int, tuple]] = []
    fresh = 0
    started = time.perf_counter()
    jobs = [(i, k) for i in range(len(samples)) for k in range(copies)]
    for i, k in progress.track(jobs, "webcam copies"):
        sample = samples[i]
        try:
            key = f"{_content_key(sample.path)}|{k}|{seed}"
        except OSError:
            continue
        entry = cache.get(key)
        if entry is None:
            if tracker is None:
                cfg = TrackerConfig(max_hands=2)
                tracker = HandTracker(
                    complexity,
                    cfg,
                    PalmModel(complexity, min_score=cfg.weak_palm_score),
                    LandmarkModel(complexity),
                )
            entry = _one_copy(sample, hands.landmarks[i], k, seed, tracker, look)
            if entry[0] == "unreadable":
                continue
            cache[key] = entry
            fresh += 1
            if fresh % SAVE_EVERY == 0:  # long work: an interrupted run keeps what it made
                _save_cache(cache_path, cache)
        if entry[0] == "ok":
            rows.append((i, k, entry))
    if fresh:
        _save_cache(cache_path, cache)
    seconds = time.perf_counter() - started
    idx = [i for i, _, _ in rows]
    out = HandSet(
        landmarks=np.array([e[1] for _, _, e in rows], np.float32).reshape(-1, NUM_LANDMARKS, 3),
        world=np.array([e[2] for _, _, e in rows], np.float32).reshape(-1, NUM_LANDMARKS, 3),
        handedness=np.array([e[3] for _, _, e in rows], dtype=str),
        labels=hands.labels[idx].astype(str),
        groups=hands.groups[idx].astype(str),
        parts=np.array([""] * len(rows), dtype=str),
        origins=np.array([copy_origin(str(hands.origins[i]), k) for i, k, _ in rows], dtype=str),
    )
    info = {
        "copies_per_photo": copies,
        "scenes": len(jobs),
        "hands_found": len(rows),
        "made_now": fresh,
        "seconds": round(seconds, 1),
    }
    return out, info


def _one_copy(sample: Sample, lms: np.ndarray, k: int, seed: int, tracker, look) -> tuple:
    """(status, landmarks, world, handedness) of one webcam copy of a photo."""
    try:
        photo = read_image(sample.path)
    except ImageReadError as exc:
        log.warning("no webcam copy of %s", exc)
        return ("unreadable", _EMPTY, _EMPTY, "")
    digest = hashlib.sha1(f"{_content_key(sample.path)}|{k}|{seed}".encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:8], "little"))
    scene = webcam_frames(photo, lms, rng, look)
    tracker.reset()
    found = []
    for frame in scene.frames:
        found = tracker.detect(frame)
    best = max(found, key=lambda h: box_iou(h.box, scene.box), default=None)
    if best is None or box_iou(best.box, scene.box) < MIN_IOU:
        return ("no_hand", _EMPTY, _EMPTY, "")
    return _entry(best)


def source_names(origins: np.ndarray) -> np.ndarray:
    """Each row's source for per-source figures: the dataset's name, "(webcam)" added for
    webcam copies."""
    names = [o.split("/")[0] + (" (webcam)" if COPY_MARK in o else "") for o in origins]
    return np.array(names, dtype=str)


def plan_split_with_copies(y, hands: HandSet, labels, val_fraction, test_fraction, seed):
    """:func:`training.splits.plan_split` of the rows that are no new webcam copy; each new
    copy then goes to its photo's part, so a photo and its copies never straddle parts."""
    from training.splits import SplitPlan, plan_split

    new_copy = is_copy(hands.origins) & (hands.parts == "")
    own = np.flatnonzero(~new_copy)
    plan = plan_split(
        y[own], hands.groups[own], labels, hands.parts[own], val_fraction, test_fraction, seed
    )
    if not new_copy.any():
        return plan
    parts = np.full(len(y), "train", dtype=object)
    parts[own] = plan.parts(len(own))
    part_of = dict(zip(hands.origins[own].tolist(), parts[own].tolist(), strict=True))
    for i in np.flatnonzero(new_copy):
        parts[i] = part_of.get(original_of(str(hands.origins[i])), "train")
    return SplitPlan(
        train=np.flatnonzero(parts == "train"),
        validation=np.flatnonzero(parts == "validation"),
        test=np.flatnonzero(parts == "test"),
        policy=plan.policy,
        grouped_labels=plan.grouped_labels,
        by_sample_labels=plan.by_sample_labels,
        notes=plan.notes,
    )


def without_leaks(train_rows: np.ndarray, held: np.ndarray, origins: np.ndarray) -> np.ndarray:
    """``train_rows`` less the copies and photos of any photo in ``held`` (a fold split by
    sample must not train on a copy of a photo it scores)."""
    scored = {original_of(str(o)) for o in origins[held]}
    keep = [original_of(str(o)) not in scored for o in origins[train_rows]]
    return train_rows[np.array(keep, dtype=bool)] if len(train_rows) else train_rows
