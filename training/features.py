"""Hand detection once per image, cached: landmarks, handedness and crops for training."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.detection import Hand
from handcam.errors import ImageReadError
from handcam.imageio import read_image
from handcam.preprocess import PreprocessConfig, crop_hand, normalize_landmarks
from training.data import Sample
from training.progress import Progress

log = logging.getLogger(__name__)
CACHE_VERSION = 3  # 2: padded steps; 3: tiles for small hands in big photos


@dataclass
class Features:
    """Per-sample arrays, aligned with ``samples``; ``status`` says what happened."""

    samples: list[Sample]
    status: np.ndarray  # "ok" | "no_hand" | "unreadable"
    landmarks: np.ndarray  # (N, 63) float32, normalised (zeros where not ok)
    crops: np.ndarray  # (N, S, S, 3) uint8
    handedness: np.ndarray  # (N,) str

    @property
    def ok(self) -> np.ndarray:
        return self.status == "ok"


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
    text = json.dumps({"v": CACHE_VERSION, **config.to_dict()}, sort_keys=True)
    return cache_dir / f"features-{hashlib.sha1(text.encode()).hexdigest()[:16]}.npz"


def _load_cache(path: Path) -> dict[str, tuple]:
    if not path.is_file():
        return {}
    try:
        with np.load(path, allow_pickle=False) as z:
            return {
                str(k): (str(s), lm, str(h), c)
                for k, s, lm, h, c in zip(
                    z["keys"],
                    z["status"],
                    z["landmarks"],
                    z["handedness"],
                    z["crops"],
                    strict=True,
                )
            }
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable feature cache %s (%s)", path, exc)
        return {}


def _save_cache(path: Path, entries: dict[str, tuple], size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = list(entries)
    tmp = path.with_suffix(".tmp.npz")
    try:
        np.savez(
            tmp,
            keys=np.array(keys),
            status=np.array([entries[k][0] for k in keys]),
            landmarks=np.stack([entries[k][1] for k in keys]).astype(np.float32)
            if keys
            else np.zeros((0, 63), np.float32),
            handedness=np.array([entries[k][2] for k in keys]),
            crops=np.stack([entries[k][3] for k in keys]).astype(np.uint8)
            if keys
            else np.zeros((0, size, size, 3), np.uint8),
        )
        os.replace(tmp, path)
    except OSError as exc:  # a cache is a convenience: never fail training over it
        log.warning("could not write feature cache %s (%s)", path, exc)
        tmp.unlink(missing_ok=True)


def extract_features(
    samples: list[Sample],
    config: PreprocessConfig,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
) -> Features:
    """Detect the hand in every sample (or read its sidecar) and compute model inputs."""
    progress = progress or Progress()
    cache_dir = cache_dir or default_cache_dir()
    cache_file = _cache_path(cache_dir, config)
    cache = _load_cache(cache_file)
    size = config.crop_size
    blank = np.zeros((size, size, 3), np.uint8)
    detector = None
    entries: list[tuple] = []
    fresh = 0
    try:
        for i, sample in enumerate(samples):
            try:
                key = _file_key(sample.path)
            except OSError:
                key = None
            if key is not None and key in cache:
                entries.append(cache[key])
            else:
                if detector is None and sample.sidecar is None:
                    from handcam.detection import MediaPipeHandDetector

                    detector = MediaPipeHandDetector(
                        mode="image",
                        complexity=config.detector_complexity,
                        still_padding=config.still_padding,
                    )
                entry = _compute(sample, config, detector, blank)
                entries.append(entry)
                if key is not None:
                    cache[key] = entry
                    fresh += 1
            progress.bar("finding hands", i + 1, len(samples))
    finally:
        if detector is not None:
            detector.close()
    if fresh:
        _save_cache(cache_file, cache, size)
    status = np.array([e[0] for e in entries])
    return Features(
        samples=samples,
        status=status,
        landmarks=np.stack([e[1] for e in entries]).astype(np.float32),
        crops=np.stack([e[3] for e in entries]).astype(np.uint8),
        handedness=np.array([e[2] for e in entries]),
    )


def _compute(sample: Sample, config: PreprocessConfig, detector, blank: np.ndarray) -> tuple:
    zeros = np.zeros(63, np.float32)
    try:
        image = read_image(sample.path)
    except ImageReadError as exc:
        log.warning("skipping %s", exc)
        return ("unreadable", zeros, "", blank)
    hand = _sidecar_hand(sample.sidecar) if sample.sidecar else None
    if hand is None:
        if detector is None:
            from handcam.detection import MediaPipeHandDetector

            detector = MediaPipeHandDetector(mode="image", complexity=config.detector_complexity)
        hands = detector.detect(image)
        hand = hands[0] if hands else None
    if hand is None:
        return ("no_hand", zeros, "", blank)
    try:
        lms = normalize_landmarks(hand.landmarks, hand.handedness, config)
    except ValueError:
        return ("no_hand", zeros, "", blank)
    crop = crop_hand(image, hand.landmarks, hand.handedness, config)
    return ("ok", lms, hand.handedness, crop)


def _sidecar_hand(path: Path) -> Hand | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Hand.from_dict(data.get("hand", data))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("%s: unusable sidecar (%s); detecting the hand instead", path, exc)
        return None
