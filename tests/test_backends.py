"""Training on any Keras backend: the device and precision chosen, crop augmentation on
the device, a JAX training run end to end, and the device check (JAX, in subprocesses:
a process has one Keras backend, and the suite's is TensorFlow)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, make_sidecar_dataset
from handcam.system.accelerator import Device


def _run_jax(code: str, timeout: float = 600, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", **env}
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), full.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=full,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_mixed_precision_only_for_crop_models_on_a_gpu(monkeypatch):
    from training.backend import PRECISION_ENV, choose_precision

    monkeypatch.delenv(PRECISION_ENV, raising=False)
    h200 = Device("jax", "GPU", "GPU:0 NVIDIA H200", (9, 0))
    t4 = Device("torch", "GPU", "GPU:0 Tesla T4", (7, 5))
    cpu = Device("tensorflow", "CPU", "CPU, 2 cores")
    assert choose_precision(h200, ("crop",)) == "mixed_bfloat16"
    assert choose_precision(t4, ("landmarks", "crop")) == "mixed_float16"
    assert choose_precision(h200, ("landmarks",)) == "float32"  # too small to gain
    assert choose_precision(cpu, ("crop",)) == "float32"
    monkeypatch.setenv(PRECISION_ENV, "mixed_float16")
    assert choose_precision(cpu, ("landmarks",)) == "mixed_float16"
    monkeypatch.setenv(PRECISION_ENV, "half")
    with pytest.raises(ValueError, match="HANDCAM_PRECISION"):
        choose_precision(cpu, ("crop",))


def test_a_model_trained_in_mixed_precision_is_saved_in_float32():
    import keras

    from handcam.features.preprocess import PreprocessConfig
    from training.backend import float32_model
    from training.models import build_model

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        mixed, _ = build_model("crop_cnn", 3, PreprocessConfig(crop_size=16))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert mixed.layers[-1].dtype_policy.name == "float32"  # the output layer, always
    copy = float32_model(mixed)
    assert {layer.dtype_policy.name for layer in copy.layers} == {"float32"}
    for a, b in zip(mixed.get_weights(), copy.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    plain, _ = build_model("crop_cnn", 3, PreprocessConfig(crop_size=16))
    assert float32_model(plain) is plain


def _blob_images(n: int, size: int = 48) -> np.ndarray:
    img = np.full((n, size, size, 3), 40, np.uint8)
    img[:, size // 2 - 6 : size // 2 + 6, size // 2 - 4 : size // 2 + 8] = 220
    return img


def _variety(images: np.ndarray) -> dict[str, float]:
    """Spread of the bright blob's centre, of the mean brightness and of the contrast."""
    bright = images.mean(-1) > 130
    ys, xs = np.mgrid[0 : images.shape[1], 0 : images.shape[2]]
    count = np.maximum(bright.sum((1, 2)), 1)
    cx = (bright * xs).sum((1, 2)) / count
    cy = (bright * ys).sum((1, 2)) / count
    return {
        "centre": float(np.std(cx) + np.std(cy)),
        "brightness": float(np.std(images.mean((1, 2, 3)))),
        "contrast": float(np.std(images.std((1, 2, 3)))),
        "size": float(np.std(count)),
    }


def test_crop_augmentation_is_repeatable_off_at_inference_and_as_varied_as_kerass():
    import keras

    from training.crop_augment import CropAugment, keras_random_layers

    x = _blob_images(256)
    first = keras.ops.convert_to_numpy(CropAugment(seed=7)(x, training=True))
    again = keras.ops.convert_to_numpy(CropAugment(seed=7)(x, training=True))
    other = keras.ops.convert_to_numpy(CropAugment(seed=8)(x, training=True))
    np.testing.assert_array_equal(first, again)
    assert np.abs(first - other).mean() > 1
    assert first.dtype == np.float32 and first.min() >= 0 and first.max() <= 255
    same = keras.ops.convert_to_numpy(CropAugment(seed=7)(x, training=False))
    np.testing.assert_array_equal(same, x.astype(np.float32))  # inference: untouched

    y = keras.ops.convert_to_numpy(x).astype(np.float32)
    for layer in keras_random_layers():
        y = keras.ops.convert_to_numpy(layer(y, training=True))
    ours, theirs = _variety(first), _variety(y)
    for key in ours:  # the same kinds of change, about as strong
        assert 0.6 < ours[key] / theirs[key] < 1.67, (key, ours, theirs)


