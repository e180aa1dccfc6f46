import json
import shutil

import numpy as np
import pytest

from conftest import MODEL
from handcam.errors import BundleError
from handcam.features.preprocess import HandFeatures, PreprocessConfig
from handcam.model.bundle import ModelBundle, write_bundle_metadata
from handcam.model.classifier import KerasClassifier


def _bundle(tmp_path, outputs=3, labels=("a", "b", "c"), input_name="landmarks", width=63):
    import keras

    inp = keras.Input((width,), name=input_name)
    out = keras.layers.Dense(outputs, activation="softmax")(inp)
    root = tmp_path / "bundle"
    root.mkdir()
    keras.Model(inp, out).save(root / "model.keras")
    write_bundle_metadata(root, list(labels), PreprocessConfig(), "landmarks", ["landmarks"], {})
    return root


def test_good_bundle_predicts(tmp_path):
    clf = KerasClassifier(ModelBundle.load(_bundle(tmp_path)))
    p = clf.predict(HandFeatures(np.zeros(63, np.float32), None))
    assert p.shape == (3,) and abs(p.sum() - 1) < 1e-5
    assert clf.labels == ("a", "b", "c") and clf.device.startswith("CPU")


def test_wrong_number_of_outputs(tmp_path):
    with pytest.raises(BundleError, match="5 outputs but labels.json has 3"):
        KerasClassifier(ModelBundle.load(_bundle(tmp_path, outputs=5)))


def test_wrong_input_shape_and_name(tmp_path):
    with pytest.raises(BundleError, match="shape"):
        KerasClassifier(ModelBundle.load(_bundle(tmp_path, width=42)))
    shutil.rmtree(tmp_path / "bundle")
    with pytest.raises(BundleError, match="'pixels'"):
        KerasClassifier(ModelBundle.load(_bundle(tmp_path, input_name="pixels")))


def test_incomplete_or_corrupt_bundles(tmp_path):
    with pytest.raises(BundleError, match="no such"):
        ModelBundle.load(tmp_path / "missing")
    root = _bundle(tmp_path)
    (root / "labels.json").write_text('["only-one"]')
    with pytest.raises(BundleError, match="at least 2"):
        ModelBundle.load(root)
    (root / "labels.json").write_text("{not json")
    with pytest.raises(BundleError, match="unreadable"):
        ModelBundle.load(root)
    (root / "labels.json").write_text('["a", "b", "c"]')
    (root / "model.keras").write_bytes(b"not a keras file")
    with pytest.raises(BundleError, match="cannot load"):
        KerasClassifier(ModelBundle.load(root))
    (root / "config.json").unlink()
    with pytest.raises(BundleError, match="missing config.json"):
        ModelBundle.load(root)


def test_shipped_digits_bundle_is_complete():
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    b = ModelBundle.load(MODEL)
    assert b.labels == tuple(str(i) for i in range(10))
    report = json.loads((MODEL / "report.json").read_text())
    assert report["split"]["grouped"] is True
    assert report["evaluation"]["test"]["accuracy"] >= 0.99
    for name in ("confusion_test.png", "learning_curves.png", "misclassified_test.png"):
        assert (MODEL / name).stat().st_size > 1000
    assert sum(p.stat().st_size for p in MODEL.iterdir()) < 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c.update(training=None), None),  # null training: loads, as empty
        (lambda c: c.update(training=5), "'training' must be an object"),
        (lambda c: c.update(inputs=5), "inputs 5 must be a list"),
        (lambda c: c.update(inputs=["pixels"]), "must be a list among"),
        (lambda c: c.update(preprocess=[1]), "preprocess must be an object"),
        (lambda c: c["preprocess"].update(crop_size="big"), "crop_size must be a number"),
        (lambda c: c["preprocess"].update(crop_size=10**9), "crop_size must be a number"),
        (lambda c: c["preprocess"].update(mirror_left="yes"), "mirror_left must be true"),
        (lambda c: c["preprocess"].update(features="nope"), "unknown feature set"),
        (lambda c: c["preprocess"].update(colour=1), "unknown preprocessing settings"),
        (lambda c: c.update(format=99), "unsupported bundle format"),
    ],
)
def test_config_json_is_validated(tmp_path, change, message):
    root = _bundle(tmp_path)
    config = json.loads((root / "config.json").read_text(encoding="utf-8"))
    change(config)
    (root / "config.json").write_text(json.dumps(config), encoding="utf-8")
    if message is None:
        assert ModelBundle.load(root).training == {}
    else:
        with pytest.raises(BundleError, match=message):
            ModelBundle.load(root)


def test_labels_follow_the_recording_rules_and_reports_are_optional(tmp_path):
    root = _bundle(tmp_path)
    for bad, message in (
        (["a", "x/b"], "not allowed"),
        (["a", "../b"], "starts with a dot"),
        (["a", 5], "must be text"),
        (["a", "a"], "not unique"),
    ):
        (root / "labels.json").write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(BundleError, match=message):
            ModelBundle.load(root)
    (root / "labels.json").write_text(json.dumps(["ñ", "thumbs up", "c"]), encoding="utf-8")
    (root / "report.json").write_text("{broken", encoding="utf-8")
    bundle = ModelBundle.load(root)  # a broken report never stops a model from loading
    assert bundle.labels == ("ñ", "thumbs up", "c") and bundle.report == {}


def test_a_model_with_a_lambda_layer_is_refused_and_its_code_never_runs(tmp_path):
    import keras

    marker = tmp_path / "ran"

    def payload(t):
        marker.write_text("code from the model file ran")
        return t * 2.0

    inp = keras.Input((63,), name="landmarks")
    x = keras.layers.Lambda(payload)(inp)
    out = keras.layers.Dense(3, activation="softmax")(x)
    root = tmp_path / "evil"
    root.mkdir()
    keras.Model(inp, out).save(root / "model.keras")
    marker.unlink()  # building the model ran it here; loading must not
    write_bundle_metadata(root, ["a", "b", "c"], PreprocessConfig(), "landmarks", ["landmarks"], {})
    with pytest.raises(BundleError, match="cannot load"):
        KerasClassifier(ModelBundle.load(root))
    assert not marker.exists()


def test_keras_is_new_enough_for_safe_mode():
    import keras

    major, minor, patch = (int(p) for p in keras.__version__.split(".")[:3])
    assert (major, minor, patch) >= (3, 11, 3)
