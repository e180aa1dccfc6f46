"""Re-posing hands in 3-D, the view augmentation, and the angle benchmark command."""

import json

import numpy as np
import pytest

from conftest import MODEL
from handcam.model.trainset import load_bundle_handset
from training.augment import LandmarkAugment, augment_hands
from training.repose import at_distance, depth_ratio, rotation, turn, turn_rescaled, views


@pytest.fixture(scope="module")
def hands():
    """A few held-out hands of the bundled digits model (numbers only, no photos)."""
    hs = load_bundle_handset(MODEL)
    return hs.subset(np.flatnonzero(hs.parts == "test")[:24])


def pair_distances(pts: np.ndarray) -> np.ndarray:
    return np.linalg.norm(pts[:, :, None] - pts[:, None, :], axis=-1)


def test_a_turn_moves_the_hand_but_keeps_its_shape(hands):
    lms, world = turn(hands.landmarks, hands.world, rotation("y", 30))
    np.testing.assert_allclose(pair_distances(world), pair_distances(hands.world), atol=1e-5)
    np.testing.assert_allclose(pair_distances(lms), pair_distances(hands.landmarks), atol=1e-2)
    assert not np.allclose(lms, hands.landmarks)
    same, _ = turn(hands.landmarks, hands.world, rotation("x", 0))
    np.testing.assert_allclose(same, hands.landmarks, atol=1e-3)
    # a quarter turn in the image plane takes x (right) to y (down)
    np.testing.assert_allclose(rotation("z", 90) @ [1, 0, 0], [0, 1, 0], atol=1e-12)


def test_rescaled_turns_move_the_image_as_the_world_says(hands):
    k = depth_ratio(hands.landmarks, hands.world)
    assert ((k >= 0.2) & (k <= 1.0)).all()
    # image landmarks that are the world's at 1000 px per metre, with depth half as deep
    world = hands.world.astype(np.float64)
    image = world * 1000 + [300, 200, 0]
    image[:, :, 2] *= 0.5
    np.testing.assert_allclose(depth_ratio(image, world), 0.5, atol=1e-6)
    rot = rotation("x", 30)
    lms, turned = turn_rescaled(image, world, rot)
    _, rigid = turn(image, world, rot)
    np.testing.assert_allclose(turned, rigid, atol=1e-6)
    centred = turned - turned.mean(1, keepdims=True)
    expect = lms.mean(1, keepdims=True) + centred * 1000 * np.array([1, 1, 0.5])
    np.testing.assert_allclose(lms, expect, atol=0.05)


def test_distance_changes_perspective_only_away_from_the_photos_distance(hands):
    same = at_distance(hands.landmarks, hands.world, 0.5)
    np.testing.assert_allclose(same, hands.landmarks, atol=1e-3)
    near = at_distance(hands.landmarks, hands.world, 0.25)
    assert not np.allclose(near, hands.landmarks, atol=0.1)
    np.testing.assert_allclose(near[:, :, 2], hands.landmarks[:, :, 2])  # depth kept


def test_the_benchmark_views():
    names = [v.name for v in views()]
    assert names[0] == "frontal" and names[-2:] == ["near", "far"]
    assert len(names) == 1 + 3 * 3 * 2 + 2 and "z-45" in names and "y+15" in names
    far = views()[-1]
    assert far.metres == 1.5 and far.noise == 0.01


def test_view_augmentation_turns_within_its_ranges(hands):
    cfg = LandmarkAugment(bone=0, finger=0, palm=0, distance_prob=0, jitter=0, mirror_prob=0)
    lms, world, _ = augment_hands(
        hands.landmarks, hands.world, hands.handedness, np.random.default_rng(0), cfg
    )
    np.testing.assert_allclose(pair_distances(world), pair_distances(hands.world), atol=1e-5)
    # the angle each hand turned by: at most the three ranges together, and not zero
    a = hands.world - hands.world.mean(1, keepdims=True)
    b = world - world.mean(1, keepdims=True)
    u, _, vt = np.linalg.svd(np.einsum("nki,nkj->nij", a, b))
    r = np.einsum("nij,njk->nik", u, vt)
    turned = np.degrees(np.arccos(np.clip((np.trace(r, axis1=1, axis2=2) - 1) / 2, -1, 1)))
    assert (turned > 0.5).mean() > 0.9
    assert turned.max() <= cfg.pitch_deg + cfg.yaw_deg + cfg.roll_deg
    still = cfg.without_views()
    plain, _, _ = augment_hands(
        hands.landmarks, hands.world, hands.handedness, np.random.default_rng(0), still
    )
    np.testing.assert_allclose(plain, hands.landmarks, atol=1e-4)


def test_augment_settings_are_plain_data():
    cfg = LandmarkAugment.from_dict({"roll_deg": 5.0})
    assert cfg.roll_deg == 5.0 and cfg.yaw_deg == LandmarkAugment().yaw_deg
    assert LandmarkAugment.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
    with pytest.raises(ValueError, match="unknown"):
        LandmarkAugment.from_dict({"spin": 1})


@pytest.mark.slow
def test_the_angle_command_scores_a_bundle_from_every_view(hands, tmp_path, capsys):
    import keras

    from benchmarks.angles import main
    from handcam.features.preprocess import landmark_features
    from handcam.model.bundle import ModelBundle

    signers = sorted(set(hands.groups.tolist()))[:3]
    out = tmp_path / "angles.json"
    assert (
        main([str(MODEL), "--signers", ",".join(signers), "--degrees", "30", "--json", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "frontal" in text and "30 degrees: mean" in text and "recall per label" in text
    report = json.loads(out.read_text())
    assert list(report["views"]) == ["frontal", "x+30", "x-30", "y+30", "y-30", "z+30", "z-30",
                                     "near", "far"]  # fmt: skip
    assert report["gate"] and report["turns"] == "rigid"
    for row in report["views"].values():
        assert 0 <= row["right_and_passed"] <= min(row["accuracy"], row["gate_pass"]) + 1e-9
    # frontal is the bundle's own reading of those hands
    hs = load_bundle_handset(MODEL)
    hs = hs.subset(np.flatnonzero(np.isin(hs.groups, signers)))
    bundle = ModelBundle.load(MODEL)
    model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    x = landmark_features(hs.landmarks, hs.world, hs.handedness, bundle.preprocess)
    pred = np.asarray(model({"landmarks": x}, training=False)).argmax(1)
    truth = [bundle.labels.index(lab) for lab in hs.labels]
    assert report["hands"] == len(hs)
    assert report["views"]["frontal"]["accuracy"] == pytest.approx(np.mean(pred == truth))
