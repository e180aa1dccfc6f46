import json
import shutil

import numpy as np
import pytest

from conftest import MODEL
from handcam.bundle import ModelBundle, write_bundle_metadata
from handcam.classifier import KerasClassifier
from handcam.errors import BundleError
from handcam.preprocess import HandFeatures, PreprocessConfig


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
    assert clf.labels == ("a", "b", "c") and clf.device == "CPU"


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
