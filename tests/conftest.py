"""Shared fixtures. Qt runs offscreen; real-hand tests skip without the shared dataset."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DATASET = REPO.parent / "shared" / "datasets" / "sign-language-digits"
MODEL = REPO / "models" / "digits"


@pytest.fixture(autouse=True, scope="session")
def _isolated_dirs(tmp_path_factory):
    """Keep feature caches and settings out of the user's home."""
    os.environ["HANDCAM_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp_path_factory.mktemp("config"))
    os.environ["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("data"))


@pytest.fixture
def dataset_dir() -> Path:
    if not DATASET.is_dir():
        pytest.skip(f"real-hand test: {DATASET} is not present beside the repo")
    return DATASET


def dataset_images(per_class: int = 1) -> list[Path]:
    out = []
    for digit in range(10):
        out += sorted((DATASET / str(digit)).glob("*.JPG"))[:per_class]
    return out


def frame(width: int = 640, height: int = 480, value: int = 90) -> np.ndarray:
    return np.full((height, width, 3), value, np.uint8)


def write_video(path: Path, frames: int = 12, size=(160, 120), fps: float = 30) -> Path:
    import cv2

    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        img = np.full((size[1], size[0], 3), (i * 20) % 255, np.uint8)
        out.write(img)
    out.release()
    return path


def make_sidecar_dataset(
    root: Path, classes: dict[str, float], per_class: int = 12, seed: int = 0
) -> Path:
    """Images with app-style sidecars holding synthetic landmarks (no MediaPipe needed).

    Each class is a hand with a different finger spread, so classes are learnable.
    """
    import cv2

    from handcam.hands.hand import Hand
    from handcam.testing import synthetic_hand

    rng = np.random.default_rng(seed)
    for label, spread in classes.items():
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            base = synthetic_hand(160, 120, spread=spread)
            lms = base.landmarks + rng.normal(0, 0.6, base.landmarks.shape).astype(np.float32)
            hand = Hand(lms, "Right" if i % 2 else "Left", 0.9)
            img = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            cv2.imwrite(str(folder / f"s{i:03d}.png"), img)
            sidecar = {"hand": hand.to_dict(), "session": f"sess{i % 3}"}
            (folder / f"s{i:03d}.json").write_text(json.dumps(sidecar))
    return root


TINY_CLASSES = {"open": 1.0, "half": 0.55, "closed": 0.15}  # finger spreads


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """A tiny sidecar dataset of three classes (training tests)."""
    return make_sidecar_dataset(tmp_path_factory.mktemp("tiny"), TINY_CLASSES)


def composite(
    hands: list[tuple[Path, tuple[float, float], int, bool]],
    scene: str = "clutter",
    seed: int = 0,
    size: tuple[int, int] = (640, 480),
    paste: str = "segmented",
) -> tuple[np.ndarray, list[list[float]]]:
    """A frame with digits photos (path, centre, size px, flipped) pasted on a synthetic
    scene, as the composite test videos make them; returns it and the hand boxes."""
    from benchmarks.scenes import make_scene
    from benchmarks.videos import hand_patch, place
    from handcam.capture.images import read_image

    rng = np.random.default_rng(seed)
    img = make_scene(scene, (size[1], size[0]), rng).astype(np.float32)
    boxes = []
    for path, centre, px, flipped in hands:
        patch, alpha, box = hand_patch(read_image(path), px, paste, flipped, np.ones(3))
        boxes.append(place(img, patch, alpha, px, box, (np.array(centre), 0.0, 1.0)))
    return img.clip(0, 255).astype(np.uint8), boxes


def heldout_photo(label: str, signer_rank: int = 0) -> Path:
    """A photo of ``label`` by one of the bundled model's held-out test signers."""
    from benchmarks.videos import heldout_signers, read_signers

    signers = read_signers(DATASET / "signers.csv")
    held = heldout_signers(MODEL, signers)
    paths = sorted(p for p, s in signers.items() if s in held and p.startswith(f"{label}/"))
    return DATASET / paths[signer_rank % len(paths)]
