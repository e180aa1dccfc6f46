"""The record panel's clip mode: one motion sample per press (G).

After the panel's countdown, the clip starts with the first frame that shows a hand and
ends when the hand has rested half a second after moving (or after ``MAX_S``); it is cut to
its motion and written by the panel's writer thread, refused with the reason when it has no
hand, loses the hand most of the time or holds no motion. Each clip shows as its picture
(the fingertip's path) among the last captures; Undo clip removes the last one.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QListWidgetItem, QPushButton, QWidget

from handcam.recognition.pipeline import FrameResult
from handcam.recording.clip_capture import ClipCapture

MAX_S = 4.0


class ClipControls(QWidget):
    """Record a motion (G) and Undo clip, acting through ``panel`` (a RecordPanel)."""

    def __init__(self, panel) -> None:
        super().__init__()
        self.panel = panel
        self.capture: ClipCapture | None = None
        self.history: list[Path] = []
        self._countdown = 0
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.record_button = QPushButton("Record a motion (G)")
        self.record_button.setToolTip(
            "after the countdown, make the sign once and rest your hand: one clip, cut to "
            "the motion (a sign that moves: a wave, a circle, J, Z)"
        )
        self.record_button.clicked.connect(self.start)
        self.undo_button = QPushButton("Undo clip")
        self.undo_button.clicked.connect(self.undo)
        row.addWidget(self.record_button)
        row.addWidget(self.undo_button)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        """Count down, then take one clip."""
        try:
            self.panel.store.label_dir(self.panel.label_combo.currentText())
        except Exception as exc:  # an unsafe or empty label: said, nothing starts
            self.panel.message.setText(f"not recorded: {exc}")
            return
        self.capture = None
        self._countdown = self.panel.burst_delay.value()
        if self._countdown:
            self.panel.message.setText(f"motion clip in {self._countdown}...")
            self._timer.start()
        else:
            self._begin()

    def _tick(self) -> None:
        self._countdown -= 1
        if self._countdown > 0:
            self.panel.message.setText(f"motion clip in {self._countdown}...")
            return
        self._timer.stop()
        self._begin()

    def _begin(self) -> None:
        self.capture = ClipCapture(self.panel.label_combo.currentText(), max_s=MAX_S)
        self.panel.message.setText("make the sign now, then rest your hand")

    def on_result(self, result: FrameResult) -> None:
        """Each frame shown: taken into the clip while one is being recorded."""
        cap = self.capture
        if cap is None:
            return
        image = result.frame.image
        hand = result.hands[0] if result.hands else None
        if cap.feed(result.frame.seconds, hand, (int(image.shape[1]), int(image.shape[0]))):
            self.capture = None
            clip = cap.clip(self.panel.store.session, result.frame.source)
            self.panel.message.setText(f"clip of {clip.duration:.1f} s taken; saving...")
            self.panel.request_save_clip.emit(self.panel.store, clip)

    def on_saved(self, path: Path) -> None:
        """A clip written (the writer thread said so): its picture among the captures."""
        self.history.append(path)
        label = path.parent.name
        picture = path.with_name(path.name.replace(".clip.json", ".clip.png"))
        item = QListWidgetItem(QIcon(str(picture)), f"{label} (motion)")
        item.setData(Qt.ItemDataRole.UserRole, str(path))
        self.panel.thumbs.insertItem(0, item)
        self.panel.message.setText(f"saved a motion clip of {label!r}")

    def undo(self) -> None:
        if not self.history:
            self.panel.message.setText("no motion clip to undo")
            return
        path = self.history.pop()
        self.panel.request_delete_clip.emit(self.panel.store, path)
        for i in range(self.panel.thumbs.count()):
            if self.panel.thumbs.item(i).data(Qt.ItemDataRole.UserRole) == str(path):
                self.panel.thumbs.takeItem(i)
                break
        self.panel.message.setText(f"removed {path.name}")
