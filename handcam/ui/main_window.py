"""The main window: video, the side panel (the sign, settings, the model), composed text,
confidence plot, status line, menus and toolbar (pickers, modes); sign chart, practice and
record in docks. Each part owns its widgets; the window composes them, talks to the
worker, and shows each frame's frozen update from the worker's mailbox."""

from __future__ import annotations

import logging
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow, QSplitter

from handcam.capture.sources import FrameSource, open_source
from handcam.model.bundle import bundled_models_dir, find_bundles
from handcam.recognition.pipeline import FrameResult
from handcam.system.timing import process_age_s, summarize
from handcam.ui.composer_keys import ComposerKeys
from handcam.ui.composer_view import ComposerView
from handcam.ui.confidence_plot import ConfidencePlot
from handcam.ui.docks import CalibrationDock, PracticeDock, RecordDock, SignChartDock
from handcam.ui.elided import ElidedLabel
from handcam.ui.menus import MainToolBar, MenuBar
from handcam.ui.record_panel import RecordPanel, open_retrain_dialog
from handcam.ui.side_panel import SidePanel, no_model_notice
from handcam.ui.status_line import source_item_text, source_kind, status_text
from handcam.ui.video_view import VideoView
from handcam.ui.worker import ModelInfo, Processed, RecognitionWorker, TextEdited

log = logging.getLogger(__name__)
DISPLAY_HZ = 30
TIMING_WINDOW = 3000  # gui_ms / latency_ms keep the last 100 s at 30 Hz, not the session


