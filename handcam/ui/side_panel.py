"""The panel beside the video: the sign read (large) and its confidence, the smoothing
and composing settings, and what the model is; in a scroll area, so a short window
scrolls it instead of growing past the screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from handcam.ui.composer_settings import composer_settings
from handcam.ui.smoothing_settings import smoothing_settings

IDLE_TEXT = "The sign read from your hand appears here once a video plays."
QUIET = "color: #888"  # placeholders: what a panel will show


def no_model_notice(message: str, source: str, models: list[str]) -> str:
    """What the video area says while no model is loaded (the one asked for failed)."""
    names = ", ".join(models[:4])
    pick = f"Pick one in the Model picker above ({names})" if names else "Open a model"
    plays = f"{source} plays" if source else "The video plays"
    return (
        f"No model loaded\n\n{message}\n\n{pick}, or open a model bundle folder "
        f"(Ctrl+Shift+M). {plays} as soon as a model is loaded."
    )


def side_panel(window) -> QScrollArea:
    """The panel; sets ``big_label``, ``confidence_label`` and ``model_info`` on the
    window. The large label stays hidden until there is a sign to show (no empty box)."""
    side = QWidget()
    layout = QVBoxLayout(side)
    window.big_label = QLabel("")
    window.big_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.big_label.setFont(QFont(window.font().family(), 72, QFont.Weight.Bold))
    window.big_label.setMinimumHeight(140)
    window.big_label.setToolTip("the sign read from the hand (main hand first)")
    window.big_label.hide()
    window.confidence_label = QLabel(IDLE_TEXT)
    window.confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    window.confidence_label.setWordWrap(True)
    window.confidence_label.setStyleSheet(QUIET)
    for label in (window.big_label, window.confidence_label):  # labels are data, not HTML
        label.setTextFormat(Qt.TextFormat.PlainText)
    layout.addWidget(window.big_label)
    layout.addWidget(window.confidence_label)
    layout.addWidget(smoothing_settings(window))
    layout.addWidget(composer_settings(window))
    window.model_info = QLabel("loading model...")
    window.model_info.setTextFormat(Qt.TextFormat.RichText)  # everything in it is escaped
    window.model_info.setWordWrap(True)
    layout.addWidget(window.model_info)
    layout.addStretch(1)
    scroll = vertical_scroll(side, side.sizeHint().width() + 12)
    scroll.setMaximumWidth(side.sizeHint().width() + 60)  # the video takes the rest
    return scroll


def vertical_scroll(widget: QWidget, min_width: int) -> QScrollArea:
    """``widget`` in a frameless area that scrolls up and down only, at least
    ``min_width`` wide (the side panel, and the docks that share a short window)."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumWidth(min_width)
    return area
