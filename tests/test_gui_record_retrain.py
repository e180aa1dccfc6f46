"""The record panel and retraining from the window (pytest-qt, offscreen, fakes; the
retrains run for real on tiny sets)."""

from pathlib import Path

import pytest

from conftest import MODEL, frame, make_sidecar_dataset
from handcam.model.bundle import ModelBundle
from handcam.testing import FakeSource

pytest.importorskip("pytestqt")
from window_factory import fake, window_maker  # noqa: E402


@pytest.fixture
def make_window(qtbot, tmp_path):
    yield from window_maker(qtbot, tmp_path)


def test_record_panel_capture_undo_and_burst(make_window, qtbot, tmp_path):
    w = make_window()
    panel = w.add_record_dock(tmp_path)
    panel.set_dataset_dir(tmp_path / "ds")
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.frames_shown > 2, timeout=5000)
    panel.label_combo.setCurrentText("my sign")
    assert panel.capture()
    qtbot.waitUntil(lambda: panel.counts == {"my sign": 1} and panel.thumbs.count() == 1)
    panel.undo()
    qtbot.waitUntil(lambda: panel.counts == {"my sign": 0})
    assert panel.store.counts() == {"my sign": 0}
    panel.burst_delay.setValue(0)
    panel.burst_count.setValue(3)
    panel.burst_rate.setValue(20)
    panel.start_burst()
    qtbot.waitUntil(lambda: panel.counts.get("my sign") == 3, timeout=5000)
    panel.label_combo.setCurrentText("../escape")
    assert not panel.capture() and "not saved" in panel.message.text()
    assert not (tmp_path / "escape").exists()


def test_a_burst_saves_each_frame_once_and_writes_off_the_gui_thread(
    make_window, qtbot, tmp_path, monkeypatch
):
    import threading

    from handcam.recording.samples import SampleStore

    writers = []
    original = SampleStore.save

    def spy(self, *args, **kwargs):
        writers.append(threading.current_thread() is threading.main_thread())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SampleStore, "save", spy)
    w = make_window()
    panel = w.add_record_dock(tmp_path)
    panel.set_dataset_dir(tmp_path / "ds")
    # a slideshow: 4 different images, 4 frames a second, under a 20/s burst of 8
    images = [frame(value=v) for v in (10, 60, 110, 160)]
    w.set_source("slides", factory=lambda: FakeSource(images, fps=4, name="slides"))
    qtbot.waitUntil(lambda: w.frames_shown >= 1, timeout=5000)
    panel.label_combo.setCurrentText("slide")
    panel.burst_delay.setValue(0)
    panel.burst_count.setValue(8)
    panel.burst_rate.setValue(20)
    panel.start_burst()
    qtbot.waitUntil(lambda: not panel._burst_timer.isActive(), timeout=15000)
    qtbot.waitUntil(lambda: panel.pending == 0, timeout=5000)
    indexes = [s.sidecar for s in panel.history]
    frames = [__import__("json").loads(p.read_text())["frame_index"] for p in indexes]
    assert len(frames) == len(set(frames)) and len(frames) <= 4  # no frame saved twice
    assert writers and not any(writers)  # never on the GUI thread


def test_retrain_runner_produces_a_bundle_and_keeps_the_old(qtbot, tmp_path):
    from handcam.ui.retrain import RetrainRunner

    data = make_sidecar_dataset(tmp_path / "rec", {"a": 1.0, "b": 0.2}, per_class=6)
    runner = RetrainRunner()
    epochs, done = [], []
    runner.epoch.connect(epochs.append)
    runner.finished.connect(lambda ok, detail: done.append((ok, detail)))
    runner.start([str(data)], tmp_path / "new", epochs=2, extra=["--no-export"])
    qtbot.waitUntil(lambda: bool(done), timeout=120000)
    assert done[0][0], done[0][1]
    assert len(epochs) == 2 and (tmp_path / "new" / "model.keras").is_file()
    # a failing run (one class) reports why and writes nothing
    one = make_sidecar_dataset(tmp_path / "one", {"a": 1.0}, per_class=3)
    done.clear()
    runner2 = RetrainRunner()
    runner2.finished.connect(lambda ok, detail: done.append((ok, detail)))
    runner2.start([str(one)], tmp_path / "bad")  # one class and no base model
    qtbot.waitUntil(lambda: bool(done), timeout=120000)
    assert not done[0][0] and "one class" in done[0][1]
    assert not (tmp_path / "bad").exists() and (tmp_path / "new" / "model.keras").is_file()


def test_retrain_cancel_leaves_nothing(qtbot, tmp_path):
    from handcam.ui.retrain import RetrainRunner

    data = make_sidecar_dataset(tmp_path / "rec", {"a": 1.0, "b": 0.2}, per_class=6)
    runner = RetrainRunner()
    done, epochs = [], []
    runner.epoch.connect(epochs.append)
    runner.finished.connect(lambda ok, detail: done.append((ok, detail)))
    runner.start([str(data)], tmp_path / "new", epochs=500, extra=["--patience", "1000"])
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=120000)
    runner.cancel()
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    assert not done[0][0] and "cancelled" in done[0][1]
    assert [p.name for p in tmp_path.iterdir()] == ["rec"]


