"""Signs read only from their motion (J, Z): a bundle's ``motion_signs`` are not the still
classifier's outputs. Trained with ``--motion-signs``, kept by ``--init``, never a still."""

import json
import shutil

import numpy as np
import pytest

from conftest import REPO, make_sidecar_dataset
from handcam.errors import BundleError
from handcam.model.bundle import CONFIG_FILE, ModelBundle
from handcam.recognition.assemble import load_model
from training.cli import main as train_main


@pytest.fixture(scope="module")
def still_letters(tmp_path_factory):
    """A bundle of still A and I with J and Z as motion signs; its data held still J photos."""
    root = tmp_path_factory.mktemp("motion-signs")
    data = make_sidecar_dataset(root / "data", {"A": 1.0, "I": 0.15, "J": 0.55})
    out = root / "letters"
    args = [str(data), "--motion-signs", "J,Z", "--out", str(out), "--epochs", "20"]
    assert train_main([*args, "--no-export"]) == 0
    return out


@pytest.mark.slow
def test_motion_signs_are_left_out_of_the_still_classifier_and_written_in_the_bundle(
    still_letters,
):
    bundle = ModelBundle.load(still_letters)
    assert bundle.labels == ("A", "I")  # the still J photos were left out
    assert bundle.motion_signs == ("J", "Z")
    assert json.loads((still_letters / CONFIG_FILE).read_text())["motion_signs"] == ["J", "Z"]


@pytest.mark.slow
def test_a_still_hand_is_never_a_motion_sign_but_the_motion_recogniser_is_on(still_letters):
    from handcam.features.preprocess import hand_features
    from handcam.testing import synthetic_hand

    model = load_model(still_letters, runtime="keras")
    assert model.labels == ("A", "I", "J", "Z")
    assert model.motion is not None  # J and Z are read from the hand's path
    image = np.zeros((240, 320, 3), np.uint8)
    feats = hand_features(image, synthetic_hand(160, 120, spread=0.55), model.preprocess, False)
    probs = model.classifier.predict(feats)
    assert probs.shape == (4,) and probs[2:].tolist() == [0.0, 0.0]
    assert probs[:2].sum() == pytest.approx(1.0, abs=1e-4)


@pytest.mark.slow
def test_init_keeps_the_motion_signs_and_leaves_out_still_samples_of_them(still_letters, tmp_path):
    rec = make_sidecar_dataset(tmp_path / "rec", {"A": 1.0, "I": 0.15, "J": 0.5}, per_class=3)
    out = tmp_path / "mine"
    assert (
        train_main([str(rec), "--init", str(still_letters), "--out", str(out), "--no-export"]) == 0
    )
    bundle = ModelBundle.load(out)
    assert bundle.labels == ("A", "I") and bundle.motion_signs == ("J", "Z")


@pytest.mark.parametrize("signs", ["Q", "J", "Z"])
def test_only_j_and_z_together_can_be_motion_signs(tmp_path, signs, capsys):
    data = make_sidecar_dataset(tmp_path / "data", {"A": 1.0, "B": 0.2}, per_class=3)
    out = tmp_path / "m"
    assert train_main([str(data), "--motion-signs", signs, "--out", str(out), "--no-export"]) == 2
    assert "J and Z together" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_a_bundle_given_as_data_keeps_its_motion_signs(still_letters, tmp_path):
    """The retrain dialog's new model that keeps the current model's signs: the bundle is
    a data folder (its carried set), not --init."""
    rec = make_sidecar_dataset(tmp_path / "rec", {"A": 1.0, "I": 0.15}, per_class=3)
    out = tmp_path / "new"
    args = [str(rec), str(still_letters), "--out", str(out), "--no-export", "--epochs", "3"]
    assert train_main(args) == 0
    assert ModelBundle.load(out).motion_signs == ("J", "Z")


def test_new_samples_that_are_all_still_motion_signs_are_refused_with_init(
    still_letters, tmp_path, capsys
):
    rec = make_sidecar_dataset(tmp_path / "rec", {"J": 0.5}, per_class=3)
    out = tmp_path / "mine"
    args = [str(rec), "--init", str(still_letters), "--out", str(out), "--no-export"]
    assert train_main(args) == 2
    assert "nothing new is left to train on" in capsys.readouterr().err
    assert not out.exists()


def test_a_bundle_whose_motion_sign_is_also_a_still_label_is_refused(still_letters, tmp_path):
    bundle = shutil.copytree(still_letters, tmp_path / "b")
    config = json.loads((bundle / CONFIG_FILE).read_text())
    config["motion_signs"] = ["A", "Z"]
    (bundle / CONFIG_FILE).write_text(json.dumps(config))
    with pytest.raises(BundleError, match="repeat a label"):
        ModelBundle.load(bundle)
    np.testing.assert_equal(ModelBundle.load(still_letters).motion_signs, ("J", "Z"))


def _orange_pixels(widget) -> int:
    img = widget.grab().toImage()
    return sum(
        img.pixelColor(x, y).getRgb()[:3] == (255, 190, 60)
        for x in range(0, img.width(), 2)
        for y in range(0, img.height(), 2)
    )


def test_the_sign_chart_draws_j_and_z_as_the_shape_they_start_from_and_their_path(qtbot):
    pytest.importorskip("pytestqt")
    from handcam.model.bundle import ModelBundle
    from handcam.ui.sign_chart import SignChart

    bundle = ModelBundle.load(REPO / "models" / "letters")
    labels = (*bundle.labels, *bundle.motion_signs)
    chart = SignChart()
    qtbot.addWidget(chart)
    chart.resize(600, 420)
    chart.set_model(bundle.path, labels)
    assert chart.motion_starts == {} and _orange_pixels(chart) == 0  # "no sample" for J, Z
    chart.set_model(bundle.path, labels, bundle.motion_signs)
    assert chart.motion_starts == {"J": "I", "Z": "D"}
    assert "".join(chart.labels) == "ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # in their places
    assert _orange_pixels(chart) > 20  # the two paths


def test_the_shipped_letters_never_show_a_still_i_as_j_nor_d_k_p_as_z():
    """Every photo hand of I, D, K and P (8 people) through the shipped letters model as the
    app runs it: J and Z get probability 0, and the motion recogniser is on for them."""
    from handcam.features.preprocess import HandFeatures, landmark_features
    from handcam.model.trainset import HandSet

    model = load_model(REPO / "models" / "letters")
    assert model.labels[-2:] == ("J", "Z") and model.motion is not None
    photos = HandSet.load(REPO / "tools" / "synth" / "letters_photo_hands.npz")
    rows = np.flatnonzero(np.isin(photos.labels, ["I", "D", "K", "P"]))
    feats = landmark_features(
        photos.landmarks[rows], photos.world[rows], photos.handedness[rows], model.preprocess
    )
    probs = np.stack([model.classifier.predict(HandFeatures(f, None)) for f in feats])
    assert len(rows) == 320 and (probs[:, -2:] == 0).all()
    assert set(np.array(model.labels)[probs.argmax(1)]) <= {"I", "D", "K", "P", "R", "U", "V"}
