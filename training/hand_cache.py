"""Hand detection once per image, cached: the raw hands (landmarks, world landmarks,
handedness) of every sample, as a :class:`HandSet`. Feature vectors and crops are
computed from them later, so one detection serves every feature set and model."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.capture.images import read_image
from handcam.errors import ImageReadError
from handcam.features.preprocess import PreprocessConfig, crop_hand, is_degenerate
from handcam.hands.hand import NUM_LANDMARKS, Hand, HandDetector
from handcam.model.trainset import HandSet
from training.data import Sample
from training.progress import Progress

log = logging.getLogger(__name__)
CACHE_VERSION = 5  # 5: raw hands (landmarks, world, handedness) found by the LiteRT still detector


@dataclass(frozen=True)
class Extracted:
    """Every sample's status ("ok" | "no_hand" | "unreadable") and the hands of the ok ones."""

    samples: list[Sample]
    status: np.ndarray
    hands: HandSet  # one row per ok sample, in sample order

    @property
    def ok(self) -> np.ndarray:
        return self.status == "ok"

    @property
    def ok_samples(self) -> list[Sample]:
        return [s for s, st in zip(self.samples, self.status, strict=True) if st == "ok"]


def default_cache_dir() -> Path:
    env = os.environ.get("HANDCAM_CACHE_DIR")
    if env:
        return Path(env)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("handcam")) / "features"


def _file_key(path: Path) -> str:
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"


def _cache_path(cache_dir: Path, config: PreprocessConfig) -> Path:
    detection = {"complexity": config.detector_complexity, "padding": config.still_padding}
    text = json.dumps({"v": CACHE_VERSION, **detection}, sort_keys=True)
    return cache_dir / f"hands-{hashlib.sha1(text.encode()).hexdigest()[:16]}.npz"


_EMPTY = np.zeros((NUM_LANDMARKS, 3), np.float32)


def _load_cache(path: Path) -> dict[str, tuple]:
    """key -> (status, landmarks, world, handedness). A bad file is rebuilt, not fatal."""
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            keys, status, lms = z["keys"], z["status"], z["landmarks"]
            world, handed = z["world"], z["handedness"]
            if not (len(keys) == len(status) == len(lms) == len(world) == len(handed)):
                raise ValueError("arrays of different lengths")
            return {
                str(k): (str(s), lm, w, str(h))
                for k, s, lm, w, h in zip(keys, status, lms, world, handed, strict=True)
            }
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        log.warning("feature cache %s is unreadable (%s); rebuilding it", path, exc)
        return {}


def _save_cache(path: Path, entries: dict[str, tuple]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(entries)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    try:
        np.savez(
            tmp,
            keys=np.array(keys, dtype=str),
            status=np.array([entries[k][0] for k in keys], dtype=str),
            landmarks=np.stack([entries[k][1] for k in keys]).astype(np.float32),
            world=np.stack([entries[k][2] for k in keys]).astype(np.float32),
            handedness=np.array([entries[k][3] for k in keys], dtype=str),
        )
        os.replace(tmp, path)
    except OSError as exc:  # a cache is a convenience: never fail training over it
        log.warning("could not write feature cache %s (%s)", path, exc)
        tmp.unlink(missing_ok=True)


def extract_hands(
    samples: list[Sample],
    config: PreprocessConfig,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    detector: HandDetector | None = None,
) -> Extracted:
    """The hand of every sample: from its sidecar, the cache, or a still-image detection."""
    progress = progress or Progress()
    cache_file = _cache_path(cache_dir or default_cache_dir(), config)
    cache = _load_cache(cache_file) if samples else {}
    owned = detector is None
    entries: list[tuple] = []
    fresh = 0
    try:
        for sample in progress.track(samples, "finding hands"):
            hand = _sidecar_hand(sample.sidecar) if sample.sidecar else None
            if hand is not None:
                problem = image_problem(sample.path)
                if problem:
                    log.warning("skipping %s: %s", sample.path, problem)
                entries.append(("unreadable", _EMPTY, _EMPTY, "") if problem else _entry(hand))
                continue
            try:
                key = _file_key(sample.path)
            except OSError:
                key = None
            if key is not None and key in cache:
                entries.append(cache[key])
                continue
            if detector is None:
                from handcam.hands.factory import make_detector

                detector = make_detector("image", config.detector_complexity, config.still_padding)
            entry = _detect(sample, detector)
            entries.append(entry)
            if key is not None and entry[0] != "unreadable":
                cache[key] = entry
                fresh += 1
    finally:
        if owned and detector is not None:
            detector.close()
    if fresh:
        _save_cache(cache_file, cache)
    status = np.array([e[0] for e in entries], dtype=str) if entries else np.array([], str)
    ok = [i for i, e in enumerate(entries) if e[0] == "ok"]
    hands = HandSet(
        landmarks=np.array([entries[i][1] for i in ok], np.float32).reshape(-1, NUM_LANDMARKS, 3),
        world=np.array([entries[i][2] for i in ok], np.float32).reshape(-1, NUM_LANDMARKS, 3),
        handedness=np.array([entries[i][3] for i in ok], dtype=str),
        labels=np.array([samples[i].label for i in ok], dtype=str),
        groups=np.array([samples[i].group or "" for i in ok], dtype=str),
        parts=np.array([""] * len(ok), dtype=str),
        origins=np.array([samples[i].origin for i in ok], dtype=str),
    )
    return Extracted(samples, status, hands)


def _entry(hand: Hand) -> tuple:
    if is_degenerate(hand.landmarks)[0]:
        return ("no_hand", _EMPTY, _EMPTY, "")
    world = hand.world_landmarks
    return (
        "ok",
        np.asarray(hand.landmarks, np.float32),
        np.asarray(world, np.float32) if world is not None else np.full_like(_EMPTY, np.nan),
        hand.handedness,
    )


def _detect(sample: Sample, detector: HandDetector) -> tuple:
    try:
        image = read_image(sample.path)
    except ImageReadError as exc:
        log.warning("skipping %s", exc)
        return ("unreadable", _EMPTY, _EMPTY, "")
    hands = detector.detect(image)
    return _entry(hands[0]) if hands else ("no_hand", _EMPTY, _EMPTY, "")


_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"BM", b"RIFF")


def image_problem(path: Path) -> str | None:
    """Why an image file is unusable (unreadable, empty, not an image), cheaply: its first
    bytes only. None when it looks fine."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        return f"cannot read it ({exc.strerror or exc})"
    if not head:
        return "empty file"
    if not head.startswith(_MAGIC):
        return "not a JPEG, PNG, BMP or WebP image (corrupt?)"
    return None


def _sidecar_hand(path: Path) -> Hand | None:
    """The hand the app saved with a recorded sample; None (with a warning) if unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        hand = data.get("hand", data)
        if not isinstance(hand, dict):
            raise ValueError("'hand' is not an object")
        return Hand.from_dict(hand)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: unusable sidecar (%s); detecting the hand instead", path, exc)
        return None


def hand_crops(
    samples: list[Sample], hands: HandSet, config: PreprocessConfig, progress: Progress
) -> np.ndarray:
    """(N, S, S, 3) uint8 crops of the ok samples (read from their images, not cached)."""
    size = config.crop_size
    out = np.zeros((len(samples), size, size, 3), np.uint8)
    for i, sample in enumerate(progress.track(samples, "cropping hands")):
        try:
            image = read_image(sample.path)
        except ImageReadError as exc:
            log.warning("no crop for %s", exc)
            continue
        out[i] = crop_hand(image, hands.landmarks[i], str(hands.handedness[i]), config)
    return out
