"""The macro one-vs-rest AUC-ROC of the test part: in report.json, in the printed
summary and on the retrain dialog's Details tab; labels the test part lacks and a
one-label test part are said, never a crash."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from conftest import make_sidecar_dataset
from training.evaluate import auc_roc

LABELS = ["a", "b", "c", "d"]


def probabilities(y: np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    p = rng.random((len(y), k)) + 1.5 * np.eye(k)[y] * rng.random((len(y), 1))
    return p / p.sum(1, keepdims=True)


def test_auc_is_scikit_learns_macro_one_vs_rest_when_every_label_is_there():
    y = np.arange(40) % 4
    p = probabilities(y, 4)
    auc = auc_roc(y, p, LABELS, "test")
    expected = roc_auc_score(y, p, multi_class="ovr", average="macro")
    assert auc["macro_ovr"] == pytest.approx(expected, abs=1e-4)
    assert 0.5 < auc["macro_ovr"] < 1 and auc["labels"] == 4 and "why" not in auc


def test_labels_missing_from_the_test_part_are_left_out_and_named():
    y = np.arange(30) % 3  # no "d"
    p = probabilities(y, 4)
    auc = auc_roc(y, p, LABELS, "test")
    per_label = [roc_auc_score(y == c, p[:, c]) for c in range(3)]
    assert auc["macro_ovr"] == pytest.approx(np.mean(per_label), abs=1e-4)
    assert auc["labels_missing"] == ["d"] and "1 it lacks have no AUC" in auc["why"]


def test_a_one_label_or_empty_test_part_says_why_there_is_no_auc():
    y = np.zeros(5, int)
    auc = auc_roc(y, probabilities(y, 4), LABELS, "test")
    assert auc["macro_ovr"] is None
    assert auc["why"] == "the test part holds one label (a): AUC needs two"
    empty = auc_roc(np.zeros(0, int), None, LABELS, "test")
    assert empty["macro_ovr"] is None and empty["why"] == "there is no test part"


def test_the_details_tab_shows_the_auc_or_why_it_is_absent():
    from handcam.ui.retrain_report import details_text

    base = {"split": {"policy": "grouped"}, "evaluation": {}}
    shown = details_text({**base, "auc_roc": {"macro_ovr": 0.98765, "labels_missing": []}})
    assert "AUC-ROC (macro, one-vs-rest) on the test part: 0.988" in shown
    absent = {"macro_ovr": None, "why": "there is no test part"}
    assert "AUC-ROC (macro, one-vs-rest): not measured: there is no test part" in details_text(
        {**base, "auc_roc": absent}
    )


@pytest.mark.slow
def test_training_writes_the_test_parts_auc_into_the_report_and_the_details_tab(tmp_path, qtbot):
    from handcam.ui.report_view import ReportView
    from training.cli import main as train_main

    classes = {"open": 1.0, "half": 0.55, "closed": 0.15}
    data = make_sidecar_dataset(tmp_path / "data", classes)
    out = tmp_path / "b"
    args = [str(data), "--out", str(out), "--epochs", "20", "--no-export", "--pretrained", "none"]
    assert train_main(args) == 0
    report = json.loads((out / "report.json").read_text())
    auc = report["auc_roc"]
    assert auc["part"] == "test" and auc["labels"] == 3 and 0.0 <= auc["macro_ovr"] <= 1.0
    view = ReportView(report, out)
    qtbot.addWidget(view)
    assert f"on the test part: {auc['macro_ovr']:.3f}" in view.details.toPlainText()
