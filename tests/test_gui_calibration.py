"""Calibrate to your hand in the window (pytest-qt, offscreen, fakes): the chart frames each
sign in turn, steady frames are written as samples (the last of each sign kept back), the
adaptation runs ``handcam-train TRAIN --init MODEL --adapt --check KEPT``, its model is used
at once with the before/after figure, and Roll back returns to the model before."""

import json

import pytest

from handcam.recording.calibration import KEPT_BACK, TRAIN

pytest.importorskip("pytestqt")
from window_factory import fake, window_maker  # noqa: E402


@pytest.fixture
def make_window(qtbot, tmp_path):
    yield from window_maker(qtbot, tmp_path)


class FakeRunner:
    """Records what the adaptation would run; the test finishes it by hand."""

    started: list = []

    def __init__(self, parent=None) -> None:
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            message = Signal(str)
            progress = Signal(str, int, int)
            epoch = Signal(dict)
            finished = Signal(bool, str)

        self.s = Signals()
        self.message, self.progress = self.s.message, self.s.progress
        self.epoch, self.finished = self.s.epoch, self.s.finished
        self.running = False

    def start(self, data_dirs, out, init=None, epochs=None, extra=None) -> bool:
        FakeRunner.started.append((data_dirs, out, init, extra))
        self.running = True
        return True


def test_a_calibration_pass_captures_each_sign_adapts_and_rolls_back(
    make_window, qtbot, tmp_path, monkeypatch
):
    import handcam.ui.retrain_runner as runner_module

    monkeypatch.setattr(runner_module, "RetrainRunner", FakeRunner)
    w = make_window()
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.labels == ("A", "B"), timeout=5000)
    panel = w.calibration_dock.panel
    asked = []
    w.chart_dock.chart.set_wanted = lambda label: asked.append(label)  # what the chart frames
    panel._wanted_changed = w.chart_dock.chart.set_wanted
    panel.start()
    assert panel.sign_label.text() == "A" and asked[-1] == "A"
    qtbot.waitUntil(lambda: bool(FakeRunner.started), timeout=20000)
    assert asked[:2] == ["A", "B"]
    data_dirs, out, init, extra = FakeRunner.started[-1]
    folder = panel.folder
    assert data_dirs == [str(folder / TRAIN)] and init == "fake-model"
    assert extra == ["--adapt", "--check", str(folder / KEPT_BACK)]
    for label in ("A", "B"):  # 6 frames learned from, the last 4 of each sign kept back
        assert len(list((folder / TRAIN / label).glob("*.jpg"))) == 6
        assert len(list((folder / KEPT_BACK / label).glob("*.jpg"))) == 4
    sessions = {json.loads(p.read_text())["session"] for p in folder.rglob("*.json")}
    assert len(sessions) == 1  # one sitting
    assert out.parent == tmp_path / "models" and out.name.startswith("fake-model-my-hand-")

    out.mkdir(parents=True)  # what handcam-train would write
    (out / "report.json").write_text(json.dumps({"check": {
        "before": {"shown_right": 0.5, "samples": 8}, "after": {"shown_right": 1.0, "samples": 8}
    }, "personal_shapes": 12}))  # fmt: skip
    asked_models = []
    monkeypatch.setattr(w, "set_model", lambda path: asked_models.append(path))
    panel.runner.running = False
    panel.runner.finished.emit(True, str(out))
    assert asked_models == [str(out)]
    assert "50% shown right before, 100% after" in panel.result_label.text()
    assert "12 of your hand shapes kept" in panel.result_label.text()
    assert panel.rollback_button.isVisibleTo(panel)
    panel.roll_back()
    assert asked_models == [str(out), "fake-model"]


def test_the_calibration_pass_asks_for_still_signs_only_not_the_motion_signs(make_window):
    w = make_window()
    panel = w.calibration_dock.panel
    panel.set_model("letters", ("I", "J", "Y", "Z"), motion_signs=("J", "Z"))
    assert panel.labels == ("I", "Y")  # J and Z come from the hand's path, not a held shape
    panel.start()
    assert panel.sign_label.text() == "I"


def test_a_model_with_motion_signs_offers_only_its_still_signs_to_record_and_calibrate(
    qtbot, tmp_path
):
    from window_factory import build_window

    from handcam.model.classifier import WithMotionSigns
    from handcam.recognition.assemble import LoadedModel
    from handcam.testing import FakeClassifier, FakeHandDetector

    still = FakeClassifier(["A", "I"], fn=lambda f: [0.1, 0.9])
    model = lambda path: LoadedModel.of(WithMotionSigns(still, ("J", "Z")))  # noqa: E731
    w = build_window(qtbot, tmp_path, model, lambda mode, pre: FakeHandDetector())
    try:
        panel = w.add_record_dock(tmp_path / "rec")
        qtbot.waitUntil(lambda: w.labels == ("A", "I", "J", "Z"), timeout=5000)
        qtbot.waitUntil(lambda: w.still_labels == ("A", "I"), timeout=5000)
        qtbot.waitUntil(lambda: panel.label_combo.count() > 0, timeout=5000)  # set after
        offered = [panel.label_combo.itemText(i) for i in range(panel.label_combo.count())]
        assert offered == ["A", "I"]  # a J or Z is a motion, not one frame to record
        assert w.calibration_dock.panel.labels == ("A", "I")
        assert w.chart_dock.chart.labels == ("A", "I", "J", "Z")
    finally:
        w.worker.stop()


def test_a_pass_with_a_skipped_sign_says_why_your_hand_shapes_were_not_kept(
    make_window, qtbot, tmp_path, monkeypatch
):
    import handcam.ui.retrain_runner as runner_module

    monkeypatch.setattr(runner_module, "RetrainRunner", FakeRunner)
    FakeRunner.started.clear()
    w = make_window()
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.labels == ("A", "B"), timeout=5000)
    panel = w.calibration_dock.panel
    panel.start()
    panel.skip()  # A skipped: B alone is captured
    qtbot.waitUntil(lambda: bool(FakeRunner.started), timeout=20000)
    out = FakeRunner.started[-1][1]
    out.mkdir(parents=True)
    (out / "report.json").write_text(json.dumps({"check": {
        "before": {"shown_right": 0.5, "samples": 4}, "after": {"shown_right": 1.0, "samples": 4}
    }, "personal_shapes": 0}))  # fmt: skip
    monkeypatch.setattr(w, "set_model", lambda path: None)
    panel.runner.running = False
    panel.runner.finished.emit(True, str(out))
    assert "hand shapes were not kept: no sample of A (skipped)" in panel.result_label.text()
