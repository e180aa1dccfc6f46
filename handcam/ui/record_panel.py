"""Record mode: capture labelled samples of your own hand from the live view.

Samples are written (JPEG encoding, fsyncs) and counted on a writer thread, never on the
GUI thread. A burst saves each new frame once: a slow source (a 2 images/s slideshow)
under a fast burst does not save the same image again.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSettings, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from handcam.errors import HandcamError
from handcam.hands.hand import Hand
from handcam.recognition.pipeline import FrameResult
from handcam.recording.samples import SampleStore, SavedSample, hand_is_steady
from handcam.ui.elided import ElidedLabel

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class SaveRequest:
    """One sample to write (crosses to the writer thread; the frame is never mutated)."""

    store: SampleStore
    label: str
    image: np.ndarray
    hand: Hand
    source: str
    frame_index: int


class SampleWriter(QObject):
    """Lives on its own thread: writes, deletes and counts samples in request order."""

    saved = Signal(object)  # SavedSample
    clip_saved = Signal(object)  # Path of a motion clip
    clip_said = Signal(str)  # a clip refused or not deleted (no still sample pending)
    failed = Signal(str)
    counted = Signal(dict)

    @Slot(object, object)
    def save_clip(self, store: SampleStore, clip) -> None:
        """Cut a motion clip to its motion and write it (refused: said, nothing written)."""
        from handcam.recording.clips import ClipStore

        try:
            path = ClipStore(store.root, store.session).save_clip(clip)
        except HandcamError as exc:
            self.clip_said.emit(f"not saved: {exc}")
        else:
            self.clip_saved.emit(path)
        self.count(store)

    @Slot(object, object)
    def delete_clip(self, store: SampleStore, path) -> None:
        from handcam.recording.clips import delete_clip

        try:
            delete_clip(path)
        except OSError as exc:
            self.clip_said.emit(f"cannot delete {path.name}: {exc}")
        self.count(store)

    @Slot(object)
    def save(self, req: SaveRequest) -> None:
        try:
            sample = req.store.save(req.label, req.image, req.hand, req.source, req.frame_index)
        except HandcamError as exc:
            self.failed.emit(str(exc))
        else:
            self.saved.emit(sample)
        self.count(req.store)

    @Slot(object, object)
    def delete(self, store: SampleStore, sample: SavedSample) -> None:
        try:
            store.delete(sample)
        except (HandcamError, OSError) as exc:
            self.failed.emit(f"cannot delete {sample.image.name}: {exc}")
        self.count(store)

    @Slot(object)
    def count(self, store: SampleStore) -> None:
        try:
            self.counted.emit(store.counts())
        except OSError as exc:
            self.failed.emit(f"cannot read {store.root}: {exc}")


class RecordPanel(QWidget):
    """Label picker, single shot (Space), burst with countdown, counts, thumbnails, undo.

    Fed by ``on_result`` (each result shown) and ``set_labels`` (the model's labels).
    """

    request_save = Signal(object)
    request_delete = Signal(object, object)
    request_count = Signal(object)
    request_save_clip = Signal(object, object)
    request_delete_clip = Signal(object, object)

    def __init__(self, settings: QSettings, dataset_dir: Path) -> None:
        super().__init__()
        self.settings = settings
        self.store = SampleStore(dataset_dir)
        self.history: list[SavedSample] = []
        self.counts: dict[str, int] = {}
        self.pending = 0  # saves sent to the writer, not yet done
        self.retrain_dialog = None
        self._previous: FrameResult | None = None
        self._current: FrameResult | None = None
        self._last_captured: tuple | None = None  # the frame a burst saved last
        self._burst_left = 0
        self._countdown = 0
        self._build()
        self._start_writer()
        self._burst_timer = QTimer(self)
        self._burst_timer.timeout.connect(self._burst_tick)
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setInterval(1000)
        self._countdown_timer.timeout.connect(self._countdown_tick)
        self.refresh_counts()

    def _start_writer(self) -> None:
        self._thread = QThread(self)
        self._thread.setObjectName("sample-writer")
        self.writer = SampleWriter()
        self.writer.moveToThread(self._thread)
        self.request_save.connect(self.writer.save)
        self.request_delete.connect(self.writer.delete)
        self.request_count.connect(self.writer.count)
        self.request_save_clip.connect(self.writer.save_clip)
        self.request_delete_clip.connect(self.writer.delete_clip)
        self.writer.saved.connect(self._on_saved)
        self.writer.clip_saved.connect(self.clips.on_saved)
        self.writer.clip_said.connect(self.message.setText)
        self.writer.failed.connect(self._on_failed)
        self.writer.counted.connect(self._on_counted)
        self._thread.start()

    def stop_writer(self) -> None:
        """Finish the queued writes, then stop the thread (the window calls this on close)."""
        self._thread.quit()
        self._thread.wait(10000)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.label_combo = QComboBox()
        self.label_combo.setEditable(True)
        self.label_combo.setToolTip("a label of the model, or type a new one")
        form.addRow("Label", self.label_combo)
        folder_row = QHBoxLayout()
        # a long path is cut in the middle (the folder's own name stays); all of it in
        # the tooltip
        self.folder_label = ElidedLabel(
            str(self.store.root), Qt.TextElideMode.ElideMiddle, tooltip_always=True
        )
        change = QPushButton("Change...")
        change.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(change)
        form.addRow("Dataset", folder_row)
        self.steady_check = QCheckBox("only when the hand is steady")
        form.addRow("", self.steady_check)
        self.burst_count = QSpinBox(minimum=1, maximum=500, value=20)
        self.burst_rate = QSpinBox(minimum=1, maximum=30, value=5, suffix=" /s")
        self.burst_delay = QSpinBox(minimum=0, maximum=10, value=3, suffix=" s")
        form.addRow("Burst frames", self.burst_count)
        form.addRow("Burst rate", self.burst_rate)
        form.addRow("Countdown", self.burst_delay)
        layout.addLayout(form)
        buttons = QHBoxLayout()
        self.capture_button = QPushButton("Capture (Space)")
        self.capture_button.clicked.connect(self.capture)
        self.burst_button = QPushButton("Burst (B)")
        self.burst_button.clicked.connect(self.start_burst)
        self.undo_button = QPushButton("Undo (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo)
        for b in (self.capture_button, self.burst_button, self.undo_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        from handcam.ui.clip_controls import ClipControls

        self.clips = ClipControls(self)
        layout.addWidget(self.clips)
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addWidget(QLabel("Samples per label"))
        self.counts_list = QListWidget()
        self.counts_list.setMaximumHeight(120)
        layout.addWidget(self.counts_list)
        layout.addWidget(QLabel("Last captures"))
        self.thumbs = QListWidget()
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(QPixmap(64, 64).size())
        self.thumbs.setMaximumHeight(170)
        layout.addWidget(self.thumbs)
        self.retrain_button = QPushButton("Retrain on these samples...")
        layout.addWidget(self.retrain_button)
        layout.addStretch(1)

    # --- inputs ------------------------------------------------------------------------
    def set_labels(self, labels) -> None:
        current = self.label_combo.currentText()
        self.label_combo.clear()
        self.label_combo.addItems(list(labels))
        if current:
            self.label_combo.setCurrentText(current)

    def on_result(self, result: FrameResult) -> None:
        self._previous, self._current = self._current, result
        self.clips.on_result(result)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Dataset folder", str(self.store.root))
        if path:
            self.set_dataset_dir(Path(path))

    def set_dataset_dir(self, path: Path) -> None:
        self.store = SampleStore(path)
        self.folder_label.setText(str(path))
        self.settings.setValue("record/dataset", str(path))
        self.refresh_counts()

    # --- capture -----------------------------------------------------------------------
    def _ready_result(self) -> FrameResult | None:
        result = self._current
        if result is None or not result.hand_found:
            return None
        if self.steady_check.isChecked():
            prev = self._previous
            if (
                prev is None
                or not prev.hand_found
                or not hand_is_steady(prev.hands[0], result.hands[0])
            ):
                return None
        return result

    def capture(self) -> bool:
        """Queue the frame on screen for saving if a hand is in it; False (with a message)
        when there is nothing to save or the label is unusable."""
        result = self._ready_result()
        if result is None:
            self.message.setText("no hand (or not steady): nothing captured")
            return False
        label = self.label_combo.currentText()
        try:
            self.store.label_dir(label)  # an unsafe label is refused before anything
        except HandcamError as exc:
            self.stop_burst()
            self.message.setText(f"not saved: {exc}")
            return False
        frame = result.frame
        self._last_captured = (frame.source, frame.index, frame.t_read)
        self.pending += 1
        self.request_save.emit(
            SaveRequest(self.store, label, frame.image, result.hands[0], frame.source, frame.index)
        )
        return True

    def _on_saved(self, saved: SavedSample) -> None:
        self.pending -= 1
        self.history.append(saved)
        self._add_thumb(saved)
        self.message.setText(f"saved {saved.image.name} as {saved.label!r}")

    def _on_failed(self, message: str) -> None:
        self.pending = max(0, self.pending - 1)
        self.stop_burst()
        self.message.setText(f"not saved: {message}")

    def _on_counted(self, counts: dict) -> None:
        self.counts = dict(counts)
        self.counts_list.clear()
        for label, n in counts.items():
            self.counts_list.addItem(f"{label}: {n}")

    def _add_thumb(self, saved: SavedSample) -> None:
        item = QListWidgetItem(QIcon(str(saved.crop)), saved.label)  # the crop just saved
        item.setData(Qt.ItemDataRole.UserRole, str(saved.image))
        self.thumbs.insertItem(0, item)
        while self.thumbs.count() > 12:
            self.thumbs.takeItem(self.thumbs.count() - 1)

    def undo(self) -> None:
        if not self.history:
            self.message.setText("nothing to undo")
            return
        sample = self.history.pop()
        self.request_delete.emit(self.store, sample)
        for i in range(self.thumbs.count()):
            if self.thumbs.item(i).data(Qt.ItemDataRole.UserRole) == str(sample.image):
                self.thumbs.takeItem(i)
                break
        self.message.setText(f"removed {sample.image.name}")

    def refresh_counts(self) -> None:
        self.request_count.emit(self.store)

    # --- burst -------------------------------------------------------------------------
    def start_burst(self) -> None:
        self._countdown = self.burst_delay.value()
        self._burst_left = self.burst_count.value()
        if self._countdown:
            self.message.setText(f"burst starts in {self._countdown}...")
            self._countdown_timer.start()
        else:
            self._begin_burst()

    def _countdown_tick(self) -> None:
        self._countdown -= 1
        if self._countdown > 0:
            self.message.setText(f"burst starts in {self._countdown}...")
        else:
            self._countdown_timer.stop()
            self._begin_burst()

    def _begin_burst(self) -> None:
        self._burst_deadline = time.monotonic() + 5 + 3 * self._burst_left / self.burst_rate.value()
        self._last_captured = None
        self._burst_timer.start(int(1000 / self.burst_rate.value()))

    def _burst_tick(self) -> None:
        if self._burst_left <= 0 or time.monotonic() > self._burst_deadline:
            done = self.burst_count.value() - self._burst_left
            self.stop_burst()
            self.message.setText(f"burst done: {done} captured")
            return
        frame = self._current.frame if self._current is not None else None
        if frame is not None and (frame.source, frame.index, frame.t_read) == self._last_captured:
            return  # no new frame since the last capture: never save one twice
        if self.capture():
            self._burst_left -= 1

    def stop_burst(self) -> None:
        self._burst_timer.stop()
        self._countdown_timer.stop()
        self._burst_left = 0


def open_retrain_dialog(window, panel: RecordPanel):
    """Show the retrain dialog; an open one (maybe training) is raised, not duplicated."""
    from handcam.ui.retrain import RetrainDialog

    dialog = panel.retrain_dialog
    if dialog is None or (not dialog.isVisible() and not dialog.runner.running):
        dialog = RetrainDialog(
            window,
            panel.store.root,
            current_model=window.model_path,
            models_dir=Path(window.data_dir) / "models",
            use_model=window.set_model,
            bundles_changed=window.populate_models,
        )
        panel.retrain_dialog = dialog
    dialog.show()
    dialog.raise_()
    return dialog
