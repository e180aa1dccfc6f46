"""Practice mode: the app asks for a sign, waits for it and scores the answer.

A thin layer over :class:`handcam.signs.practice.PracticeSession`: fed by every result shown
(the main hand's smoothed state at the frame's time), it shows the sign asked for, the
hold progress, the last answers and the session's figures; the sign chart highlights
the sign asked for. Scores persist per label in the user data folder, so slow signs come
up more often next time.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from handcam.recognition.pipeline import FrameResult
from handcam.signs.composer import ComposerConfig
from handcam.signs.practice import PracticeError, PracticeSession
from handcam.signs.scores import ScoreStore

log = logging.getLogger(__name__)
SCORES_FILE = "practice_scores.json"


class PracticePanel(QWidget):
    """Start/stop a session over the model's labels; ``on_result`` drives it."""

    def __init__(
        self,
        scores_path: Path,
        wanted_changed: Callable[[str | None], None] = lambda label: None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.store = ScoreStore(scores_path)
        self.labels: tuple[str, ...] = ()
        self.session: PracticeSession | None = None
        self._wanted_changed = wanted_changed
        self._rng = rng
        self.composer_config: ComposerConfig | None = None  # the window's hold times
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        modes = QHBoxLayout()
        self.random_radio = QRadioButton("random signs")
        self.sequence_radio = QRadioButton("a sequence:")
        self.random_radio.setChecked(True)
        group = QButtonGroup(self)
        for b in (self.random_radio, self.sequence_radio):
            group.addButton(b)
            modes.addWidget(b)
        self.sequence_edit = QLineEdit()
        self.sequence_edit.setPlaceholderText("e.g. 555 0123")
        self.sequence_edit.setToolTip("signs to ask for in order, e.g. a phone number: 555 0123")
        modes.addWidget(self.sequence_edit, 1)
        layout.addLayout(modes)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.skip_button = QPushButton("Skip")
        self.skip_button.clicked.connect(self.skip)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        for b in (self.start_button, self.skip_button, self.stop_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.prompt_label = QLabel("")
        self.prompt_label.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.prompt_label.setFont(QFont(self.font().family(), 40, QFont.Weight.Bold))
        layout.addWidget(self.prompt_label)
        self.hold_bar = QProgressBar()
        self.hold_bar.setRange(0, 100)
        self.hold_bar.setFormat("hold the sign: %p%")
        layout.addWidget(self.hold_bar)
        self.message = QLabel("Press Start: handcam asks for signs and times your answers.")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["sign", "asked", "right first time", "mean s"])
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self._set_running(False)

    def set_labels(self, labels) -> None:
        self.labels = tuple(labels)
        if self.session is not None:
            self.stop()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.skip_button.setEnabled(running)
        self.stop_button.setEnabled(running)

    def start(self) -> bool:
        sequence = self.sequence_edit.text() if self.sequence_radio.isChecked() else None
        try:
            self.session = PracticeSession(
                self.labels,
                self.store,
                mode="sequence" if sequence is not None else "random",
                sequence=sequence,
                rng=self._rng,
                config=self.composer_config,
            )
        except PracticeError as exc:
            self.message.setText(str(exc))
            return False
        self.session.next_prompt()
        self._set_running(True)
        self.message.setText("Show the sign asked for and hold it.")
        self._show_prompt()
        return True

    def skip(self) -> None:
        if self.session is not None:
            missed = self.session.skip()
            if missed is not None:
                self.message.setText(f"skipped {missed.label}")
            self._after_answer()

    def stop(self) -> None:
        if self.session is None:
            return
        self._fill_table()
        done = self.session.summary().overall
        self.message.setText(f"session over: {_score_text(done)}")
        self.session = None
        self._set_running(False)
        self.prompt_label.setText("")
        self.hold_bar.setValue(0)
        self._wanted_changed(None)

    def on_result(self, result: FrameResult) -> None:
        """Feed the main hand's smoothed state at the frame's time."""
        if self.session is None:
            return
        s = result.smoothed
        state = s.state if s is not None else "no_hand"
        label = s.label if s is not None and state == "label" else None
        update = self.session.observe(result.frame.seconds, state, label)
        self.hold_bar.setValue(int(100 * update.step.progress))
        if update.wrong is not None:
            self.message.setText(f"that was {update.wrong}: try {self.session.prompt or ''}")
        if update.result is not None:
            self.message.setText(f"{update.result.label} in {update.result.seconds:.1f} s")
            self._after_answer()

    def _after_answer(self) -> None:
        self._fill_table()
        if self.session is not None and self.session.finished:
            self.stop()
            return
        self._show_prompt()

    def _show_prompt(self) -> None:
        prompt = self.session.prompt if self.session is not None else None
        self.prompt_label.setText(f"show: {prompt}" if prompt else "")
        self._wanted_changed(prompt)

    def _fill_table(self) -> None:
        if self.session is None:
            return
        per_label = self.session.summary().per_label
        self.table.setRowCount(len(per_label))
        for row, (label, score) in enumerate(sorted(per_label.items())):
            mean = "-" if score.mean_seconds is None else f"{score.mean_seconds:.1f}"
            acc = "-" if score.accuracy is None else f"{score.accuracy:.0%}"
            for col, text in enumerate((label, str(score.count), acc, mean)):
                self.table.setItem(row, col, QTableWidgetItem(text))


def _score_text(score) -> str:
    if not score.count:
        return "no answers"
    acc = "" if score.accuracy is None else f", {score.accuracy:.0%} right first time"
    mean = "" if score.mean_seconds is None else f", {score.mean_seconds:.1f} s on average"
    return f"{score.count} asked{acc}{mean}"
