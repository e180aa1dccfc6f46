"""The main window: video, large label, composed text, confidence plot, status line,
pickers and modes; sign chart and practice in docks."""

from __future__ import annotations

import html
import logging
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QMainWindow,
    QSplitter,
)

from handcam.capture.grabber import LatestSlot
from handcam.capture.sources import FrameSource, open_source
from handcam.model.bundle import bundled_models_dir, find_bundles
from handcam.recognition.pipeline import FrameResult
from handcam.system.timing import process_age_s, summarize
from handcam.ui.composer_keys import add_composer_keys
from handcam.ui.composer_view import ComposerView
from handcam.ui.confidence_plot import ConfidencePlot
from handcam.ui.docks import attach_practice, attach_sign_chart
from handcam.ui.elided import ElidedLabel
from handcam.ui.menus import build_menus_and_toolbar
from handcam.ui.side_panel import IDLE_TEXT, QUIET, no_model_notice, side_panel
from handcam.ui.status_line import source_item_text, source_kind, status_text, warnings_html
from handcam.ui.video_view import VideoView
from handcam.ui.worker import ModelInfo, RecognitionWorker

log = logging.getLogger(__name__)
DISPLAY_HZ = 30
TIMING_WINDOW = 3000  # gui_ms / latency_ms keep the last 100 s at 30 Hz, not the session


NOT_A_SIGN_MARK = "\u2013"  # a dash: a hand is there, making none of the model's signs


def hand_text(s) -> str:
    """One hand's short label: its sign, "?" when unsure, a dash when not a sign."""
    if s.state == "label":
        return s.label or ""
    return NOT_A_SIGN_MARK if s.state == "not_a_sign" else "?"


