"""The composed text, large, with the last words or numbers beneath it.

The text itself is composed in the recognition worker (so ``--log-predictions`` carries
it); this view shows what each result says and sends edits back through callbacks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from handcam.pipeline import FrameResult


class ComposerView(QWidget):
    """Composed text, the hold progress of the sign being held, and a short history."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        row = QHBoxLayout()
        self.text_label = QLabel("")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self.text_label.setFont(QFont(self.font().family(), 30, QFont.Weight.Bold))
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setToolTip(
            "Signs held steadily become text. Backspace: delete the last sign, "
            "Ctrl+Shift+Backspace: clear, Ctrl+C: copy"
        )
        self.hold = QProgressBar()
        self.hold.setRange(0, 100)
        self.hold.setTextVisible(False)
        self.hold.setFixedWidth(90)
        self.hold.setToolTip("how far the sign shown is from being written")
        row.addWidget(self.text_label, 1)
        row.addWidget(self.hold)
        layout.addLayout(row)
        self.history_label = QLabel("")
        self.history_label.setTextFormat(Qt.TextFormat.PlainText)
        self.history_label.setStyleSheet("color: #999")
        layout.addWidget(self.history_label)
        self.text = ""
        self.set_text("", ())

    def set_text(self, text: str, history: tuple[str, ...]) -> None:
        self.text = text
        self.text_label.setText(text if text else "…")
        self.history_label.setText("  ·  ".join(history[-5:]) if history else "")

    def show_result(self, result: FrameResult) -> None:
        if result.text != self.text or result.history != tuple(
            self.history_label.text().split("  ·  ") if self.history_label.text() else ()
        ):
            self.set_text(result.text, result.history)
        self.hold.setValue(int(100 * result.hold_progress))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
