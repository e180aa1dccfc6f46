"""End-to-end training on tiny datasets built here: each network, fine-tuning and new
labels, ensembles, cross-validation, and the app loading what was written."""

import json
import shutil

import numpy as np

from conftest import TINY_CLASSES as CLASSES
from conftest import make_sidecar_dataset
from handcam.features.preprocess import hand_features
from handcam.model.bundle import ModelBundle
from handcam.model.classifier import KerasClassifier
from handcam.testing import synthetic_hand
from training.cli import main as train_main


def test_train_end_to_end_and_the_app_loads_it(tiny, tmp_path):
    out = tmp_path / "bundle"
    assert train_main([str(tiny), "--out", str(out), "--epochs", "2"]) == 0
    bundle = ModelBundle.load(out)
    assert set(bundle.labels) == set(CLASSES)
    clf = KerasClassifier(bundle)
    feats = hand_features(
        np.zeros((120, 160, 3), np.uint8),
        synthetic_hand(160, 120),
        bundle.preprocess,
        with_crop=False,
    )
    probs = clf.predict(feats)
    assert probs.shape == (3,) and abs(float(probs.sum()) - 1) < 1e-4
    report = json.loads((out / "report.json").read_text())
    assert report["split"]["grouped"] is True  # sessions from the sidecars
    assert report["evaluation"]["validation"]["n"] > 0
    for name in (
        "learning_curves.png",
        "confusion_validation.png",
        "misclassified_validation.png",
        "model_fp16.tflite",
        "model_int8.tflite",
    ):
        assert (out / name).is_file(), name
    assert "accuracy" in report["exports"]["int8"]
    assert json.loads((out / "config.json").read_text())["training"]["epochs"] == 2


