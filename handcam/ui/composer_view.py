"""The composed text, large, with the last words or numbers beneath it.

The text itself is composed in the recognition worker (so ``--log-predictions`` carries
it); this view shows what each result says and sends edits back through callbacks.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from handcam.signs.compose_stage import ComposedText

PLACEHOLDER = "Signs you make will be written here (hold a sign to write it)."


class ComposerView(QWidget):
    """Composed text, the hold progress of the sign being held, and a short history."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        row = QHBoxLayout()
        self.text_label = QLabel("")
        self.text_label.setTextFormat(Qt.TextFormat.PlainText)
        self._text_font = QFont(self.font().family(), 30, QFont.Weight.Bold)
        self.text_label.setFont(self._text_font)
        self.text_label.setMinimumHeight(QFontMetrics(self._text_font).height())
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # a long text must not widen the window: the label shows the end that fits
        self.text_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text_label.setMinimumWidth(0)
        self.text_label.setToolTip(
            "Signs held steadily become text. Backspace: delete the last sign, "
            "Ctrl+Shift+Backspace: clear, Ctrl+C: copy"
        )
        self.hold = QProgressBar()
        self.hold.setRange(0, 100)
        self.hold.setFormat("writing %p%")
        self.hold.setFixedWidth(110)
        self.hold.setToolTip("how far the sign shown is from being written (hold it)")
        keep = self.hold.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # the text does not jump when it shows
        self.hold.setSizePolicy(keep)
        self.hold.hide()  # shown only while a sign is held
        row.addWidget(self.text_label, 1)
        row.addWidget(self.hold)
        layout.addLayout(row)
        self.history_label = QLabel("")
        self.history_label.setTextFormat(Qt.TextFormat.PlainText)
        self.history_label.setStyleSheet("color: #999")
        self.history_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.history_label)
        self.text = ""
        self.history: tuple[str, ...] = ()
        self.set_text("", ())

    def set_text(self, text: str, history: tuple[str, ...]) -> None:
        self.text, self.history = text, tuple(history)
        self._show_tail()
        self.history_label.setText("  ·  ".join(history[-5:]) if history else "")

    def shown_text(self) -> str:
        """What the label shows: the end of the text that fits its width ("" while none
        is written and the placeholder shows)."""
        return self.text_label.text() if self.text else ""

    def _show_tail(self) -> None:
        if not self.text:
            self.text_label.setFont(self.font())
            self.text_label.setStyleSheet("color: #888")
            self.text_label.setText(PLACEHOLDER)
            return
        self.text_label.setFont(self._text_font)
        self.text_label.setStyleSheet("")
        width = max(self.text_label.width() - 8, 40)
        metrics = QFontMetrics(self.text_label.font())
        self.text_label.setText(metrics.elidedText(self.text, Qt.TextElideMode.ElideLeft, width))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._show_tail()

    def show_composed(self, composed: ComposedText) -> None:
        """Show the composer's state (from the worker) after a frame or an edit."""
        if composed.text != self.text or composed.history != self.history:
            self.set_text(composed.text, composed.history)
        self.hold.setVisible(bool(composed.holding))
        self.hold.setValue(int(100 * composed.hold_progress) if composed.holding else 0)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text)
