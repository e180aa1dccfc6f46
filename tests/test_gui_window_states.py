"""Issue 21, the window as a new user meets it: a bad model at start, the idle panels,
the rate of image folders, a 1280x720 window, and the retrain dialog's result."""

from __future__ import annotations

import re
from argparse import Namespace
from pathlib import Path

import pytest

from conftest import REPO, frame
from handcam.recognition.assemble import LoadedModel, load_model
from handcam.recognition.events import SessionStats
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource

pytest.importorskip("pytestqt")
from PySide6.QtGui import QAction  # noqa: E402
from window_factory import build_window  # noqa: E402

from handcam.ui import composer_view  # noqa: E402
from handcam.ui.confidence_plot import PLACEHOLDER, RAW_NAME  # noqa: E402
from handcam.ui.settings import open_settings  # noqa: E402
from handcam.ui.side_panel import IDLE_TEXT  # noqa: E402
from handcam.ui.status_line import status_text  # noqa: E402


def fake_model(path):
    return LoadedModel.of(FakeClassifier(["A", "B"], fn=lambda f: [0.1, 0.9]))


def fake_source(name="clip.mp4"):
    return lambda: FakeSource([frame()], loop=True, fps=30, name=name)


def hands(mode, pre):
    return FakeHandDetector()


# --- a bad model at start ---------------------------------------------------------------
def test_a_bad_model_at_start_leaves_a_whole_window_that_says_why_and_recovers(
    qtbot, tmp_path, monkeypatch
):
    import handcam.capture.sources as sources
    from handcam.ui.app import start_window

    monkeypatch.setattr(sources, "list_cameras", lambda max_index=5: [])
    bad = tmp_path / "not-a-model"
    bad.mkdir()
    (bad / "labels.json").write_text('["A", "B"]')
    settings = open_settings(str(tmp_path / "settings.ini"))
    settings.setValue("mode/current", "digits")  # the mode of a run before
    settings.sync()

    def loader(path):  # the real loader says what is wrong; a good pick loads a fake
        return fake_model(path) if Path(path).name == "digits" else load_model(path)

    args = Namespace(
        source="clip.mp4", model=bad, data_dir=tmp_path / "data", log_predictions=None,
        no_mirror=False, snapshot=None, exit_after=None, verbose=False,
    )  # fmt: skip
    opened = []
    _, w, worker, _ = start_window(
        args,
        source_factory=lambda: opened.append(1) or fake_source()(),
        settings_path=str(tmp_path / "settings.ini"),
        model_loader=loader,
        detector_factory=lambda kind, model: FakeHandDetector(),
    )
    try:
        qtbot.waitUntil(lambda: w.model_state == "failed", timeout=10000)
        # whole: the picker lists the models that load, and asks for one
        names = [w.toolbar.model_combo.itemText(i) for i in range(w.toolbar.model_combo.count())]
        assert "digits" in names and "not-a-model" not in names
        assert (
            w.toolbar.model_combo.currentIndex() == -1
            and "pick" in w.toolbar.model_combo.placeholderText()
        )
        # said: which folder, what is wrong, what to do; the source waits for a model
        notice = w.video.shown_message()
        assert notice.startswith("No model loaded") and "clip.mp4 plays as soon" in notice
        for text in (notice, w.side.model_info.text()):
            assert str(bad) in text and "missing config.json" in text and "Ctrl+Shift+M" in text
        assert (
            not w.side.big_label.isVisible() and "No model loaded" in w.side.confidence_label.text()
        )
        # the status line is true: no mode is in use
        qtbot.waitUntil(lambda: w.status.text().startswith("no model loaded"), timeout=3000)
        assert "waits for a model" in w.status.text() and "mode:" not in w.status.text()
        assert not any(a.isChecked() for a in w.toolbar.modes.actions.values())
        # recovers: picking a good model from the picker; the video starts again (it ran
        # on, unread, while no model was loaded)
        qtbot.waitUntil(lambda: len(opened) == 1, timeout=5000)
        w.toolbar.model_combo.activated.emit(w.toolbar.model_combo.findText("digits"))
        qtbot.waitUntil(lambda: len(opened) == 2, timeout=10000)
        qtbot.waitUntil(lambda: w.side.big_label.text() == "B", timeout=10000)
        assert w.model_state == "ready" and w.video.shown_message() == ""
        assert w.toolbar.model_combo.currentText() == "digits"
        qtbot.waitUntil(lambda: w.status.text().startswith("mode: Digits"), timeout=3000)
    finally:
        w.close()
        worker.stop()


def test_an_explicit_model_is_loaded_as_asked_and_a_remembered_one_falls_back(tmp_path):
    from handcam.model.bundle import default_model_path
    from handcam.ui.app import startup_model

    assert startup_model(tmp_path / "typo", None) == str(tmp_path / "typo")  # said, not swapped
    assert startup_model(None, str(tmp_path / "gone")) == str(default_model_path())
    assert startup_model(None, str(tmp_path)) == str(tmp_path)