def test_crop_models_save_no_augmentation_and_train_wrapped_in_it():
    from handcam.features.preprocess import PreprocessConfig
    from training.crop_augment import has_random_layers, with_crop_augment
    from training.models import build_model

    for name in ("crop_cnn", "fusion", "mobilenetv3"):
        model, _ = build_model(name, 3, PreprocessConfig(crop_size=32), "none", np.ones((4, 389)))
        kinds = {type(layer).__name__ for layer in model._flatten_layers()}
        assert not has_random_layers(model) and "CropAugment" not in kinds, name
        trainer = with_crop_augment(model, 1.0, 0)
        assert trainer is not model and trainer.count_params() == model.count_params()
    landmark, _ = build_model("landmarks", 3, PreprocessConfig(features="shape"))
    assert with_crop_augment(landmark) is landmark


JAX_TRAINING = """
import json, sys
import numpy as np
from handcam.features.preprocess import hand_features
from handcam.testing import synthetic_hand
from handcam.model.bundle import ModelBundle
from handcam.model.classifier import KerasClassifier
from training.cli import main
out = sys.argv[2]
assert main([sys.argv[1], "--out", out, "--epochs", "2"]) == 0
bundle = ModelBundle.load(out)
clf = KerasClassifier(bundle)  # the app's Keras runtime, on JAX
f = hand_features(np.zeros((120, 160, 3), np.uint8), synthetic_hand(160, 120), bundle.preprocess,
                  with_crop=False)
print(json.dumps({"probs": clf.predict(f).tolist(), "device": clf.device,
                  "tensorflow_loaded": "tensorflow" in sys.modules}))
"""


@pytest.mark.slow
def test_training_under_jax_writes_a_complete_bundle_the_app_runs(tmp_path):
    from handcam.model.bundle import ModelBundle
    from handcam.model.classifier import TFLiteClassifier, load_classifier

    data = make_sidecar_dataset(tmp_path / "data", {"open": 1.0, "half": 0.55, "closed": 0.15})
    out = tmp_path / "bundle"
    code = f"import sys; sys.argv[1:] = [{str(data)!r}, {str(out)!r}]\n" + JAX_TRAINING
    done = _run_jax(code)
    result = _json_lines(done.stdout)[-1]
    assert len(result["probs"]) == 3 and abs(sum(result["probs"]) - 1) < 1e-4
    assert result["device"].endswith("(jax)")
    report = json.loads((out / "report.json").read_text())
    config = json.loads((out / "config.json").read_text())["training"]
    assert report["backend"] == config["backend"] == "jax"
    assert report["device"] == config["device"] and report["precision"] == "float32"
    for kind in ("fp16", "int8"):  # exported by a TensorFlow process from model.keras
        assert "accuracy" in report["exports"][kind], report["exports"]
        assert (out / f"model_{kind}.tflite").is_file()
    assert "trained on" in done.stderr and "(jax, float32)" in done.stderr
    clf = load_classifier(ModelBundle.load(out))  # the app, in this (TensorFlow) process
    assert isinstance(clf, TFLiteClassifier)


DEVICE_CHECK = """
import sys
# As on a GPU machine with only numpy, Keras and one backend: these cannot be imported.
BLOCKED = {"tensorflow", "cv2", "mediapipe", "PySide6", "sklearn", "matplotlib", "tqdm"}
class Absent:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Absent())
from benchmarks.device_check import main
status = main(["--models", "landmarks,crop_cnn", "--seconds", "2", "--landmark-seconds", "8",
               "--crops", "64", "--crop-size", "32", "--batch", "16"])
print("status", status)
"""


@pytest.mark.slow
def test_device_check_runs_without_tensorflow_or_opencv_and_prints_a_line_per_model():
    # HANDCAM_FUSED_STEPS=1: the GPU's many-steps-per-call path, run here on the CPU.
    done = _run_jax(DEVICE_CHECK, HANDCAM_FUSED_STEPS="1")
    lines = _json_lines(done.stdout)
    assert [line["model"] for line in lines] == ["landmarks", "crop_cnn"], done.stdout
    for line in lines:
        assert "error" not in line, line
        assert line["backend"] == "jax" and line["device"].startswith("CPU")
        assert line["samples_per_s"] > 0 and line["epochs"] >= 1 and line["keras"]
    assert lines[0]["test_accuracy"] > 0.8  # a few fused epochs of the digits' carried set
    assert lines[1]["augment"] == "CropAugment layer"
    assert "status 0" in done.stdout
