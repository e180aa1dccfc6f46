import numpy as np
import pytest

from handcam.features.preprocess import (
    PreprocessConfig,
    crop_box,
    crop_hand,
    hand_features,
    normalize_landmarks,
)
from handcam.hands.hand import Hand
from handcam.hands.still import pad_for_still
from handcam.testing import synthetic_hand

CFG = PreprocessConfig()


def test_normalisation_ignores_position_and_scale():
    hand = synthetic_hand()
    a = normalize_landmarks(hand.landmarks, "Right", CFG)
    moved = hand.landmarks * 2.5 + np.array([100, -40, 0], np.float32)
    b = normalize_landmarks(moved, "Right", CFG)
    assert a.shape == (63,)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.allclose(a[:3], 0)  # wrist at the origin
    assert np.isclose(np.max(np.linalg.norm(a.reshape(21, 3)[:, :2], axis=1)), 1.0)


def test_left_hand_is_mirrored_to_right():
    hand = synthetic_hand()
    mirrored = hand.landmarks.copy()
    mirrored[:, 0] = 640 - mirrored[:, 0]
    right = normalize_landmarks(hand.landmarks, "Right", CFG)
    left = normalize_landmarks(mirrored, "Left", CFG)
    np.testing.assert_allclose(right, left, atol=1e-5)
    no_mirror = PreprocessConfig(mirror_left=False)
    assert not np.allclose(normalize_landmarks(mirrored, "Left", no_mirror), right)


def test_degenerate_hand_is_refused():
    with pytest.raises(ValueError):
        normalize_landmarks(np.zeros((21, 3)), "Right", CFG)


def test_crop_is_square_and_mirrored_for_left_hands():
    img = np.zeros((480, 640, 3), np.uint8)
    img[:, 320:] = 255  # right half white
    hand = synthetic_hand()
    crop = crop_hand(img, hand.landmarks, "Right", CFG)
    assert crop.shape == (96, 96, 3) and crop.dtype == np.uint8
    left = crop_hand(img, hand.landmarks, "Left", CFG)
    np.testing.assert_array_equal(left, crop[:, ::-1])


def test_crop_at_image_edge_replicates_border():
    img = np.full((100, 100, 3), 7, np.uint8)
    lms = np.array(
        [(x, y, 0) for x, y in zip(np.linspace(0, 30, 21), np.linspace(0, 30, 21), strict=True)],
        np.float32,
    )
    x0, y0, side = crop_box(lms, 0.5)
    assert x0 < 0 and y0 < 0
    crop = crop_hand(img, lms, "Right", CFG)
    assert crop.shape == (96, 96, 3) and (crop == 7).all()


def test_features_without_crop():
    f = hand_features(np.zeros((480, 640, 3), np.uint8), synthetic_hand(), CFG, with_crop=False)
    assert f.crop is None and f.landmarks.dtype == np.float32


def test_config_round_trip_and_unknown_keys():
    cfg = PreprocessConfig(crop_size=64)
    assert PreprocessConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown"):
        PreprocessConfig.from_dict({"crop_size": 64, "colour": "blue"})


def test_still_padding_maps_back_to_original_coordinates():
    img = np.zeros((100, 80, 3), np.uint8)
    padded, scale, (ox, oy) = pad_for_still(img, 0.5)
    assert max(padded.shape[:2]) == 256
    # the original's corner (0,0) sits at the offset in the padded image
    assert np.isclose(ox, 40 * scale) and np.isclose(oy, 50 * scale)


def test_hand_dict_round_trip():
    hand = synthetic_hand()
    again = Hand.from_dict(hand.to_dict())
    np.testing.assert_allclose(again.landmarks, hand.landmarks, atol=1e-3)
    assert again.handedness == "Right"


def test_shape_features_are_the_same_for_one_hand_and_a_batch_and_ignore_hand_size():
    from handcam.features.preprocess import PreprocessConfig, feature_size, landmark_features
    from handcam.testing import synthetic_hand

    cfg = PreprocessConfig(features="shape")
    rng = np.random.default_rng(0)
    hands = [synthetic_hand(640, 480, spread=s).landmarks for s in (0.2, 0.6, 1.0, 1.3)]
    lms = np.stack([h + rng.normal(0, 2, h.shape).astype(np.float32) for h in hands])
    world = lms / 1000.0
    handed = np.array(["Left", "Right", "Left", "Right"])
    batch = landmark_features(lms, world, handed, cfg)
    assert batch.shape == (4, feature_size("shape"))
    for i in range(4):
        one = landmark_features(lms[i : i + 1], world[i : i + 1], handed[i : i + 1], cfg)
        np.testing.assert_allclose(one[0], batch[i], atol=1e-5)
    bigger = landmark_features(lms * 2.0, world * 1.5, handed, cfg)  # a bigger or nearer hand
    np.testing.assert_allclose(bigger[:, :210], batch[:, :210], atol=1e-4)
    no_world = landmark_features(lms, None, handed, cfg)
    assert np.isfinite(no_world).all() and not np.allclose(no_world, batch)
    nan_world = landmark_features(lms, np.full_like(world, np.nan), handed, cfg)
    np.testing.assert_allclose(nan_world, no_world, atol=1e-6)