# --- the idle window --------------------------------------------------------------------
def test_the_idle_window_says_what_each_panel_shows_until_a_hand_gives_it_something(
    qtbot, tmp_path
):
    w = build_window(qtbot, tmp_path, fake_model, hands)
    try:
        qtbot.waitUntil(lambda: w.model_path == "fake-model", timeout=5000)
        w.plot.refresh()
        assert not w.side.big_label.isVisible()  # no empty box (nor a "-" drawn as a black bar)
        assert w.side.confidence_label.text() == IDLE_TEXT
        assert w.composer_view.text_label.text() == composer_view.PLACEHOLDER  # not "…"
        assert not w.composer_view.hold.isVisible()  # no unlabelled box
        assert w.plot.legend_names() == [] and w.plot.placeholder.isVisible()  # no "#1 #2"
        assert w.plot.placeholder.toPlainText() == PLACEHOLDER
        w.set_source("fake", factory=fake_source("fake"))
        qtbot.waitUntil(lambda: w.side.big_label.text() == "B", timeout=5000)
        assert w.side.big_label.isVisible() and "confident" in w.side.confidence_label.text()
        qtbot.waitUntil(lambda: "B" in w.plot.legend_names(), timeout=3000)
        assert RAW_NAME in w.plot.legend_names() and not w.plot.placeholder.isVisible()
        qtbot.waitUntil(lambda: w.composer_view.text.startswith("B"), timeout=5000)
        assert w.composer_view.text_label.text().startswith("B")
    finally:
        w.worker.stop()


# --- image folders ----------------------------------------------------------------------
def test_an_image_folder_says_images_per_second_not_camera_fps(qtbot, tmp_path):
    import cv2

    folder = tmp_path / "stills"
    folder.mkdir()
    for i in range(6):
        cv2.imwrite(str(folder / f"{i}.png"), frame(64, 48, value=30 * i))
    w = build_window(qtbot, tmp_path, fake_model, hands)
    try:
        w.set_source(str(folder))
        qtbot.waitUntil(lambda: " images " in w.status.text(), timeout=10000)
        assert re.search(r"images \d+\.\d/s · processing \d+\.\d/s", w.status.text())
        assert "camera" not in w.status.text() and "fps" not in w.status.text()
    finally:
        w.worker.stop()
    stats = SessionStats("cam", 30.0, 29.0, 0, {}, "CPU", live=True)
    assert "camera 30.0 fps" in status_text("mode: Digits", stats, "camera", 1.0, 40.0)
    assert "video 30.0 fps" in status_text("mode: Digits", stats, "video", 1.0, 40.0)


# --- a 1280x720 window ------------------------------------------------------------------
def readme_keys() -> list[str]:
    """Every key named in the README's key tables (| key | action |)."""
    keys, in_table = [], False
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip() == "| key | action |":
            in_table = True
            continue
        if in_table and not line.startswith("|"):
            in_table = False
        if in_table and not line.startswith("|---"):
            cell = line.split("|")[1].strip()
            keys += [k.strip() for k in re.split(r" / |, ", cell) if k.strip()]
    return keys


def test_the_window_fits_1280_by_720_and_every_readme_key_has_one_action(qtbot, tmp_path):
    w = build_window(qtbot, tmp_path, fake_model, hands)
    try:
        w.add_record_dock(tmp_path)
        w.resize(1280, 720)
        assert w.toolbar.sizeHint().width() <= 1200  # nothing behind an overflow arrow
        w.set_source("fake", factory=fake_source("a-video-with-a-rather-long-file-name.mp4"))
        qtbot.waitUntil(lambda: w.side.big_label.text() == "B", timeout=5000)
        w.record_dock.show()
        w.practice_dock.show()
        qtbot.wait(100)
        hint = w.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 720, hint
        assert w.toolbar.sizeHint().width() <= 1200  # a long source name does not widen it
        # the status line elides instead of being cut; all of it is in the tooltip
        long = "mode: Digits · " + " · ".join(f"figure {i} 12.3 ms" for i in range(40))
        w._status_timer.stop()  # the figures of the fake source would replace it
        w.status.setText(long)
        qtbot.wait(50)
        assert w.width() == 1280 and w.status.shown_text().endswith("…")
        assert w.status.text() == long and long in w.status.toolTip()
        # README's keys: each one has exactly one action (none lost, none ambiguous)
        shortcuts = [
            a.shortcut().toString() for a in w.findChildren(QAction) if not a.shortcut().isEmpty()
        ]
        keys = readme_keys()
        assert len(keys) > 15
        for key in keys:
            assert shortcuts.count(key) == 1, (key, shortcuts.count(key))
    finally:
        w.worker.stop()


def test_a_long_dataset_path_is_cut_in_the_middle_with_all_of_it_in_the_tooltip(qtbot, tmp_path):
    from handcam.ui.record_panel import RecordPanel

    deep = tmp_path / "a" / "rather" / "deep" / "folder" / "of" / "my" / "handcam" / "signs"
    panel = RecordPanel(open_settings(str(tmp_path / "s.ini")), deep)
    qtbot.addWidget(panel)
    panel.resize(300, 600)
    panel.show()
    qtbot.wait(50)
    shown = panel.folder_label.shown_text()
    assert "…" in shown and shown.endswith("signs") and shown.startswith(str(tmp_path)[:4])
    assert panel.folder_label.toolTip() == str(deep)
    panel.stop_writer()


def test_a_source_without_hands_keeps_the_plot_placeholder_and_an_empty_legend(qtbot, tmp_path):
    w = build_window(qtbot, tmp_path, fake_model, lambda mode, pre: FakeHandDetector(lambda i: []))
    try:
        w.set_source("fake", factory=fake_source("fake"))
        qtbot.waitUntil(lambda: w.frames_shown > 5, timeout=5000)
        w.plot.refresh()
        assert w.plot.legend_names() == [] and w.plot.placeholder.isVisible()
        assert w.side.confidence_label.text() == "no hand"
    finally:
        w.worker.stop()
