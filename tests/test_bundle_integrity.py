"""A bundle records each file's size and SHA-256 at save (config.json "files") and checks
them when it loads: a damaged file is named; the runtime's own file stops the load, any
other is a warning; older bundles without the record load as before."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import MODEL, REPO, make_sidecar_dataset
from handcam.errors import BundleError
from handcam.model.bundle import ModelBundle
from handcam.model.integrity import digest
from handcam.recognition.assemble import load_model
from training.cli import main as train_main
from training.export import main as export_main

SHIPPED = ("digits", "letters", "alphanumeric")


@pytest.fixture
def digits(tmp_path) -> Path:
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    return Path(shutil.copytree(MODEL, tmp_path / "digits"))


def flip_a_byte(path: Path) -> None:
    """Damage a file without changing its size."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def cut_short(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@pytest.mark.parametrize("name", SHIPPED)
def test_the_shipped_bundles_record_every_file_and_match_it(name):
    root = REPO / "models" / name
    if not root.is_dir():
        pytest.skip(f"models/{name} not built")
    files = json.loads((root / "config.json").read_text())["files"]
    on_disk = {p.name for p in root.iterdir() if p.is_file() and p.name != "config.json"}
    assert set(files) == on_disk
    assert ModelBundle.load(root).damaged == {}


def test_a_damaged_model_keras_is_a_warning_while_tflite_reads_the_signs(digits):
    flip_a_byte(digits / "model.keras")
    model = load_model(digits)
    assert "TFLite model_fp16.tflite" in model.device
    assert len(model.warnings) == 1
    assert model.warnings[0].startswith(f"{digits / 'model.keras'}: damaged (its contents differ")
    assert "training from this bundle (--init" in model.warnings[0]
    with pytest.raises(BundleError, match=r"model\.keras: damaged"):
        load_model(digits, runtime="keras")  # the file the runtime needs: a load error


def test_a_damaged_export_falls_back_to_the_other_and_says_so(digits):
    cut_short(digits / "model_fp16.tflite")
    model = load_model(digits)
    assert "model_int8.tflite" in model.device
    assert any("model_fp16.tflite: damaged" in w and "bytes where" in w for w in model.warnings)
    with pytest.raises(BundleError, match=r"model_fp16\.tflite: damaged"):
        from handcam.model.classifier import TFLiteClassifier

        TFLiteClassifier(ModelBundle.load(digits), digits / "model_fp16.tflite")


def test_damaged_labels_stop_the_load_and_a_damaged_gate_runs_without_it(digits):
    flip_a_byte(digits / "openset.npz")
    model = load_model(digits)
    assert model.gate is None
    assert any("openset.npz: damaged" in w and "not a sign" in w for w in model.warnings)
    labels = json.loads((digits / "labels.json").read_text())
    (digits / "labels.json").write_text(json.dumps(labels[::-1]))  # still valid, but not it
    with pytest.raises(BundleError, match=r"labels\.json: damaged"):
        ModelBundle.load(digits)


def test_a_bundle_without_the_record_loads_as_before(digits):
    config = json.loads((digits / "config.json").read_text())
    del config["files"]
    (digits / "config.json").write_text(json.dumps(config))
    flip_a_byte(digits / "learning_curves.png")
    model = load_model(digits)
    assert model.warnings == () and model.gate is not None


def test_seal_records_the_files_as_they_are_now(digits, capsys):
    flip_a_byte(digits / "learning_curves.png")
    assert ModelBundle.load(digits).damaged.keys() == {"learning_curves.png"}
    assert export_main([str(digits), "--seal"]) == 0
    assert "recorded 13 files" in capsys.readouterr().out
    assert ModelBundle.load(digits).damaged == {}


def test_train_init_from_a_damaged_model_keras_names_it(digits, tmp_path, capsys):
    data = make_sidecar_dataset(tmp_path / "data", {"open": 1.0, "closed": 0.15}, per_class=3)
    flip_a_byte(digits / "model.keras")
    out = tmp_path / "out"
    assert train_main([str(data), "--init", str(digits), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--init: {digits / 'model.keras'}: damaged" in err
    assert "File not found" not in err and not out.exists()
    # an older bundle (no record) whose model.keras is no zip any more: said too
    config = json.loads((digits / "config.json").read_text())
    del config["files"]
    (digits / "config.json").write_text(json.dumps(config))
    cut_short(digits / "model.keras")
    assert train_main([str(data), "--init", str(digits), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "model.keras: damaged (not the zip archive" in err and "File not found" not in err


def test_a_damaged_carried_set_is_named_when_training_from_it(digits, tmp_path, capsys):
    data = make_sidecar_dataset(tmp_path / "data", {"open": 1.0, "closed": 0.15}, per_class=3)
    flip_a_byte(digits / "trainset.npz")
    assert load_model(digits).warnings[0].startswith(f"{digits / 'trainset.npz'}: damaged")
    out = tmp_path / "out"
    assert train_main([str(data), "--init", str(digits), "--out", str(out), "--epochs", "1"]) == 2
    assert "trainset.npz: damaged" in capsys.readouterr().err


@pytest.mark.slow
def test_a_trained_bundle_records_its_files(tmp_path):
    data = make_sidecar_dataset(tmp_path / "data", {"open": 1.0, "closed": 0.15}, per_class=6)
    out = tmp_path / "b"
    args = [str(data), "--out", str(out), "--epochs", "1", "--pretrained", "none"]
    assert train_main(args) == 0
    files = json.loads((out / "config.json").read_text())["files"]
    assert files["model.keras"] == digest(out / "model.keras")
    assert {"labels.json", "report.json", "trainset.npz", "model_fp16.tflite"} <= set(files)
    assert ModelBundle.load(out).damaged == {}


def test_an_installed_app_finds_its_bundled_models_by_name_and_names_them_when_not_found(
    tmp_path, monkeypatch
):
    shipped = tmp_path / "share" / "models"
    shutil.copytree(MODEL, shipped / "digits")
    monkeypatch.setenv("HANDCAM_MODELS_DIR", str(shipped))
    away = tmp_path / "elsewhere"  # no models/ folder here, as for a pip-installed app
    away.mkdir()
    monkeypatch.chdir(away)
    for given in ("digits", "models/digits"):
        assert ModelBundle.load(given).path == shipped / "digits", given
    (away / "digits").mkdir()  # a folder of that name here is what was meant
    with pytest.raises(BundleError, match="not a model bundle"):
        ModelBundle.load("digits")
    with pytest.raises(BundleError, match=r"no such model bundle folder \(the bundled ones, by "):
        ModelBundle.load("letters")
    with pytest.raises(BundleError, match="no such model bundle folder"):
        ModelBundle.load("other/digits")
