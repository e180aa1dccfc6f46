"""Calibrating a model to one person's hand: the guided pass (which frames are kept, and
for what), and ``handcam-train REC --init BUNDLE --adapt --check KEPT`` (only the output
layers change; the report says how the kept-back samples read before and after)."""

import json
import shutil

import numpy as np
import pytest

from conftest import make_sidecar_dataset
from handcam.features.preprocess import feature_size
from handcam.model.bundle import ModelBundle
from handcam.model.personal import PERSONAL_FILE, load_personal
from handcam.model.trainset import load_bundle_handset
from handcam.recording.calibration import KEPT_BACK, TRAIN, CalibrationConfig, CalibrationPass
from handcam.testing import synthetic_hand
from training.cli import main as train_main


def steady_hand(t: float):
    hand = synthetic_hand(160, 120, spread=0.5)
    hand.landmarks[:, 0] += 0.1 * t  # drifts a tenth of a pixel a second: steady
    return hand


def test_the_pass_asks_every_sign_in_turn_and_keeps_the_last_frames_of_each_back():
    cfg = CalibrationConfig(frames_per_sign=5, kept_back=2, settle_s=0.5, spacing_s=0.1)
    cal = CalibrationPass(("A", "B"), cfg)
    got: dict[str, list[str]] = {"A": [], "B": []}
    t = 0.0
    while not cal.done and t < 10:
        label = cal.current
        where = cal.feed(t, steady_hand(t))
        if where:
            got[label].append(where)
        t += 1 / 30
    assert got == {lab: [TRAIN] * 3 + [KEPT_BACK] * 2 for lab in "AB"}
    assert cal.done and cal.current is None and cal.feed(t, steady_hand(t)) is None


def test_the_pass_waits_for_the_sign_to_settle_and_for_a_steady_hand():
    cfg = CalibrationConfig(frames_per_sign=3, kept_back=1, settle_s=0.5, spacing_s=0.0)
    cal = CalibrationPass(("A",), cfg)
    assert [cal.feed(t, steady_hand(t)) for t in (0.0, 0.1, 0.2, 0.4)] == [None] * 4
    jumped = synthetic_hand(160, 120, spread=0.5)
    jumped.landmarks[:, :2] += 30  # a hand moving fast is not captured
    assert cal.feed(0.6, jumped) is None
    assert cal.feed(0.7, None) is None  # no hand
    assert cal.feed(0.75, steady_hand(0)) is None  # after no hand: no frame to compare with
    assert cal.feed(0.8, steady_hand(0)) == TRAIN


def test_skipping_a_sign_moves_on_and_remembers_it():
    cal = CalibrationPass(("A", "B", "C"))
    cal.skip()
    assert cal.current == "B" and cal.skipped == ["A"]
    cal.skip()
    cal.skip()
    assert cal.done and cal.skipped == ["A", "B", "C"]
    with pytest.raises(ValueError):
        CalibrationConfig(frames_per_sign=3, kept_back=3)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("calib")
    data = make_sidecar_dataset(root / "data", {"open": 1.0, "half": 0.55, "closed": 0.15})
    out = root / "base"
    assert train_main([str(data), "--out", str(out), "--epochs", "20", "--no-export"]) == 0
    shutil.rmtree(root / "data")
    return out


def _weights(bundle):
    import keras

    model = keras.models.load_model(bundle / "model.keras", compile=False, safe_mode=True)
    return [np.asarray(w) for w in model.weights]


@pytest.mark.slow
def test_adapt_trains_only_the_output_layer_on_every_new_sample_and_reports_before_after(
    base, tmp_path
):
    signs = {"open": 0.9, "half": 0.5, "closed": 0.2}
    rec = make_sidecar_dataset(tmp_path / "rec", signs, per_class=4, seed=3)
    kept = make_sidecar_dataset(tmp_path / "kept", signs, per_class=2, seed=4)
    out = tmp_path / "mine"
    args = [str(rec), "--init", str(base), "--adapt", "--check", str(kept), "--out", str(out)]
    assert train_main([*args, "--no-export"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["selection"]["policy"] == "adapt"
    carried = load_bundle_handset(out)
    new = np.char.startswith(carried.origins.astype(str), "rec/")
    assert new.sum() == 12 and set(carried.parts[new]) == {"train"}  # every new sample learned
    check = report["check"]
    assert check["before"]["samples"] == check["after"]["samples"] == 6
    assert 0 <= check["before"]["shown_right"] <= 1 and 0 <= check["after"]["shown_right"] <= 1
    before, after = _weights(base), _weights(out)
    changed = [not np.allclose(a, b) for a, b in zip(before, after, strict=True)]
    assert changed[-2:] == [True, True]  # the output layer's kernel and bias
    assert not any(changed[:-2])  # every other layer as it was
    assert (out / "openset.npz").read_bytes() == (base / "openset.npz").read_bytes()
    mine = ModelBundle.load(out)
    shapes = load_personal(out / PERSONAL_FILE, feature_size(mine.preprocess.features))
    assert sorted(shapes.labels) == sorted(["closed", "half", "open"] * 4)  # the samples
    assert mine.personal == report["personal_shapes"] == 12
    assert ModelBundle.load(base).personal == 0

    again = tmp_path / "again"  # a second calibration adds its shapes to the first's
    rec2 = make_sidecar_dataset(tmp_path / "rec2", signs, per_class=2, seed=5)
    assert train_main([str(rec2), "--init", str(out), "--out", str(again), "--no-export"]) == 0
    assert ModelBundle.load(again).personal == 18


@pytest.mark.slow
def test_a_calibration_that_leaves_out_a_sign_keeps_no_hand_shapes(base, tmp_path, capsys):
    rec = make_sidecar_dataset(tmp_path / "rec", {"open": 0.9, "closed": 0.2}, per_class=3)
    out = tmp_path / "mine"
    assert train_main([str(rec), "--init", str(base), "--out", str(out), "--no-export"]) == 0
    assert "your hand shapes are not kept: no sample of half" in capsys.readouterr().err
    assert not (out / PERSONAL_FILE).exists() and ModelBundle.load(out).personal == 0
    assert json.loads((out / "report.json").read_text())["personal_shapes"] == 0


def test_adapt_and_check_need_a_model_to_start_from(tmp_path):
    rec = make_sidecar_dataset(tmp_path / "rec", {"open": 0.9, "closed": 0.2}, per_class=3)
    out = tmp_path / "m"
    assert train_main([str(rec), "--adapt", "--out", str(out), "--no-export"]) == 2
    assert train_main([str(rec), "--check", str(rec), "--out", str(out), "--no-export"]) == 2
    assert not out.exists()
