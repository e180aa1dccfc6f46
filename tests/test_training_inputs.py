"""Training's input: folders, labels, bad datasets, groups kept apart in splits, the mirror
augmentation, the background mask, classes without hands."""

import json

import numpy as np

from conftest import make_sidecar_dataset
from handcam.model.bundle import ModelBundle
from handcam.testing import synthetic_hand
from training.cli import main as train_main
from training.splits import class_weights, kfold_indices, plan_split


def test_labels_with_spaces_and_non_ascii(tmp_path):
    data = make_sidecar_dataset(tmp_path / "d", {"thumbs up": 1.0, "ñ": 0.2}, per_class=6)
    out = tmp_path / "b"
    assert train_main([str(data), "--out", str(out), "--epochs", "1", "--no-export"]) == 0
    assert set(json.loads((out / "labels.json").read_text(encoding="utf-8"))) == {"thumbs up", "ñ"}


def test_bad_datasets_fail_clearly(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert train_main([str(empty), "--out", str(tmp_path / "o1")]) == 2
    assert "no images found" in capsys.readouterr().err
    one = make_sidecar_dataset(tmp_path / "one", {"only": 1.0}, per_class=4)
    assert train_main([str(one), "--out", str(tmp_path / "o2")]) == 2
    assert "only one class" in capsys.readouterr().err
    corrupt = make_sidecar_dataset(tmp_path / "corrupt", {"a": 1.0, "b": 0.2}, per_class=4)
    for img in (corrupt / "b").glob("*.png"):
        img.write_bytes(b"broken")
    assert train_main([str(corrupt), "--out", str(tmp_path / "o3")]) == 2
    assert "Without usable images: ['b']" in capsys.readouterr().err
    assert train_main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "o4")]) == 2
    two = make_sidecar_dataset(tmp_path / "two", {"a": 1.0, "b": 0.2}, per_class=4)
    capsys.readouterr()
    assert train_main([str(two), "--out", str(tmp_path / "o5"), "--members", "0"]) == 2
    assert "members must be a whole number from 1 to 16" in capsys.readouterr().err
    crop = [str(two), "--out", str(tmp_path / "o6"), "--model", "crop_cnn", "--members", "2"]
    assert train_main(crop) == 2
    assert "averaged networks are for landmark models" in capsys.readouterr().err
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 7))
    assert not list(tmp_path.glob(".o*"))  # no work folder left behind


def test_splits_keep_groups_apart():
    y = np.repeat(np.arange(4), 30)
    groups = np.array([f"g{i % 20}" for i in range(120)])
    plan = plan_split(y, groups, list("abcd"), None, 0.2, 0.2, seed=1)
    tr, va, te = plan.train, plan.validation, plan.test
    assert len(tr) + len(va) + len(te) == 120 and plan.policy == "grouped"
    sets = [set(groups[i]) for i in (tr, va, te)]
    assert not (sets[0] & sets[1]) and not (sets[0] & sets[2]) and not (sets[1] & sets[2])
    assert all(not missing for missing in plan.missing(y, 4).values())
    folds, grouped = kfold_indices(y, groups, 5)
    assert len(folds) == 5 and grouped
    for ftr, fva in folds:
        assert not set(groups[ftr]) & set(groups[fva])
    w = class_weights(np.array([0, 0, 0, 1]), 2)
    assert w[1] > w[0]


def test_mirror_augmentation_is_the_other_hand():
    from handcam.features.preprocess import PreprocessConfig, landmark_features
    from training.augment import LandmarkAugment, augment_hands

    hand = synthetic_hand(160, 120)
    lms, world = hand.landmarks[None], np.zeros((1, 21, 3), np.float32)
    still = LandmarkAugment(bone=0, finger=0, palm=0, mirror_prob=1.0).without_views()
    a, _, handed = augment_hands(lms, world, np.array(["Right"]), np.random.default_rng(0), still)
    assert handed.tolist() == ["Left"]
    cfg = PreprocessConfig()
    ref = landmark_features(lms, None, ["Right"], cfg).reshape(21, 3)
    out = landmark_features(a, None, handed, cfg).reshape(21, 3)
    np.testing.assert_allclose(out[:, 0], -ref[:, 0], atol=1e-5)
    np.testing.assert_allclose(out[:, 1:], ref[:, 1:], atol=1e-5)
    moved, _, _ = augment_hands(lms, world, np.array(["Right"]), np.random.default_rng(0))
    assert not np.allclose(moved, lms)  # the default ranges change the hand


def test_background_mask_finds_the_wall_not_the_hand():
    from benchmarks.robustness import background_mask

    img = np.full((100, 100, 3), 235, np.uint8)
    img[30:80, 35:65] = (180, 120, 90)  # a skin-coloured block in the middle
    mask = background_mask(img)
    assert mask[5, 5] and mask[95, 50] and not mask[50, 50]
    assert 0.8 < mask.mean() < 0.9


def test_a_class_without_hands_is_dropped_with_a_warning(tmp_path, capsys, monkeypatch):
    import handcam.hands.still
    from handcam.testing import FakeHandDetector

    data = make_sidecar_dataset(tmp_path / "d", {"A": 1.0, "B": 0.5, "nothing": 0.2}, per_class=6)
    for sidecar in (data / "nothing").glob("*.json"):
        sidecar.unlink()  # plain photos of an empty room: no hand will be found
    monkeypatch.setattr(
        handcam.hands.still, "MediaPipeHandDetector", lambda **kw: FakeHandDetector(lambda img: [])
    )
    out = tmp_path / "b"
    assert train_main([str(data), "--out", str(out), "--epochs", "1", "--no-export"]) == 0
    assert "dropping 1 class(es)" in capsys.readouterr().err
    assert ModelBundle.load(out).labels == ("A", "B")
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["dropped_classes"] == ["nothing"]


def test_a_lone_wrapper_folder_is_stepped_into(tmp_path):
    from training.data import scan_dataset

    make_sidecar_dataset(tmp_path / "asl" / "asl_train", {"A": 1.0, "B": 0.3}, per_class=2)
    (tmp_path / "asl" / "README.txt").write_text("downloaded from somewhere")
    ds = scan_dataset([tmp_path / "asl"])
    assert ds.labels == ["A", "B"] and len(ds.samples) == 4


def test_fine_tuning_warns_about_labels_without_samples(tiny, tmp_path, capsys):
    base = tmp_path / "base"
    assert train_main([str(tiny), "--out", str(base), "--epochs", "1", "--no-export"]) == 0
    partial = make_sidecar_dataset(tmp_path / "p", {"open": 1.0, "closed": 0.15}, per_class=4)
    out = tmp_path / "tuned"
    assert (
        train_main(
            [str(partial), "--out", str(out), "--init", str(base), "--epochs", "1"]
            + ["--no-export", "--no-carried"]
        )
        == 0
    )
    assert "no samples of ['half']" in capsys.readouterr().err
    assert json.loads((out / "report.json").read_text())["data"]["labels_without_samples"] == [
        "half"
    ]
