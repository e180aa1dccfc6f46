"""A one-line label that never widens its window: text that does not fit is elided (on
the right for a status line, in the middle for a path) and shown whole in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """``text()`` is the whole text; what is painted is the part that fits, with "…".

    ``tooltip_always``: the whole text is the tooltip even when it fits (paths, whose
    folder a person may want to copy); otherwise only when something is hidden.
    """

    def __init__(
        self,
        text: str = "",
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        tooltip_always: bool = False,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self._tooltip_always = tooltip_always
        self._extra_tip = ""
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = str(text)
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What is painted now (the elided text)."""
        return super().text()

    def set_extra_tooltip(self, tip: str) -> None:
        """A line added under the whole text in the tooltip."""
        self._extra_tip = tip
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = QFontMetrics(self.font())
        width = max(self.contentsRect().width(), 0)
        shown = metrics.elidedText(self._full, self._mode, width) if width else self._full
        if shown != super().text():
            super().setText(shown)
        tips = []
        if self._tooltip_always or shown != self._full:
            tips.append(self._full)
        if self._extra_tip:
            tips.append(self._extra_tip)
        self.setToolTip("\n".join(t for t in tips if t))