def test_more_epochs_learn_the_classes(tiny, tmp_path):
    out = tmp_path / "b"
    assert (
        train_main(
            [
                str(tiny),
                "--out",
                str(out),
                "--epochs",
                "60",
                "--no-export",
                "--val-fraction",
                "0.34",
                "--test-fraction",
                "0",
            ]
        )
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    assert report["evaluation"]["validation"]["accuracy"] >= 0.9


def test_crop_cnn_and_fusion_build_train_and_load(tiny, tmp_path):
    for model in ("crop_cnn", "fusion"):
        out = tmp_path / model
        assert (
            train_main(
                [
                    str(tiny),
                    "--out",
                    str(out),
                    "--model",
                    model,
                    "--epochs",
                    "1",
                    "--crop-size",
                    "32",
                    "--no-export",
                ]
            )
            == 0
        )
        clf = KerasClassifier(ModelBundle.load(out))
        assert clf.needs_crop


def test_transfer_backbone_without_download(tiny, tmp_path):
    out = tmp_path / "mnv3"
    assert (
        train_main(
            [
                str(tiny),
                "--out",
                str(out),
                "--model",
                "mobilenetv3",
                "--weights",
                "none",
                "--epochs",
                "2",
                "--crop-size",
                "32",
                "--no-export",
            ]
        )
        == 0
    )
    assert ModelBundle.load(out).model_name == "mobilenetv3"
    code = train_main(
        [
            str(tiny),
            "--out",
            str(tmp_path / "x"),
            "--model",
            "mobilenetv3",
            "--weights",
            str(tmp_path / "missing.h5"),
            "--crop-size",
            "32",
        ]
    )
    assert code == 2 and not (tmp_path / "x").exists()


def test_fine_tune_with_a_new_label(tiny, tmp_path):
    base = tmp_path / "base"
    assert train_main([str(tiny), "--out", str(base), "--epochs", "2", "--no-export"]) == 0
    personal = make_sidecar_dataset(
        tmp_path / "personal", {"open": 1.0, "wave": 0.35}, per_class=6, seed=3
    )
    out = tmp_path / "personal-bundle"
    assert (
        train_main(
            [str(personal), "--out", str(out), "--init", str(base), "--epochs", "2", "--no-export"]
        )
        == 0
    )
    labels = ModelBundle.load(out).labels
    assert labels[:3] == ModelBundle.load(base).labels and labels[3] == "wave"
    KerasClassifier(ModelBundle.load(out))


def test_cross_validation_on_request(tiny, tmp_path):
    out = tmp_path / "cv"
    assert (
        train_main([str(tiny), "--out", str(out), "--epochs", "1", "--folds", "3", "--no-export"])
        == 0
    )
    cv = json.loads((out / "report.json").read_text())["cross_validation"]
    assert cv["folds"] == 3 and len(cv["accuracies"]) == 3 and cv["grouped"] is True


def test_samples_recorded_by_the_app_train_a_loadable_bundle(tmp_path):
    from handcam.hands.hand import Hand
    from handcam.recording.samples import SampleStore

    rng = np.random.default_rng(0)
    store = SampleStore(tmp_path / "recordings")
    for label, spread in (("open", 1.0), ("fist", 0.15)):
        for _ in range(6):
            base = synthetic_hand(320, 240, spread=spread)
            hand = Hand(
                base.landmarks + rng.normal(0, 0.5, (21, 3)).astype(np.float32), "Right", 0.9
            )
            store.save(label, rng.integers(0, 255, (240, 320, 3), dtype=np.uint8), hand)
    out = tmp_path / "personal"
    assert train_main([str(store.root), "--out", str(out), "--epochs", "1", "--no-export"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["no_hand"] == []  # the sidecars' landmarks were used
    clf = KerasClassifier(ModelBundle.load(out))
    assert set(clf.labels) == {"open", "fist"}


def test_an_ensemble_averages_its_members_exports_and_fine_tunes(tiny, tmp_path):
    import keras

    from handcam.model.classifier import load_classifier
    from training.models import ensemble_members

    out = tmp_path / "ens"
    args = [str(tiny), "--out", str(out), "--epochs", "2", "--members", "3"]
    assert train_main(args) == 0
    bundle = ModelBundle.load(out)
    assert bundle.training["members"] == 3
    model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    members = ensemble_members(model)
    assert len(members) == 3
    x = {"landmarks": np.random.default_rng(0).normal(size=(5, model.inputs[0].shape[1]))}
    x = {k: v.astype(np.float32) for k, v in x.items()}
    mean = np.mean([np.asarray(m(x)) for m in members], axis=0)
    assert np.allclose(np.asarray(model(x)), mean, atol=1e-5)
    assert not np.allclose(np.asarray(members[0](x)), np.asarray(members[1](x)))  # own seeds
    feats = hand_features(
        np.zeros((120, 160, 3), np.uint8), synthetic_hand(160, 120), bundle.preprocess
    )
    for runtime in ("keras", "tflite"):  # the app runs it like any model
        probs = load_classifier(bundle, runtime=runtime).predict(feats)
        assert probs.shape == (3,) and abs(float(probs.sum()) - 1) < 1e-3
    # a fine-tune with a new label starts every member from its counterpart
    personal = make_sidecar_dataset(tmp_path / "p", {"open": 1.0, "wave": 0.35}, per_class=6)
    tuned = tmp_path / "tuned"
    assert train_main([str(personal), "--out", str(tuned), "--init", str(out), "--epochs", "1",
                       "--no-export"]) == 0  # fmt: skip
    tb = ModelBundle.load(tuned)
    assert tb.labels[-1] == "wave" and tb.training["members"] == 3
    tm = keras.models.load_model(tb.model_path, compile=False, safe_mode=True)
    assert len(ensemble_members(tm)) == 3 and tm.output.shape[-1] == 4


def test_pretrained_networks_start_from_a_bundles_layers_with_this_datas_labels(
    tiny, tmp_path, capsys
):
    import keras

    from training.models import ensemble_members

    base = tmp_path / "base"
    assert train_main([str(tiny), "--out", str(base), "--epochs", "1", "--no-export"]) == 0
    other = make_sidecar_dataset(tmp_path / "other", {"wave": 0.35, "fist": 0.05}, per_class=6)
    out = tmp_path / "pre"
    args = [str(other), "--out", str(out), "--pretrained", str(base), "--members", "2",
            "--epochs", "1", "--lr", "1e-12", "--no-export"]  # fmt: skip
    assert train_main(args) == 0
    bundle = ModelBundle.load(out)
    assert sorted(bundle.labels) == ["fist", "wave"]  # not the base's signs, nor its data
    assert bundle.training["pretrained"] == str(base)
    assert "starts from the layers of base" in capsys.readouterr().err

    def hidden(model):
        return [w for layer in model.layers if type(layer).__name__ == "Dense"
                for w in layer.get_weights()][:4]  # fmt: skip

    start = hidden(keras.models.load_model(base / "model.keras", compile=False))
    tuned = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
    for member in ensemble_members(tuned):
        for a, b in zip(hidden(member), start, strict=True):
            assert np.allclose(a, b, atol=1e-6)  # both networks began as the base's
        assert member.output.shape[-1] == 2
    KerasClassifier(bundle)
    both = [str(other), "--out", str(tmp_path / "x1"), "--pretrained", str(base),
            "--init", str(base)]  # fmt: skip
    assert train_main(both) == 2
    assert "--pretrained and --init do not go together" in capsys.readouterr().err
    crop = [str(other), "--out", str(tmp_path / "x2"), "--pretrained", str(base),
            "--model", "crop_cnn"]  # fmt: skip
    assert train_main(crop) == 2
    assert "cannot start a crop_cnn model" in capsys.readouterr().err
    missing = [str(other), "--out", str(tmp_path / "x3"), "--pretrained", str(tmp_path / "no")]
    assert train_main(missing) == 2
    assert f"--pretrained: {tmp_path / 'no'}: no such model bundle" in capsys.readouterr().err
    coords = [str(other), "--out", str(tmp_path / "x4"), "--pretrained", str(base),
              "--features", "coords"]  # fmt: skip
    assert train_main(coords) == 2
    assert "add --features shape" in capsys.readouterr().err
    broken = tmp_path / "broken"
    shutil.copytree(base, broken)
    (broken / "model.keras").write_bytes(b"not a model")
    assert train_main([str(other), "--out", str(tmp_path / "x5"), "--pretrained", str(broken)]) == 2
    assert f"--pretrained: {broken / 'model.keras'}: damaged (11 bytes" in capsys.readouterr().err
    assert train_main([str(other), "--out", str(tmp_path / "x6"), "--init", str(broken)]) == 2
    assert f"--init: {broken / 'model.keras'}: damaged (11 bytes" in capsys.readouterr().err
    assert not any((tmp_path / f"x{i}").exists() for i in range(1, 7))


def test_a_landmark_model_trained_an_epoch_per_call_has_the_weights_of_a_call_per_step(
    tiny, tmp_path, monkeypatch
):
    import keras

    from training import fused

    calls = []
    steps_per_call = fused.steps_per_call
    monkeypatch.setattr(
        fused, "steps_per_call", lambda *a: calls.append(steps_per_call(*a)) or calls[-1]
    )
    weights = {}
    for value in ("0", "auto"):
        monkeypatch.setenv(fused.FUSED_ENV, value)
        out = tmp_path / value
        args = [str(tiny), "--out", str(out), "--epochs", "3", "--batch-size", "8"]
        assert train_main([*args, "--no-export"]) == 0
        model = keras.models.load_model(out / "model.keras", compile=False)
        weights[value] = model.get_weights()
    if keras.config.backend() == "tensorflow":  # a call a step, then several a call
        assert calls[0] == 1 and calls[1] > 1, calls
    for a, b in zip(weights["0"], weights["auto"], strict=True):
        np.testing.assert_array_equal(a, b)
