"""``handcam-train DIR --out M`` starts a new landmark model from the bundled digits model's
layers by default, as the window's retrain does, and never from a model that was trained on
the very photos given."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import make_sidecar_dataset
from handcam.model.bundle import ModelBundle
from training.cli import main as train_main

CLASSES = {"open": 1.0, "mid": 0.5, "fist": 0.1}


def hidden(path):
    import keras

    model = keras.models.load_model(path / "model.keras", compile=False)
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    return [w for layer in dense[:2] for w in layer.get_weights()]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A stand-in for the bundled models folder, its "digits" trained on ``base`` photos."""
    root = tmp_path_factory.mktemp("shipped")
    base = make_sidecar_dataset(root / "base", CLASSES, per_class=6)
    digits = root / "models" / "digits"
    args = [str(base), "--out", str(digits), "--epochs", "1", "--no-export", "--pretrained", "none"]
    assert train_main(args) == 0
    return root


def test_a_new_model_starts_from_the_bundled_digits_layers_by_default(
    shipped, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("HANDCAM_MODELS_DIR", str(shipped / "models"))
    mine = make_sidecar_dataset(tmp_path / "mine", {"wave": 0.35, "fist": 0.05}, per_class=6)
    out = tmp_path / "m"
    args = [str(mine), "--out", str(out), "--epochs", "1", "--lr", "1e-12", "--no-export"]
    assert train_main(args) == 0
    digits = shipped / "models" / "digits"
    assert ModelBundle.load(out).training["pretrained"] == str(digits)
    assert "starts from the layers of the bundled digits model" in capsys.readouterr().err
    for a, b in zip(hidden(out), hidden(digits), strict=True):
        assert np.allclose(a, b, atol=1e-6)  # it began as the digits model's layers
    scratch = tmp_path / "s"
    args = [
        str(mine),
        "--out",
        str(scratch),
        "--epochs",
        "1",
        "--no-export",
        "--pretrained",
        "none",
    ]
    assert train_main(args) == 0
    assert ModelBundle.load(scratch).training["pretrained"] is None
    assert not np.allclose(hidden(scratch)[0], hidden(digits)[0])


def test_the_default_start_is_skipped_for_the_start_models_own_photos_and_for_fine_tunes(
    shipped, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("HANDCAM_MODELS_DIR", str(shipped / "models"))
    out = tmp_path / "again"
    assert (
        train_main([str(shipped / "base"), "--out", str(out), "--epochs", "1", "--no-export"]) == 0
    )
    assert "the data holds photos digits was trained on" in capsys.readouterr().err
    assert ModelBundle.load(out).training["pretrained"] is None
    mine = make_sidecar_dataset(tmp_path / "mine", {"wave": 0.35}, per_class=4)
    tuned = tmp_path / "tuned"
    args = [str(mine), "--out", str(tuned), "--init", str(shipped / "models" / "digits"),
            "--epochs", "1", "--no-export"]  # fmt: skip
    assert train_main(args) == 0  # --init and the default together: no error
    assert ModelBundle.load(tuned).training["pretrained"] is None