def test_retrain_dialog_switches_to_the_new_model_and_rolls_back(make_window, qtbot, tmp_path):
    from handcam.ui.retrain import RetrainDialog

    w = make_window()
    qtbot.waitUntil(lambda: w.model_path == "fake-model", timeout=5000)
    data = make_sidecar_dataset(tmp_path / "rec", {"a": 1.0, "b": 0.2}, per_class=6)
    dialog = RetrainDialog(w, data, w.model_path, tmp_path / "models", w.set_model)
    assert not dialog.merge_edit.text()  # no developer paths: nothing extra by default
    assert dialog.pretrained_check.isChecked() and not dialog.pretrained_check.isEnabled()
    dialog.scratch_radio.setChecked(True)
    assert dialog.pretrained_check.isEnabled()  # a new model starts from the digits' layers
    dialog.keep_signs_check.setChecked(False)  # the fake model carries no samples
    dialog.epochs_spin.setValue(2)
    dialog.start()
    qtbot.waitUntil(lambda: dialog.use_button.isEnabled(), timeout=120000)
    new = dialog.new_model
    assert Path(new).parent == tmp_path / "models" and (Path(new) / "model.keras").is_file()
    assert ModelBundle.load(new).training["pretrained"] == str(MODEL.resolve())
    assert dialog.bar.value() == 2 and dialog.tabs.currentWidget() is dialog.result_page
    legend = [item.text for _, item in dialog.curves_legend.items]  # named once epochs ran
    assert legend == ["loss", "validation accuracy"] and not dialog.curves_placeholder.isVisible()
    view = dialog.report_view  # the result: a headline, each label, the details
    assert view.headline.title and view.table.rowCount() == 2
    assert "split" in view.details.toPlainText() and "Saved as" in dialog.result_label.text()
    dialog.use_new()
    qtbot.waitUntil(lambda: w.model_path == new, timeout=5000)
    dialog.roll_back()
    qtbot.waitUntil(lambda: w.model_path == "fake-model", timeout=5000)
    assert w.toolbar.model_combo.findData(new) >= 0  # the new bundle stays available


def test_retrain_dialog_cancels_on_esc_restarts_and_runs_one_at_a_time(
    make_window, qtbot, tmp_path
):
    from PySide6.QtCore import Qt

    from handcam.ui.retrain import RetrainDialog

    w = make_window()
    qtbot.waitUntil(lambda: w.model_path == "fake-model", timeout=5000)
    data = make_sidecar_dataset(tmp_path / "rec", {"a": 1.0, "b": 0.2}, per_class=6)
    dialog = RetrainDialog(w, data, "", tmp_path / "models", w.set_model)
    other = RetrainDialog(w, data, "", tmp_path / "models", w.set_model)
    messages = []
    other.runner.message.connect(messages.append)
    dialog.show()
    dialog.epochs_spin.setValue(500)
    epochs = []
    dialog.runner.epoch.connect(epochs.append)
    dialog.start()
    assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    other.start()  # a second training while one runs is refused
    assert other.start_button.isEnabled() and "already running" in messages[-1]
    qtbot.waitUntil(lambda: len(epochs) >= 1 or dialog.start_button.isEnabled(), timeout=120000)
    assert epochs, dialog.log_view.toPlainText()[-2000:]
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # Esc cancels, the dialog stays
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=30000)
    assert dialog.isVisible() and "cancelled" in dialog.result_label.text()
    dialog.epochs_spin.setValue(2)
    dialog.start()  # and it can be started again
    qtbot.wait(11000)  # past the first run's kill timer: it must not touch this run
    qtbot.waitUntil(lambda: dialog.start_button.isEnabled(), timeout=120000)
    assert dialog.report_view is not None and "cancelled" not in dialog.result_label.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nothing running: Esc closes
    assert not dialog.isVisible()


def test_a_motion_clip_is_recorded_shown_and_undone_and_one_without_motion_is_refused(
    make_window, qtbot, tmp_path, monkeypatch
):

    from handcam.hands.hand import Hand
    from handcam.testing import FakeHandDetector, synthetic_hand

    monkeypatch.setattr("handcam.ui.clip_controls.MAX_S", 1.5)
    state = {"moving": False, "x": 0.0, "n": 0}
    base = synthetic_hand(64, 48)

    def hand(image):
        state["n"] += 1
        if state["moving"] and 10 <= state["n"] % 200 < 40:  # a sweep, then rest
            state["x"] += 2.0
        lms = base.landmarks.copy()
        lms[:, 0] += state["x"]
        return [Hand(lms, "Right", 0.99)]

    w = make_window(detector=lambda mode, pre: FakeHandDetector(hand))
    panel = w.add_record_dock(tmp_path)
    panel.set_dataset_dir(tmp_path / "ds")
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.frames_shown > 2, timeout=5000)
    panel.label_combo.setCurrentText("sweep")
    panel.burst_delay.setValue(0)
    panel.clips.start()  # the hand only rests: refused, nothing written
    qtbot.waitUntil(lambda: "did not move" in panel.message.text(), timeout=10000)
    assert not list((tmp_path / "ds").rglob("*.clip.json")) and not panel.clips.history

    state["moving"], state["n"] = True, 0
    panel.clips.start()
    qtbot.waitUntil(lambda: len(panel.clips.history) == 1, timeout=10000)
    (path,) = list((tmp_path / "ds").rglob("*.clip.json"))
    assert panel.thumbs.count() == 1 and "motion" in panel.thumbs.item(0).text()
    qtbot.waitUntil(lambda: panel.counts.get("sweep") == 1, timeout=5000)
    panel.clips.undo()
    qtbot.waitUntil(lambda: not path.exists(), timeout=5000)
    assert panel.thumbs.count() == 0
