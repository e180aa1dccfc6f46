"""Classifier runtimes: TFLite (LiteRT) and Keras give the same labels; one factory picks."""

import numpy as np
import pytest

from conftest import MODEL
from handcam.errors import BundleError
from handcam.features.preprocess import HandFeatures, feature_size
from handcam.model.bundle import ModelBundle
from handcam.model.classifier import KerasClassifier, TFLiteClassifier, load_classifier
from handcam.model.integrity import seal


def test_tflite_and_keras_agree_on_real_hands():
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    from benchmarks.runtime_check import compare_runtimes

    report = compare_runtimes(MODEL, limit=60)
    assert report["hands"] == 60
    fp16 = report["runtimes"]["model_fp16.tflite"]
    assert fp16["labels_differing_from_keras"] == 0 and fp16["max_prob_difference"] < 0.01
    assert fp16["accuracy"] == report["runtimes"]["keras"]["accuracy"]


def test_the_factory_picks_tflite_for_a_landmark_model():
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    clf = load_classifier(ModelBundle.load(MODEL))
    assert isinstance(clf, TFLiteClassifier) and "TFLite" in clf.device
    size = feature_size(ModelBundle.load(MODEL).preprocess.features)
    assert clf.input_shapes["landmarks"][1] == size  # read from the model file
    p = clf.predict(HandFeatures(np.zeros(size, np.float32), None))
    assert p.shape == (10,) and abs(p.sum() - 1) < 1e-4
    with pytest.raises(ValueError, match="takes"):
        clf.predict(HandFeatures(np.zeros(42, np.float32), None))
    assert isinstance(load_classifier(ModelBundle.load(MODEL), "keras"), KerasClassifier)


def test_a_bundle_without_export_runs_keras_and_a_wrong_export_is_refused(tmp_path):
    import shutil

    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    root = tmp_path / "b"
    shutil.copytree(MODEL, root)
    for f in root.glob("*.tflite"):
        f.unlink()
    assert isinstance(load_classifier(ModelBundle.load(root)), KerasClassifier)
    (root / "labels.json").write_text('["a", "b", "c"]')
    shutil.copy(MODEL / "model_fp16.tflite", root)
    seal(root)  # changed on purpose: recorded, so only the mismatch itself is wrong
    with pytest.raises(BundleError, match="10 outputs but labels.json has 3"):
        TFLiteClassifier(ModelBundle.load(root))
