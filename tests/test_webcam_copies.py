"""Webcam-like copies of training photos: the scene (size, where the hand went), the app's
tracker finding the pasted hand (cached), splits that keep a photo and its copies together,
and ``handcam-train --webcam-copies``."""

import json

import numpy as np
import pytest

from conftest import dataset_images
from handcam.model.trainset import HandSet
from training.webcam import WebcamLook, webcam_frames
from training.webcam_hands import (
    copy_origin,
    is_copy,
    original_of,
    plan_split_with_copies,
    source_names,
    without_leaks,
)


def _photo():
    """A plain wall with a skin-coloured hand drawn along synthetic landmarks."""
    import cv2

    from handcam.testing import synthetic_hand

    img = np.full((300, 300, 3), 200, np.uint8)
    hand = synthetic_hand(300, 300)
    for a, b in [(0, 4), (0, 8), (0, 12), (0, 16), (0, 20)]:
        p, q = hand.landmarks[a, :2].astype(int), hand.landmarks[b, :2].astype(int)
        cv2.line(img, tuple(map(int, p)), tuple(map(int, q)), (150, 100, 80), 12)
    return img, hand.landmarks


def test_a_webcam_scene_puts_the_hand_where_it_says_at_a_webcam_size_and_repeats_for_a_seed():
    photo, lms = _photo()
    look = WebcamLook(frames=2)
    scene = webcam_frames(photo, lms, np.random.default_rng(5), look)
    again = webcam_frames(photo, lms, np.random.default_rng(5), look)
    assert len(scene.frames) == 2
    h, w = scene.frames[0].shape[:2]
    assert (w, h) in look.sizes and scene.frames[0].dtype == np.uint8
    x0, y0, x1, y1 = scene.box
    side = max(x1 - x0, y1 - y0)
    assert 0.8 * look.min_hand_px <= side <= 0.8 * h * 1.3  # drawn at a webcam hand's size
    assert -0.2 * w < x0 < x1 < 1.2 * w and -0.2 * h < y0 < y1 < 1.2 * h
    assert all(np.array_equal(a, b) for a, b in zip(scene.frames, again.frames, strict=True))


def _hands(origins, groups, labels):
    n = len(origins)
    z = np.zeros((n, 21, 3), np.float32)
    return HandSet(z, z, np.array(["Right"] * n), np.array(labels), np.array(groups),
                   np.array([""] * n), np.array(origins))  # fmt: skip


def test_a_photo_and_its_copies_always_share_a_split_part():
    origins, labels = [], []
    for c in "ab":
        for i in range(10):
            o = f"d/{c}/{i}.jpg"
            origins += [o, copy_origin(o, 0), copy_origin(o, 1)]
            labels += [c] * 3
    hands = _hands(origins, [""] * len(origins), labels)  # no groups: split by sample
    y = np.array([0 if lab == "a" else 1 for lab in labels])
    plan = plan_split_with_copies(y, hands, ["a", "b"], 0.2, 0.2, seed=0)
    part = plan.parts(len(y))
    for i, o in enumerate(origins):
        assert part[i] == part[origins.index(original_of(o))], o
    assert set(part) == {"train", "validation", "test"}
    assert list(is_copy(np.array(origins[:3]))) == [False, True, True]
    assert list(source_names(np.array(origins[:2]))) == ["d", "d (webcam)"]
    held = np.array([0])
    rows = without_leaks(np.arange(1, 6), held, np.array(origins))
    assert list(rows) == [3, 4, 5]  # the held photo's copies are not trained on


@pytest.mark.slow
def test_the_tracker_finds_the_hand_in_copies_of_real_photos_and_caches_them(dataset_dir, tmp_path):
    from handcam.features.preprocess import PreprocessConfig
    from training.data import Sample
    from training.hand_cache import extract_hands
    from training.webcam_hands import webcam_hands

    photos = dataset_images(per_class=1)[:4]
    samples = [Sample(p, p.parent.name, "s", None, f"digits/{p.parent.name}/{p.name}")
               for p in photos]  # fmt: skip
    ex = extract_hands(samples, PreprocessConfig(), cache_dir=tmp_path)
    copies, info = webcam_hands(ex.ok_samples, ex.hands, 2, cache_dir=tmp_path)
    assert info["scenes"] == 2 * len(ex.ok_samples) and info["made_now"] == info["scenes"]
    assert info["hands_found"] >= info["scenes"] // 2  # small soft hands are sometimes missed
    assert all(is_copy(copies.origins)) and set(copies.groups) == {"s"}
    assert {original_of(o) for o in copies.origins} <= {s.origin for s in ex.ok_samples}
    again, info2 = webcam_hands(ex.ok_samples, ex.hands, 2, cache_dir=tmp_path)
    assert info2["made_now"] == 0 and np.array_equal(again.landmarks, copies.landmarks)


@pytest.mark.slow
def test_handcam_train_learns_from_webcam_copies_and_scores_photos(
    dataset_dir, tmp_path, monkeypatch
):
    import shutil

    from handcam.model.trainset import load_bundle_handset
    from training.cli import main as train_main

    data = tmp_path / "data"
    for digit in "01":
        (data / digit).mkdir(parents=True)
        for p in sorted((dataset_dir / digit).glob("*.JPG"))[:6]:
            shutil.copy(p, data / digit / p.name)
    monkeypatch.setenv("HANDCAM_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "m"
    args = [str(data), "--out", str(out), "--epochs", "3", "--no-export", "--webcam-copies", "1"]
    assert train_main(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["webcam"]["copies_per_photo"] == 1
    carried = load_bundle_handset(out)
    copies = is_copy(carried.origins)
    assert copies.any() and (~copies).sum() == 12
    part_of = dict(zip(carried.origins, carried.parts, strict=True))
    assert all(part_of[original_of(o)] == part_of[o] for o in carried.origins[copies])
    for part in ("validation", "test"):
        assert (
            "data (webcam)" in report["evaluation"][part]["by_source"]
            or not (copies & (carried.parts == part)).any()
        )