class MainWindow(QMainWindow):
    """Thin GUI over the worker. ``sources`` maps picker text -> source spec."""

    result_shown = Signal(object)  # FrameResult, after it is on screen (record panel)
    closing = Signal()  # the window is closing: panels finish their work

    def __init__(
        self,
        settings: QSettings,
        worker: RecognitionWorker,
        results: LatestSlot[FrameResult],
        model_dirs: list[Path] | None = None,
        cameras: list[int] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.worker = worker
        self.results = results
        self.model_dirs = model_dirs or [bundled_models_dir()]
        self.cameras = cameras or []
        self.data_dir = data_dir or Path.home() / ".handcam"  # recordings, retrained models
        self.labels: tuple[str, ...] = ()
        self.device = ""
        self.model_path = ""  # the model in use ("" while none is loaded)
        self.model_state = "loading"  # "loading" | "ready" | "failed" (no model at all)
        self.model_error = ""
        self._requested_model = ""
        self.source_spec = ""
        self._source_factory = None
        self._source_waits = False  # no model read the source: play it again on a model
        self.latest: FrameResult | None = None
        self.gui_ms: deque[float] = deque(maxlen=TIMING_WINDOW)
        self.latency_ms: deque[float] = deque(maxlen=TIMING_WINDOW)
        self.frames_shown = 0
        self._t_first_shown = 0.0
        self.composer_actions: dict[str, QAction] = {}
        self.setWindowTitle("handcam")
        self._build()
        self.chart = attach_sign_chart(self)
        self.practice = attach_practice(self, self.data_dir)
        add_composer_keys(self)
        self._connect_worker()
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / DISPLAY_HZ))
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(500)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)

    # --- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        build_menus_and_toolbar(self)
        self.source_combo.activated.connect(self._on_source_picked)
        self.model_combo.activated.connect(self._on_model_picked)

        self.video = VideoView()
        self.video.mirror = self.mirror_action.isChecked()
        scroll = side_panel(self)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.video)
        top.addWidget(scroll)
        top.setStretchFactor(0, 4)
        top.setStretchFactor(1, 1)
        self.plot = ConfidencePlot()
        self.plot.setMinimumHeight(150)
        self.composer_view = ComposerView()
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(self.composer_view)
        main.addWidget(self.plot)
        main.setStretchFactor(0, 4)
        main.setStretchFactor(2, 1)
        self.setCentralWidget(main)
        # a normal widget: a message (source ended, a failure) shows in its place a while
        self.status = ElidedLabel()
        self.statusBar().addWidget(self.status, 1)

    def mirror_toggled(self, on: bool) -> None:
        self.video.mirror = on
        self.settings.setValue("view/mirror", on)
        self.video.update()

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _connect_worker(self) -> None:
        self.worker.model_ready.connect(self._on_model_ready)
        self.worker.model_failed.connect(self._on_model_failed)
        self.worker.source_started.connect(
            lambda name: self.statusBar().showMessage(f"source: {name}", 3000)
        )
        self.worker.source_failed.connect(self._on_source_failed)
        self.worker.source_ended.connect(lambda msg: self.statusBar().showMessage(msg))
        self.worker.problem.connect(self._on_source_failed)  # shown the same way

    # --- sources -----------------------------------------------------------------------
    def populate_sources(self) -> None:
        self.source_combo.clear()
        for index in self.cameras:
            self.source_combo.addItem(f"Camera {index}", str(index))
        recent = self.settings.value("source/recent", [], type=list) or []
        for spec in recent:
            if Path(spec).exists():
                self.source_combo.addItem(Path(spec).name, spec)
                self.source_combo.setItemData(
                    self.source_combo.count() - 1, spec, Qt.ItemDataRole.ToolTipRole
                )
        if self.source_spec and self.source_combo.findData(self.source_spec) < 0:
            _select_or_add(self.source_combo, source_item_text(self.source_spec), self.source_spec)
        if self.source_combo.count() == 0:
            self.source_combo.addItem("No camera found", "")

    def set_source(self, spec: str, factory=None) -> None:
        """Switch to a camera index, video or folder (``factory`` for tests/fakes)."""
        spec = str(spec)
        if factory is None:

            def factory(spec=spec) -> FrameSource:
                return open_source(spec)

        live = spec.isdigit()
        self.source_spec, self._source_factory = spec, factory
        self.worker.set_source(factory, spec, live)
        self.video.set_message(f"Opening {spec}...")
        if self.model_state == "failed":
            self._show_no_model()
        if spec and not spec.isdigit():
            recent = [
                s for s in (self.settings.value("source/recent", [], type=list) or []) if s != spec
            ]
            self.settings.setValue("source/recent", [spec, *recent][:5])
        self.settings.setValue("source/spec", spec)
        _select_or_add(self.source_combo, source_item_text(spec), spec)
        self.source_combo.setItemData(
            self.source_combo.currentIndex(), spec, Qt.ItemDataRole.ToolTipRole
        )

    def show_no_camera(self) -> None:
        self.video.set_message(
            "No camera found.\n\nOpen a video file (Ctrl+O) or a folder of images "
            "(Ctrl+Shift+O), or plug in a camera and restart."
        )

    def _on_source_picked(self, index: int) -> None:
        spec = self.source_combo.itemData(index)
        if spec:
            self.set_source(spec)

    def open_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open video", "", "Videos (*.mp4 *.avi *.mov *.mkv *.webm);;All (*)"
        )
        if path:
            self.set_source(path)

    def open_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open image folder")
        if path:
            self.set_source(path)

    def _on_source_failed(self, message: str) -> None:
        self.video.set_message(message)
        self.statusBar().showMessage(message)
        index = self.source_combo.findData(self.source_spec) if self.source_spec else -1
        if index >= 0:  # e.g. "nope.mp4 (not found)"
            self.source_combo.setItemText(index, source_item_text(self.source_spec))

    # --- models ------------------------------------------------------------------------
    def populate_models(self) -> None:
        self.model_combo.clear()
        for path in find_bundles(*self.model_dirs):
            self.model_combo.addItem(path.name, str(path))
            self.model_combo.setItemData(
                self.model_combo.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole
            )
        if self.model_path:  # keep showing the model in use
            _select_or_add(self.model_combo, Path(self.model_path).name, self.model_path)
        else:
            self.model_combo.setCurrentIndex(-1)  # "no model: pick one" until one loads
        self.modes.refresh()

    def set_model(self, path: str) -> None:
        self._requested_model = str(path)
        self.model_info.setText(f"loading {html.escape(Path(path).name)}...")
        if not self.model_path:
            self.model_state = "loading"
        self.worker.set_model(path)
        _select_or_add(self.model_combo, Path(path).name, str(path))

    def _on_model_picked(self, index: int) -> None:
        path = self.model_combo.itemData(index)
        if path:
            self.set_model(path)

    def open_model(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open model bundle folder")
        if path:
            self.set_model(path)

    def _on_model_ready(self, info: ModelInfo) -> None:
        waited, self._source_waits = self._source_waits, False
        self.labels, self.device, self.model_path = info.labels, info.device, info.path
        self.model_state, self.model_error = "ready", ""
        if waited and self.source_spec and not self.source_spec.isdigit():
            # a video or folder ran on, unread, while no model was loaded: from the start
            self.set_source(self.source_spec, factory=self._source_factory)
        self.video.set_notice("")
        self.settings.setValue("model/path", info.path)
        _select_or_add(self.model_combo, Path(info.path).name, info.path)
        self.modes.model_loaded(info.path)
        self.plot.set_labels(info.labels)
        if not self.frames_shown:
            self.confidence_label.setText(IDLE_TEXT)
        shown = ", ".join(info.labels[:40]) + (" ..." if len(info.labels) > 40 else "")
        name, device, shown = (html.escape(t) for t in (Path(info.path).name, info.device, shown))
        gate = f"<br>{html.escape(info.gate)}" if info.gate else ""
        gate += warnings_html(info.warnings)  # damaged files the model runs without
        self.model_info.setText(
            f"<b>{name}</b> on {device}<br>{len(info.labels)} labels: {shown}{gate}"
        )

    def _on_model_failed(self, message: str) -> None:
        self.model_error = message
        said = f"<span style='color:#e55'>model not loaded:</span> {html.escape(message)}"
        self.statusBar().showMessage(f"model not loaded: {message}", 15000)
        if self.model_path:  # the previous model stays in use: the pickers say so
            self.model_info.setText(said)
            _select_or_add(self.model_combo, Path(self.model_path).name, self.model_path)
            self.modes.model_loaded(self.model_path)
            return
        self.model_state, self._source_waits = "failed", True
        self.model_info.setText(
            f"{said}<br><b>No model is in use.</b> Pick one in the Model picker above, or "
            "open a model bundle folder (Ctrl+Shift+M)."
        )
        failed = self.model_combo.findData(self._requested_model)
        if failed >= 0 and Path(self._requested_model) not in find_bundles(*self.model_dirs):
            self.model_combo.removeItem(failed)  # a picker lists models that load
        self.model_combo.setCurrentIndex(-1)  # "no model: pick one"
        self.modes.no_model()
        self._show_no_model()

    def _show_no_model(self) -> None:
        """The video area, side panel and plot say that no model reads the hand."""
        models = [self.model_combo.itemText(i) for i in range(self.model_combo.count())]
        source = Path(self.source_spec).name if self.source_spec else ""
        if source.isdigit():
            source = f"Camera {source}"
        self.video.set_notice(no_model_notice(self.model_error, source, models))
        self.big_label.hide()
        self.confidence_label.setStyleSheet(QUIET)
        self.confidence_label.setText("No model loaded: no sign can be read.")

    # --- display -----------------------------------------------------------------------
    def _on_tick(self) -> None:
        result = self.results.take(timeout=0)
        if result is not None:
            t0 = time.perf_counter()
            self.latest = result
            self.video.show_result(result)
            self.plot.add(result)
            if not self.frames_shown:  # the sign area has something to show from now on
                self.big_label.show()
                self.confidence_label.setStyleSheet("")
            s = result.smoothed
            if s is None or s.state == "no_hand":
                self.big_label.setText("")
                self.confidence_label.setText("no hand")
            elif len(result.per_hand) > 1:  # one label per hand, main hand first
                shown = [hand_text(r.smoothed) for r in result.per_hand]
                self.big_label.setText(" · ".join(shown))
                self.confidence_label.setText(
                    " · ".join(f"{r.smoothed.confidence:.0%}" for r in result.per_hand)
                )
            elif s.state == "unsure":
                self.big_label.setText("?")
                self.confidence_label.setText(f"unsure ({s.confidence:.0%})")
            elif s.state == "not_a_sign":
                self.big_label.setText(NOT_A_SIGN_MARK)
                self.confidence_label.setText("not a sign")
            else:
                self.big_label.setText(s.label or "")
                self.confidence_label.setText(f"{s.confidence:.0%} confident")
            self.chart.set_current(s.label if s is not None and s.state == "label" else None)
            self.composer_view.show_composed(self.worker.composer.snapshot())
            self.result_shown.emit(result)
            done = time.perf_counter()
            self.gui_ms.append((done - t0) * 1e3)
            self.latency_ms.append((done - result.frame.t_read) * 1e3)
            if not self.frames_shown:
                self._t_first_shown = done
                self._first_shown_age_s = process_age_s()
            self.frames_shown += 1
        self.plot.refresh()

    def status_head(self) -> str:
        """The start of the status line: the mode, or why nothing is read."""
        if self.model_path:
            return self.modes.status_text()
        return "no model loaded" if self.model_state == "failed" else "loading model..."

    def _update_status(self) -> None:
        st = self.worker.stats()
        head = self.status_head()
        gui = summarize(list(self.gui_ms)[-60:])["median"]
        lat = summarize(list(self.latency_ms)[-60:])["median"]
        text = status_text(head, st, source_kind(self.source_spec), gui, lat)
        if not st.source and self.source_spec and self.model_state == "failed":
            text += f" · {Path(self.source_spec).name} waits for a model"
        self.status.setText(text)
        self.status.set_extra_tooltip(f"source: {st.source}" if st.source else "")

    def display_stats(self) -> dict:
        span = time.perf_counter() - self._t_first_shown if self.frames_shown else 0.0
        return {
            "first_frame_shown_s": round(getattr(self, "_first_shown_age_s", 0.0), 3),
            "frames_shown": self.frames_shown,
            "display_fps": round((self.frames_shown - 1) / span, 2) if span > 0 else 0.0,
            "gui_ms": summarize(list(self.gui_ms)),
            "read_to_shown_ms": summarize(list(self.latency_ms)),
        }

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.closing.emit()
        self._timer.stop()
        self._status_timer.stop()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        self.worker.stop()
        super().closeEvent(event)


def _select_or_add(combo: QComboBox, text: str, data: str) -> None:
    """Select the item holding ``data``, adding it first when the picker lacks it."""
    index = combo.findData(data)
    if index < 0:
        combo.addItem(text, data)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
