"""Issue 10, the window: Qt 6.8 mirror, labels as text (not HTML), camera listing off
the GUI thread, bounded timing windows."""

from __future__ import annotations

import re
import threading
import time
import tomllib
from argparse import Namespace

import numpy as np
import pytest

from conftest import REPO, frame
from handcam.recognition.assemble import LoadedModel
from handcam.recognition.events import Processed
from handcam.signs.compose_stage import EMPTY_TEXT
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtGui import Qt as QtGuiNs  # noqa: E402
from PySide6.QtWidgets import QLabel  # noqa: E402

from handcam.ui import main_window as main_window_module  # noqa: E402
from handcam.ui.main_window import MainWindow  # noqa: E402
from handcam.ui.settings import open_settings  # noqa: E402
from handcam.ui.video_view import VideoView, to_qimage  # noqa: E402
from handcam.ui.worker import RecognitionWorker  # noqa: E402


def window_with(qtbot, tmp_path, labels, probs):
    worker = RecognitionWorker(
        lambda path: LoadedModel.of(FakeClassifier(labels, fn=lambda f: probs)),
        lambda mode, pre: FakeHandDetector(),
    )
    settings = open_settings(str(tmp_path / "settings.ini"))
    w = MainWindow(settings, worker, model_dirs=[tmp_path], data_dir=tmp_path)
    qtbot.addWidget(w)
    w.set_model("fake-model")
    worker.start()
    w.show()
    return w


# --- Qt 6.8: no QImage.flipped ---------------------------------------------------------
def start_app(tmp_path):
    """The app as ``handcam`` starts it (no --source: cameras are listed), with fakes."""
    from handcam.ui import app as app_module

    args = Namespace(
        source=None, model=None, data_dir=tmp_path / "data", log_predictions=None,
        no_mirror=False, snapshot=None, exit_after=None, verbose=False,
    )  # fmt: skip
    return app_module.start_window(
        args,
        settings_path=str(tmp_path / "settings.ini"),
        model_loader=lambda p: LoadedModel.of(FakeClassifier(["A", "B"])),
        detector_factory=lambda kind, model: FakeHandDetector(),
    )


def declared_pyside_floor() -> tuple[int, ...]:
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    spec = next(d for d in deps if d.startswith("PySide6"))
    return tuple(int(x) for x in re.search(r">=([\d.]+)", spec).group(1).split("."))


def test_the_mirrored_view_paints_without_qt_6_9_api(qtbot, monkeypatch):
    """The declared floor is 6.8, whose QImage has no ``flipped``: paint without it."""
    assert declared_pyside_floor() < (6, 9)  # what pyproject allows must work
    monkeypatch.delattr(QImage, "flipped", raising=False)  # Qt 6.8 as far as we use it
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(320, 240)
    img = np.zeros((240, 320, 3), np.uint8)
    img[:, :160] = (255, 0, 0)  # left half red, right half blue
    img[:, 160:] = (0, 0, 255)
    view._image, view._message = to_qimage(img), ""
    for mirror, left, right in ((True, "blue", "red"), (False, "red", "blue")):
        view.mirror = mirror
        shot = view.grab().toImage()
        colours = {"red": (255, 0, 0), "blue": (0, 0, 255)}
        px = shot.pixelColor(40, 120)
        assert (px.red(), px.green(), px.blue()) == colours[left], mirror
        px = shot.pixelColor(280, 120)
        assert (px.red(), px.green(), px.blue()) == colours[right], mirror


# --- labels are data, not HTML ---------------------------------------------------------
def renders_as_html(label: QLabel) -> bool:
    fmt = label.textFormat()
    return fmt == Qt.TextFormat.RichText or (
        fmt == Qt.TextFormat.AutoText and QtGuiNs.mightBeRichText(label.text())
    )


def test_a_label_like_html_is_shown_as_text(qtbot, tmp_path):
    evil = "<img src=x>"
    w = window_with(qtbot, tmp_path, [evil, "<b>B</b>"], [0.95, 0.05])
    w.set_source("fake", factory=lambda: FakeSource([frame()], loop=True, fps=60))
    qtbot.waitUntil(lambda: w.side.big_label.text() == evil, timeout=5000)
    qtbot.waitUntil(lambda: "labels:" in w.side.model_info.text(), timeout=5000)
    assert (
        "&lt;img src=x&gt;" in w.side.model_info.text() and "&lt;b&gt;B" in w.side.model_info.text()
    )
    for label in w.findChildren(QLabel):  # no label shows a model's label as markup
        if renders_as_html(label):
            assert evil not in label.text() and "<b>B</b>" not in label.text(), label
    # the plot's legend renders HTML too: its names are escaped
    legend = lambda: [item.text for _, item in w.plot.legend.items]  # noqa: E731
    qtbot.waitUntil(lambda: "&lt;img src=x&gt;" in legend(), timeout=5000)
    assert evil not in legend()
    w.close()


