"""The panel beside the video: the sign read (large) and its confidence, the smoothing
and composing settings, and what the model is; in a scroll area, so a short window
scrolls it instead of growing past the screen."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from handcam.recognition.events import ModelInfo
from handcam.recognition.pipeline import FrameResult
from handcam.ui.composer_settings import ComposingSettings
from handcam.ui.smoothing_settings import SmoothingSettings
from handcam.ui.status_line import warnings_html

IDLE_TEXT = "The sign read from your hand appears here once a video plays."
QUIET = "color: #888"  # placeholders: what a panel will show
NOT_A_SIGN_MARK = "\u2013"  # a dash: a hand is there, making none of the model's signs


def hand_text(s) -> str:
    """One hand's short label: its sign, "?" when unsure, a dash when not a sign."""
    if s.state == "label":
        return s.label or ""
    return NOT_A_SIGN_MARK if s.state == "not_a_sign" else "?"


def no_model_notice(message: str, source: str, models: list[str]) -> str:
    """What the video area says while no model is loaded (the one asked for failed)."""
    names = ", ".join(models[:4])
    pick = f"Pick one in the Model picker above ({names})" if names else "Open a model"
    plays = f"{source} plays" if source else "The video plays"
    return (
        f"No model loaded\n\n{message}\n\n{pick}, or open a model bundle folder "
        f"(Ctrl+Shift+M). {plays} as soon as a model is loaded."
    )


class SidePanel(QScrollArea):
    """The sign, its confidence, the settings and the model. The large label stays hidden
    until there is a sign to show (no empty box)."""

    def __init__(self, settings: QSettings, parent=None) -> None:
        super().__init__(parent)
        side = QWidget()
        layout = QVBoxLayout(side)
        self.big_label = QLabel("")
        self.big_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.big_label.setFont(QFont(self.font().family(), 72, QFont.Weight.Bold))
        self.big_label.setMinimumHeight(140)
        self.big_label.setToolTip("the sign read from the hand (main hand first)")
        self.big_label.hide()
        self.confidence_label = QLabel(IDLE_TEXT)
        self.confidence_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confidence_label.setWordWrap(True)
        self.confidence_label.setStyleSheet(QUIET)
        for label in (self.big_label, self.confidence_label):  # labels are data, not HTML
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.smoothing = SmoothingSettings(settings)
        self.composing = ComposingSettings(settings)
        self.model_info = QLabel("loading model...")
        self.model_info.setTextFormat(Qt.TextFormat.RichText)  # everything in it is escaped
        self.model_info.setWordWrap(True)
        for widget in (self.big_label, self.confidence_label, self.smoothing, self.composing):
            layout.addWidget(widget)
        layout.addWidget(self.model_info)
        layout.addStretch(1)
        self.showing_signs = False  # a frame was shown: the sign area is in use
        scroll_vertically(self, side, side.sizeHint().width() + 12)
        self.setMaximumWidth(side.sizeHint().width() + 60)  # the video takes the rest

    # --- the sign --------------------------------------------------------------------
    def show_result(self, result: FrameResult) -> None:
        """The main hand's sign (one per hand when there are several) and confidence."""
        if not self.showing_signs:  # the sign area has something to show from now on
            self.showing_signs = True
            self.big_label.show()
            self.confidence_label.setStyleSheet("")
        s = result.smoothed
        if s is None or s.state == "no_hand":
            self._set_big("")
            self.confidence_label.setText("no hand")
        elif len(result.per_hand) > 1:  # one label per hand, main hand first
            self._set_big(" · ".join(hand_text(r.smoothed) for r in result.per_hand))
            self.confidence_label.setText(
                " · ".join(f"{r.smoothed.confidence:.0%}" for r in result.per_hand)
            )
        elif s.state == "unsure":
            self._set_big("?")
            self.confidence_label.setText(f"unsure ({s.confidence:.0%})")
        elif s.state == "not_a_sign":
            self._set_big(NOT_A_SIGN_MARK)
            self.confidence_label.setText("not a sign")
        else:
            self._set_big(s.label or "")
            self.confidence_label.setText(f"{s.confidence:.0%} confident")

    def _set_big(self, text: str) -> None:
        """The sign in large type, smaller when a long one ("thumbs up") would not fit."""
        if text == self.big_label.text():
            return
        size = 72
        font = QFont(self.big_label.font())
        room = max(self.big_label.width() - 8, 60)
        while size > 18:
            font.setPointSize(size)
            if QFontMetrics(font).horizontalAdvance(text) <= room:
                break
            size -= 6
        self.big_label.setFont(font)
        self.big_label.setText(text)

    def show_no_model(self) -> None:
        """No model reads the hand: no sign, and why."""
        self.big_label.hide()
        self.confidence_label.setStyleSheet(QUIET)
        self.confidence_label.setText("No model loaded: no sign can be read.")

    # --- the model -------------------------------------------------------------------
    def model_loading(self, path: str) -> None:
        self.model_info.setText(f"loading {html.escape(Path(path).name)}...")

    def model_ready(self, info: ModelInfo) -> None:
        if not self.showing_signs:
            self.confidence_label.setText(IDLE_TEXT)
        shown = ", ".join(info.labels[:40]) + (" ..." if len(info.labels) > 40 else "")
        name, device, shown = (html.escape(t) for t in (Path(info.path).name, info.device, shown))
        gate = f"<br>{html.escape(info.gate)}" if info.gate else ""
        if info.personal:
            gate += f"<br>calibrated to your hand: {info.personal} of your hand shapes"
        gate += warnings_html(info.warnings)  # damaged files the model runs without
        self.model_info.setText(
            f"<b>{name}</b> on {device}<br>{len(info.labels)} labels: {shown}{gate}"
        )

    def model_failed(self, message: str, previous_kept: bool) -> None:
        said = f"<span style='color:#e55'>model not loaded:</span> {html.escape(message)}"
        if previous_kept:  # the previous model stays in use
            self.model_info.setText(said)
            return
        self.model_info.setText(
            f"{said}<br><b>No model is in use.</b> Pick one in the Model picker above, or "
            "open a model bundle folder (Ctrl+Shift+M)."
        )


def scroll_vertically(area: QScrollArea, widget: QWidget, min_width: int) -> QScrollArea:
    """``widget`` in ``area``, frameless, scrolling up and down only, at least
    ``min_width`` wide (the side panel, and the docks that share a short window)."""
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumWidth(min_width)
    return area


def vertical_scroll(widget: QWidget, min_width: int) -> QScrollArea:
    """``widget`` in a new area that scrolls up and down only (see
    :func:`scroll_vertically`)."""
    return scroll_vertically(QScrollArea(), widget, min_width)
