"""A person's own hand shapes beside a calibrated model: a hand near one of them is read
as its sign, a hand far from all is read as the model reads it; the file is kept whole,
checked, and a damaged one loses only the shapes."""

import json
import shutil

import numpy as np
import pytest

from conftest import MODEL as DIGITS
from handcam.errors import BundleError
from handcam.features.preprocess import HandFeatures, feature_size, normalize_landmarks
from handcam.model.bundle import ModelBundle
from handcam.model.classifier import Classifier, WithPersonalShapes, load_classifier
from handcam.model.integrity import seal
from handcam.model.personal import (
    MAX_PER_SIGN,
    PERSONAL_FILE,
    PersonalShapes,
    load_personal,
    save_personal,
)
from handcam.recognition.assemble import load_model
from handcam.testing import synthetic_hand


class Fixed(Classifier):
    labels = ("A", "B", "C")
    needs_crop = False
    device = "cpu"

    def predict(self, features):
        return np.array([0.6, 0.3, 0.1], np.float32)


def shapes_at(points: dict[str, list[float]]) -> PersonalShapes:
    labels = tuple(points)
    return PersonalShapes(np.array([points[k] for k in labels], np.float32), labels)


def test_a_hand_near_a_personal_shape_is_read_as_its_sign_and_a_far_one_as_the_model_reads_it():
    model = WithPersonalShapes(Fixed(), shapes_at({"B": [0.0, 0.0], "C": [10.0, 0.0]}))
    near_b = model.predict(HandFeatures(np.array([0.3, 0.2], np.float32), None))
    assert near_b.argmax() == 1 and near_b[1] > 0.9 and np.isclose(near_b.sum(), 1.0)
    far = model.predict(HandFeatures(np.array([5.0, 30.0], np.float32), None))
    assert np.allclose(far, [0.6, 0.3, 0.1], atol=1e-4)


def test_each_sign_keeps_its_newest_shapes_and_signs_without_any_are_named():
    grid = np.arange(2 * MAX_PER_SIGN, dtype=np.float32).reshape(-1, 2)
    old = PersonalShapes(grid, ("A",) * MAX_PER_SIGN)
    new = PersonalShapes(100 + np.arange(6, dtype=np.float32).reshape(3, 2), ("A", "A", "Q"))
    both = old.merged(new)
    assert both.labels.count("A") == MAX_PER_SIGN and both.labels.count("Q") == 1
    assert np.allclose(both.features[-3:], new.features)  # the new ones are kept
    assert not np.isclose(both.features, grid[0]).all(axis=1).any()  # the oldest A went
    assert both.missing(("A", "B", "Q")) == ["B"]
    assert len(new.merged(new).labels) == 3  # the same samples again are kept once


def test_personal_shapes_round_trip_and_a_bad_file_is_named(tmp_path):
    path = tmp_path / PERSONAL_FILE
    save_personal(path, shapes_at({"B": [1.0, 2.0], "C": [3.0, 4.0]}))
    back = load_personal(path, 2)
    assert back.labels == ("B", "C") and np.allclose(back.features, [[1, 2], [3, 4]])
    assert [p.name for p in tmp_path.iterdir()] == [PERSONAL_FILE]  # nothing left beside it
    with pytest.raises(BundleError, match="the model reads 5"):
        load_personal(path, 5)
    path.write_bytes(b"not numpy")
    with pytest.raises(BundleError, match="unreadable personal shapes"):
        load_personal(path, 2)


@pytest.fixture()
def calibrated_digits(tmp_path):
    """models/digits with one personal shape: this hand, as the sign the model reads second
    (this person makes that sign this way)."""
    out = tmp_path / "digits-mine"
    shutil.copytree(DIGITS, out)
    bundle = ModelBundle.load(out)
    hand = synthetic_hand(640, 480, spread=0.4)
    feats = normalize_landmarks(hand.landmarks, hand.handedness, bundle.preprocess)
    assert feats.shape == (feature_size(bundle.preprocess.features),)
    p = load_classifier(bundle, "tflite").predict(HandFeatures(feats, None))
    second = bundle.labels[int(np.argsort(p)[-2])]
    save_personal(out / PERSONAL_FILE, PersonalShapes(feats[None], (second,)))
    config = json.loads((out / "config.json").read_text())
    config["personal"] = {"file": PERSONAL_FILE, "shapes": 1}
    (out / "config.json").write_text(json.dumps(config))
    seal(out)
    return out, HandFeatures(feats, None), second


def test_a_calibrated_bundle_raises_the_persons_own_sign_near_their_shape_only(calibrated_digits):
    path, features, second = calibrated_digits
    plain = load_classifier(ModelBundle.load(DIGITS), "tflite")
    mine = load_classifier(ModelBundle.load(path), "tflite")
    assert isinstance(mine, WithPersonalShapes)
    i = mine.labels.index(second)
    before, after = plain.predict(features), mine.predict(features)
    assert after[i] > 100 * before[i]  # 1 + alpha at the shape itself, then renormalised
    assert np.isclose(after.sum(), 1.0, atol=1e-4)
    far = HandFeatures(features.landmarks + 5.0, None)
    assert np.allclose(mine.predict(far), plain.predict(far), atol=1e-5)
    assert load_model(path).personal == 1  # what the model panel says


def test_a_damaged_personal_file_loses_only_the_shapes(calibrated_digits):
    path, features, _ = calibrated_digits
    (path / PERSONAL_FILE).write_bytes(b"damaged")
    bundle = ModelBundle.load(path)
    assert any("own hand shapes" in w for w in bundle.damage_warnings("model_fp16.tflite"))
    model = load_classifier(bundle, "tflite")
    assert not isinstance(model, WithPersonalShapes)
    assert any("own hand shapes" in w for w in load_model(path).warnings)  # said once
    assert model.predict(features).shape == (len(model.labels),)
    assert load_model(path).personal == 0


def test_shapes_of_no_sign_of_the_model_are_not_used_nor_claimed(calibrated_digits):
    path, features, _ = calibrated_digits
    save_personal(path / PERSONAL_FILE, PersonalShapes(features.landmarks[None], ("Q",)))
    seal(path)
    model = load_model(path)
    assert not isinstance(model.classifier, WithPersonalShapes) and model.personal == 0


def test_the_persons_own_shape_of_the_sign_read_is_never_held_back_as_not_a_sign():
    from handcam.capture.sources import Frame
    from handcam.recognition.assemble import LoadedModel, assemble
    from handcam.testing import FakeHandDetector

    class Rejects:  # a "not a sign" gate that holds back every hand
        def sign_score(self, features, probs=None) -> float:
            return 0.0

    hand = synthetic_hand(160, 120)
    own = LoadedModel.of(Fixed(), gate=Rejects())
    feats = normalize_landmarks(hand.landmarks, hand.handedness, own.preprocess)
    states = {}
    for name, shape_label, at in (("own A", "A", feats), ("own B", "B", feats),
                                  ("far A", "A", feats + 10)):  # fmt: skip
        shapes = PersonalShapes(np.asarray(at, np.float32)[None], (shape_label,))
        model = LoadedModel.of(WithPersonalShapes(Fixed(), shapes), gate=Rejects())
        pipe = assemble(model, "image", detector=FakeHandDetector(lambda img: [hand]))
        states[name] = pipe.process(Frame(0, np.zeros((120, 160, 3), np.uint8), 0.0, "t")).state
    assert states == {"own A": "label", "own B": "label", "far A": "not_a_sign"}