class MainWindow(QMainWindow):
    """Thin GUI over the worker. ``sources`` maps picker text -> source spec."""

    result_shown = Signal(object)  # FrameResult, after it is on screen (record panel)
    closing = Signal()  # the window is closing: panels finish their work

    def __init__(
        self,
        settings: QSettings,
        worker: RecognitionWorker,
        model_dirs: list[Path] | None = None,
        cameras: list[int] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.worker = worker
        self.model_dirs = model_dirs or [bundled_models_dir()]
        self.cameras = cameras or []
        self.data_dir = data_dir or Path.home() / ".handcam"  # recordings, retrained models
        self.labels: tuple[str, ...] = ()
        self.still_labels: tuple[str, ...] = ()  # all but the motion signs (J, Z)
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
        self.record_dock: RecordDock | None = None  # add_record_dock
        self.setWindowTitle("handcam")
        self._build()
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
        self.menus = MenuBar(
            self,
            self.settings,
            {
                "open_video": self.open_video,
                "open_folder": self.open_folder,
                "open_model": self.open_model,
                "quit": self.close,
                "full_screen": self.toggle_full_screen,
            },
        )
        self.setMenuBar(self.menus)
        self.toolbar = MainToolBar(
            self, self.menus, self.settings, lambda: self.model_dirs, self.set_model, self.say
        )
        self.addToolBar(self.toolbar)
        self.toolbar.source_combo.activated.connect(self._on_source_picked)
        self.toolbar.model_combo.activated.connect(self._on_model_picked)
        self.menus.mirror_action.toggled.connect(self.mirror_toggled)

        self.video = VideoView()
        self.video.mirror = self.menus.mirror_action.isChecked()
        self.side = SidePanel(self.settings)
        self.side.smoothing.changed.connect(self.worker.set_smoother)
        self.worker.set_smoother(self.side.smoothing.config())
        self.side.composing.changed.connect(self.worker.set_composing)
        self.worker.set_composing(self.side.composing.config())
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.video)
        top.addWidget(self.side)
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

        self.chart_dock = SignChartDock(self)
        self.worker.model_ready.connect(
            lambda info: self.chart_dock.chart.set_model(info.path, info.labels, info.motion_signs)
        )
        self.practice_dock = PracticeDock(self, self.data_dir, self.chart_dock)
        practice = self.practice_dock.panel
        practice.composer_config = self.side.composing.config()
        self.side.composing.changed.connect(  # from the next practice session
            lambda config: setattr(practice, "composer_config", config)
        )
        self.worker.model_ready.connect(lambda info: practice.set_labels(info.labels))
        self.result_shown.connect(practice.on_result)
        self.calibration_dock = CalibrationDock(
            self, self.data_dir, self.chart_dock, self._use_calibrated
        )
        calibration = self.calibration_dock.panel
        self.worker.model_ready.connect(
            lambda info: calibration.set_model(info.path, info.labels, info.motion_signs)
        )
        self.result_shown.connect(calibration.on_result)
        self.closing.connect(calibration.close_writer)
        self.composer_keys = ComposerKeys(
            self, self.menus.text_menu, self.worker.edit_text, self._copy_text
        )

    def add_record_dock(self, data_dir: Path) -> RecordPanel:
        """The record dock (hidden until R), its keys and its wiring; its panel."""
        dock = self.record_dock = RecordDock(self, self.settings, data_dir)
        panel = dock.panel
        self.result_shown.connect(panel.on_result)
        # still samples only: a motion sign (J, Z) is not one frame of a hand; later models
        # reach it from _on_model_ready (a signal already on its way would miss a new slot)
        if self.labels:
            panel.set_labels(self.still_labels)
        self.closing.connect(panel.stop_writer)
        panel.retrain_button.clicked.connect(lambda: open_retrain_dialog(self, panel))
        return panel

    def _use_calibrated(self, path: str) -> None:
        """A calibrated model (or the one rolled back to): listed, then used."""
        self.populate_models()
        self.set_model(path)

    def say(self, message: str, ms: int = 3000) -> None:
        """A short message in the status bar."""
        self.statusBar().showMessage(message, ms)

    def _copy_text(self) -> None:
        self.composer_view.copy()
        self.say("text copied", 2000)

    def mirror_toggled(self, on: bool) -> None:
        self.video.mirror = on
        self.settings.setValue("view/mirror", on)
        self.video.update()

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _connect_worker(self) -> None:
        self.worker.model_ready.connect(self._on_model_ready)
        self.worker.model_failed.connect(self._on_model_failed)
        self.worker.source_started.connect(lambda name: self.say(f"source: {name}"))
        self.worker.source_failed.connect(self._on_source_failed)
        self.worker.source_ended.connect(lambda msg: self.statusBar().showMessage(msg))
        self.worker.problem.connect(self._on_source_failed)  # shown the same way

    # --- sources -----------------------------------------------------------------------
    def set_cameras(self, cameras: list[int]) -> None:
        """The cameras found (the listing runs in the background): the picker lists them."""
        self.cameras = list(cameras)
        self.populate_sources()

    def populate_sources(self) -> None:
        recent = self.settings.value("source/recent", [], type=list) or []
        self.toolbar.list_sources(
            self.cameras, [s for s in recent if Path(s).exists()], self.source_spec
        )

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
        self.toolbar.show_source(spec)

    def show_no_camera(self) -> None:
        self.video.set_message(
            "No camera found.\n\nOpen a video file (Ctrl+O) or a folder of images "
            "(Ctrl+Shift+O), or plug in a camera and restart."
        )

    def _on_source_picked(self, index: int) -> None:
        spec = self.toolbar.source_combo.itemData(index)
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
        combo = self.toolbar.source_combo
        index = combo.findData(self.source_spec) if self.source_spec else -1
        if index >= 0:  # e.g. "nope.mp4 (not found)"
            combo.setItemText(index, source_item_text(self.source_spec))

    # --- models ------------------------------------------------------------------------
    def populate_models(self) -> None:
        self.toolbar.list_models(find_bundles(*self.model_dirs), self.model_path)
        self.toolbar.modes.refresh()

    def set_model(self, path: str) -> None:
        self._requested_model = str(path)
        self.side.model_loading(path)
        if not self.model_path:
            self.model_state = "loading"
        self.worker.set_model(path)
        self.toolbar.show_model(str(path))

    def _on_model_picked(self, index: int) -> None:
        path = self.toolbar.model_combo.itemData(index)
        if path:
            self.set_model(path)

    def open_model(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open model bundle folder")
        if path:
            self.set_model(path)

    def _on_model_ready(self, info: ModelInfo) -> None:
        waited, self._source_waits = self._source_waits, False
        self.labels, self.device, self.model_path = info.labels, info.device, info.path
        self.still_labels = info.still_labels
        self.model_state, self.model_error = "ready", ""
        if waited and self.source_spec and not self.source_spec.isdigit():
            # a video or folder ran on, unread, while no model was loaded: from the start
            self.set_source(self.source_spec, factory=self._source_factory)
        self.video.set_notice("")
        self.settings.setValue("model/path", info.path)
        self.toolbar.show_model(info.path)
        self.toolbar.modes.model_loaded(info.path)
        self.plot.set_labels(info.labels)
        self.side.model_ready(info)
        if self.record_dock is not None:
            self.record_dock.panel.set_labels(info.still_labels)

    def _on_model_failed(self, message: str) -> None:
        self.model_error = message
        self.say(f"model not loaded: {message}", 15000)
        self.side.model_failed(message, previous_kept=bool(self.model_path))
        if self.model_path:  # the previous model stays in use: the pickers say so
            self.toolbar.show_model(self.model_path)
            self.toolbar.modes.model_loaded(self.model_path)
            return
        self.model_state, self._source_waits = "failed", True
        listed = Path(self._requested_model) in find_bundles(*self.model_dirs)
        self.toolbar.no_model(drop=None if listed else self._requested_model)
        self._show_no_model()

    def _show_no_model(self) -> None:
        """The video area, side panel and plot say that no model reads the hand."""
        models = self.toolbar.model_names()
        source = Path(self.source_spec).name if self.source_spec else ""
        if source.isdigit():
            source = f"Camera {source}"
        self.video.set_notice(no_model_notice(self.model_error, source, models))
        self.side.show_no_model()

    # --- display -----------------------------------------------------------------------
    def _on_tick(self) -> None:
        update = self.worker.take_update()
        if update is not None:
            self.show_update(update)
        self.plot.refresh()

    def show_update(self, update: Processed | TextEdited) -> None:
        """A frame's result and the text after it, or only the text after an edit."""
        self.composer_view.show_composed(update.text)
        if isinstance(update, Processed):
            self._show_frame(update.result)

    def _show_frame(self, result: FrameResult) -> None:
        t0 = time.perf_counter()
        self.latest = result
        self.video.show_result(result)
        self.plot.add(result)
        self.side.show_result(result)
        s = result.smoothed
        self.chart_dock.chart.set_current(s.label if s is not None and s.state == "label" else None)
        self.result_shown.emit(result)
        done = time.perf_counter()
        self.gui_ms.append((done - t0) * 1e3)
        self.latency_ms.append((done - result.frame.t_read) * 1e3)
        if not self.frames_shown:
            self._t_first_shown = done
            self._first_shown_age_s = process_age_s()
        self.frames_shown += 1

    def status_head(self) -> str:
        """The start of the status line: the mode, or why nothing is read."""
        if self.model_path:
            return self.toolbar.modes.status_text()
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