def test_a_failed_model_message_is_escaped(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, ["A", "B"], [0.1, 0.9])
    w._on_model_failed("<img src=x>: no such folder")
    assert "&lt;img src=x&gt;" in w.side.model_info.text()
    assert "<img" not in w.side.model_info.text().replace("&lt;img", "")
    w.close()


# --- bounded timing windows ------------------------------------------------------------
def test_gui_and_latency_timings_keep_a_bounded_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(main_window_module, "TIMING_WINDOW", 50, raising=False)
    w = window_with(qtbot, tmp_path, ["A", "B"], [0.1, 0.9])
    w.set_source("fake", factory=lambda: FakeSource([frame()], loop=True, fps=60))
    qtbot.waitUntil(lambda: w.latest is not None, timeout=5000)
    result = w.latest
    w._timer.stop()
    for _ in range(80):
        w.show_update(Processed(result, EMPTY_TEXT))
    assert len(w.gui_ms) == 50 and len(w.latency_ms) == 50
    assert w.display_stats()["gui_ms"]["n"] == 50
    w.close()


# --- cameras are listed off the GUI thread ---------------------------------------------
def test_startup_lists_cameras_off_the_gui_thread(qtbot, tmp_path, monkeypatch):
    import handcam.capture.sources as sources

    calls = []

    def slow_listing(max_index: int = 5) -> list[int]:
        calls.append(threading.current_thread() is threading.main_thread())
        time.sleep(1.5)  # probing cameras is slow; a broken driver hangs
        return [7]

    monkeypatch.setattr(sources, "list_cameras", slow_listing)
    monkeypatch.setattr(
        main_window_module,
        "open_source",
        lambda spec: FakeSource([frame()], loop=True, fps=30, name=f"camera {spec}", live=True),
    )
    t0 = time.perf_counter()
    _, window, worker, lister = start_app(tmp_path)
    try:
        assert time.perf_counter() - t0 < 1.2  # the window did not wait for the listing
        assert "Looking for cameras" in window.video._message
        qtbot.waitUntil(lambda: window.toolbar.source_combo.findData("7") >= 0, timeout=5000)
        assert calls == [False]  # listed once, not on the GUI thread
        qtbot.waitUntil(lambda: window.frames_shown > 0, timeout=5000)  # camera 7 opened
        assert window.latest.frame.source == "camera 7"
    finally:
        window.close()
        worker.stop()


def test_no_camera_found_is_said_after_the_listing(qtbot, tmp_path, monkeypatch):
    import handcam.capture.sources as sources

    monkeypatch.setattr(sources, "list_cameras", lambda max_index=5: [])
    _, window, worker, _ = start_app(tmp_path)
    try:
        qtbot.waitUntil(lambda: "No camera found" in window.video._message, timeout=5000)
        assert window.toolbar.source_combo.itemText(0) == "No camera found"
    finally:
        window.close()
        worker.stop()


def test_camera_candidates_on_each_system(monkeypatch, tmp_path):
    import sys

    from handcam.capture.sources import camera_candidates

    for platform in ("darwin", "win32"):
        monkeypatch.setattr(sys, "platform", platform)
        assert camera_candidates(4) == [0, 1, 2, 3]  # no device files: numbered from 0
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("video2", "video0", "video10", "video63", "video64", "videoX", "video", "vcs"):
        (tmp_path / name).touch()
    assert camera_candidates(4, dev=tmp_path) == [0, 2, 10, 63]  # the devices there, in order


def test_a_source_opened_while_cameras_are_listed_is_kept(qtbot, tmp_path, monkeypatch):
    import handcam.capture.sources as sources

    monkeypatch.setattr(sources, "list_cameras", lambda max_index=5: time.sleep(1.0) or [7])
    monkeypatch.setattr(
        main_window_module,
        "open_source",
        lambda spec: FakeSource([frame()], loop=True, fps=30, name=f"source {spec}", live=True),
    )
    _, window, worker, lister = start_app(tmp_path)
    try:
        window.set_source("clip.mp4")  # the user opens a video before the listing ends
        qtbot.waitUntil(lambda: window.toolbar.source_combo.findData("7") >= 0, timeout=5000)
        qtbot.wait(300)
        assert window.source_spec == "clip.mp4"
        qtbot.waitUntil(lambda: window.frames_shown > 0, timeout=5000)
        assert window.latest.frame.source == "source clip.mp4"
    finally:
        window.close()
        worker.stop()


def test_a_damaged_smoothing_setting_falls_back_to_the_defaults(tmp_path):
    from handcam.signs.smoothing import SmootherConfig
    from handcam.ui.settings import load_smoother, open_settings

    s = open_settings(str(tmp_path / "s.ini"))
    s.setValue("smoothing/enter", "not a number")
    assert load_smoother(s) == SmootherConfig()
