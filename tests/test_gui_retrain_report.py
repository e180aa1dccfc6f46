"""Issue 21, the retrain dialog's result: a headline to act on, for a dataset recorded in
one sitting per label and for one recorded over several; each label; a confusion matrix
readable for 26 labels; the gate's line. From report dicts shaped as training writes
them (no training runs here)."""

from __future__ import annotations

import string

import pytest

from handcam.ui.retrain_report import gate_text, headline, label_rows

LETTERS = list(string.ascii_uppercase)


def report(labels=LETTERS, n=10, by_sample=(), wrong=None, groups=1, **extra) -> dict:
    """A report as training writes it: ``wrong`` maps (made, read) -> count."""
    k = len(labels)
    cm = [[n if i == j else 0 for j in range(k)] for i in range(k)]
    for (made, read), count in (wrong or {}).items():
        i, j = labels.index(made), labels.index(read)
        cm[i][i] -= count
        cm[i][j] += count
    per_class = {}
    for i, lab in enumerate(labels):
        read_as = sum(cm[r][i] for r in range(k))
        per_class[lab] = {
            "recall": cm[i][i] / n,
            "precision": cm[i][i] / read_as if read_as else 0.0,
            "f1": 0.0,
            "support": n,
        }
    total = k * n
    grouped = [lab for lab in labels if lab not in by_sample]
    policy = "mixed" if by_sample and grouped else "by sample" if by_sample else "grouped"
    return {
        "labels": list(labels),
        "split": {
            "policy": policy,
            "grouped_labels": grouped,
            "by_sample_labels": list(by_sample),
            "notes": ["a note of the split"],
            "groups": {"train": 3, "validation": groups, "test": groups},
        },
        "evaluation": {
            "test": {
                "n": total,
                "accuracy": sum(cm[i][i] for i in range(k)) / total,
                "per_class": per_class,
                "confusion_matrix": cm,
                "by_source": {"rec": {"accuracy": 1.0, "n": total}},
            }
        },
        "history": {"loss": [2.0, 1.0, 0.5], "val_accuracy": [0.5, 0.8, 0.9]},
        **extra,
    }


def test_one_sitting_per_label_says_it_cannot_be_measured_and_what_to_record():
    h = headline(report(by_sample=LETTERS))
    assert not h.measured
    assert "cannot be measured from one sitting" in h.title
    assert "optimistic" in h.body and "record each of them again in 2 more sittings" in h.body
    assert "%" not in h.title  # no figure that would mislead in the line read first


def test_a_grouped_dataset_leads_with_the_figure_for_sittings_never_seen():
    h = headline(report(wrong={("G", "P"): 9, ("U", "R"): 3}, groups=2))
    assert h.measured and h.title == "Expect about 95% right on sittings and people it never saw"
    assert "260 test samples from 2 sittings or people kept out" in h.body
    assert "from 1 sitting or person kept out" in headline(report(groups=1)).body


def test_a_mixed_dataset_measures_only_the_labels_recorded_in_several_sittings():
    h = headline(report(by_sample=["Y", "Z"], wrong={("A", "B"): 10}))
    # A is half of what can be measured wrong: 230 right of 240, Y and Z left out
    assert h.measured and "Expect about 96% right" in h.title and "24 labels" in h.title
    assert "2 label(s) (Y, Z)" in h.body and "record each of them again" in h.body


def test_nothing_held_out_says_there_is_no_figure():
    r = report()
    r["evaluation"] = {}
    assert headline(r).title.startswith("No figure")


def test_the_gate_line_reads_the_gate_entry_first_then_the_open_set_entry():
    openset = {"calibrated_on": "validation", "test_signs_passing": 0.9615}
    assert gate_text(report(open_set=openset)) == (
        "Not-a-sign gate: on, calibrated on validation; it lets 96% of the test signs through"
    )
    gate = {"summary": "off: one sitting cannot calibrate it"}
    assert gate_text(report(open_set=openset, gate=gate)) == (
        "Not-a-sign gate: off: one sitting cannot calibrate it"
    )
    assert "enabled: on" in gate_text(report(gate={"enabled": True, "why": "x"}))
    assert gate_text(report()) == ""


def test_label_rows_put_the_weakest_first_with_what_they_were_mistaken_for():
    rows = label_rows(report(by_sample=["Z"], wrong={("G", "P"): 9, ("U", "R"): 3}))
    assert [r.label for r in rows[:2]] == ["G", "U"] and len(rows) == 26
    assert rows[0].recall == pytest.approx(0.1) and rows[0].mistaken_for == "P (9)"
    assert next(r for r in rows if r.label == "Z").optimistic


def test_the_result_view_shows_26_labels_and_the_matrix_full_size_on_a_click(qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from PySide6.QtCore import Qt

    from handcam.ui.report_view import FULL_CELL, ConfusionView, ReportView

    r = report(wrong={("G", "P"): 9}, open_set={"calibrated_on": "validation"})
    view = ReportView(r, tmp_path / "letters-personal")
    qtbot.addWidget(view)
    view.resize(900, 560)
    view.show()
    assert view.title_label.text() == view.headline.title and view.gate_label.isVisible()
    assert view.table.rowCount() == 26 and view.table.item(0, 0).text() == "G"
    assert view.table.item(0, 4).text() == "P (9)"
    assert "a note of the split" in view.details.toPlainText()
    view.grab()  # paints
    qtbot.mouseClick(view.matrix, Qt.MouseButton.LeftButton)
    full = view.full_matrix
    assert full is not None and full.isVisible()
    qtbot.addWidget(full)
    big = full.findChild(ConfusionView)
    assert big.width() >= 26 * FULL_CELL  # each cell big enough for its count
    full.close()


def test_the_gate_line_says_off_and_why_for_a_model_recorded_by_one_person():
    openset = {
        "state": "off",
        "calibrated_on": "none",
        "open_labels": ["A", "B", "C"],
        "why": "every label was made by fewer than 3 people",
    }
    line = gate_text(report(open_set=openset))
    assert line.startswith("Not-a-sign gate: off")
    assert "fewer than 3 people" in line and "calibrated" not in line


def test_the_gate_line_names_the_labels_that_never_reject():
    openset = {
        "state": "on, some labels open",
        "calibrated_on": "leave-people-out: 6 people",
        "open_labels": ["HELLO"],
        "test_signs_passing": 0.99,
    }
    line = gate_text(report(open_set=openset))
    assert line.startswith("Not-a-sign gate: on, some labels open, calibrated on leave-people-out")
    assert "never rejects HELLO" in line and "99%" in line
