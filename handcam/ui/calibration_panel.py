"""Calibrate to your hand: a guided pass over the model's signs, then the model adapted to
the captured hand in a separate process, its before/after figure, and Roll back.

The sign chart frames the sign asked for; about a second of a steady hand is captured for
each (:class:`handcam.recording.calibration.CalibrationPass`), written as recorded samples
(the last frames of each sign to a kept-back folder). Then ``handcam-train TRAIN --init
MODEL --adapt --check KEPT`` adapts the model in use (:class:`handcam.ui.retrain_runner.
RetrainRunner`); the new bundle is saved with the user's models, switched to at once (so
it is also the one picked next time), and Roll back returns to the model before.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from handcam.errors import HandcamError
from handcam.recognition.pipeline import FrameResult
from handcam.recording.calibration import KEPT_BACK, TRAIN, CalibrationPass
from handcam.recording.samples import SampleStore, new_session_id

log = logging.getLogger(__name__)


class _Writer(QObject):
    """Writes captured frames on its own thread, in order."""

    failed = Signal(str)

    @Slot()
    def flush(self) -> None:
        """Nothing: reached once every earlier save is done."""

    @Slot(object, str, object, object)
    def save(self, store: SampleStore, label: str, image, hand) -> None:
        try:
            store.save(label, image, hand, source="calibration")
        except HandcamError as exc:
            self.failed.emit(str(exc))


class CalibrationPanel(QWidget):
    """Start, the sign asked for with its capture progress, Skip and Stop; then the
    adaptation's progress, the before/after figure, and Roll back."""

    request_save = Signal(object, str, object, object)
    request_flush = Signal()

    def __init__(
        self,
        data_dir: Path,
        use_model: Callable[[str], None],
        wanted_changed: Callable[[str | None], None] = lambda label: None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self._use_model = use_model
        self._wanted_changed = wanted_changed
        self.model_path = ""
        self.labels: tuple[str, ...] = ()
        self.calibration: CalibrationPass | None = None
        self.stores: dict[str, SampleStore] = {}
        self.folder: Path | None = None
        self.before_model = ""
        self.skipped: tuple[str, ...] = ()  # signs skipped in the last pass
        self.new_model = ""
        self.runner = None
        self._build()
        self._thread = QThread(self)
        self._thread.setObjectName("calibration-writer")
        self._writer = _Writer()
        self._writer.moveToThread(self._thread)
        self.request_save.connect(self._writer.save)
        self.request_flush.connect(self._writer.flush, Qt.ConnectionType.BlockingQueuedConnection)
        self._writer.failed.connect(self._say)
        self._thread.start()

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.intro = QLabel(
            "Show handcam your own way of making each sign: the chart frames one sign at a "
            "time; hold it steady for about a second. Then the model is adapted to your hand "
            "(under a minute) and kept with your models; Roll back returns to the one before."
        )
        self.intro.setWordWrap(True)
        lay.addWidget(self.intro)
        self.sign_label = QLabel("")
        font = QFont()
        font.setPointSize(28)
        font.setBold(True)
        self.sign_label.setFont(font)
        self.sign_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.sign_label)
        self.capture_bar = QProgressBar()
        self.capture_bar.setRange(0, 100)
        self.capture_bar.setFormat("hold the sign steady")
        lay.addWidget(self.capture_bar)
        self.overall = QLabel("")
        lay.addWidget(self.overall)
        row = QHBoxLayout()
        self.start_button = QPushButton("Start calibration")
        self.start_button.clicked.connect(self.start)
        self.skip_button = QPushButton("Skip sign")
        self.skip_button.clicked.connect(self.skip)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        for b in (self.start_button, self.skip_button, self.stop_button):
            row.addWidget(b)
        lay.addLayout(row)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        lay.addWidget(self.result_label)
        self.rollback_button = QPushButton("Roll back")
        self.rollback_button.clicked.connect(self.roll_back)
        lay.addWidget(self.rollback_button)
        lay.addStretch(1)
        self._show_state()

    # --- the model ------------------------------------------------------------------
    def set_model(
        self, path: str, labels: tuple[str, ...], motion_signs: tuple[str, ...] = ()
    ) -> None:
        """The model in use changed: a pass for another model's signs stops.

        The pass asks for the still signs only: a bundle's motion signs (J and Z of
        the letters) are read from the hand's path, not from one steady shape.
        """
        stills = tuple(label for label in labels if label not in set(motion_signs))
        if self.calibration is not None and stills != self.labels:
            self.stop()
            self._say("the model changed: calibration stopped")
        self.model_path, self.labels = str(path), stills
        self._show_state()

    # --- the pass -------------------------------------------------------------------
    def start(self) -> None:
        if not self.labels or self.running_adaptation:
            return
        session = new_session_id()
        self.folder = self.data_dir / "calibration" / session
        self.stores = {
            where: SampleStore(self.folder / where, session=session) for where in (TRAIN, KEPT_BACK)
        }
        self.calibration = CalibrationPass(self.labels)
        self.before_model = self.model_path
        self.result_label.setText("")
        self._say("")
        self._ask()

    def skip(self) -> None:
        if self.calibration is not None:
            self.calibration.skip()
            self._ask()

    def stop(self) -> None:
        """Stop the pass (what was captured stays on disk, unused)."""
        self.calibration = None
        self._wanted_changed(None)
        self._show_state()

    def on_result(self, result: FrameResult) -> None:
        cal = self.calibration
        if cal is None or cal.done:
            return
        main = result.per_hand[0].hand if result.per_hand else None
        label = cal.current
        where = cal.feed(result.frame.seconds, main)
        if where is not None and label is not None and main is not None:
            self.request_save.emit(self.stores[where], label, result.frame.image, main)
        if cal.current != label:
            self._ask()
        else:
            self.capture_bar.setValue(int(100 * cal.progress))

    def _ask(self) -> None:
        cal = self.calibration
        if cal is None:
            return
        self._wanted_changed(cal.current)
        self._show_state()
        if cal.done:
            self._adapt()

    # --- the adaptation -------------------------------------------------------------
    @property
    def running_adaptation(self) -> bool:
        return self.runner is not None and self.runner.running

    def _adapt(self) -> None:
        from handcam.ui.retrain_runner import RetrainRunner

        assert self.folder is not None
        self.skipped = tuple(self.calibration.skipped) if self.calibration else ()
        self.calibration = None
        name = Path(self.before_model).name or "model"
        out = self.data_dir / "models" / f"{name}-my-hand-{datetime.now():%Y%m%d-%H%M%S}"
        self.runner = RetrainRunner(self)
        self.runner.message.connect(self._say)
        self.runner.progress.connect(
            lambda stage, done, total: self._say(f"{stage}: {done} of {total}")
        )
        self.runner.epoch.connect(
            lambda ev: self._say(f"adapting to your hand: {ev.get('epoch')} of {ev.get('epochs')}")
        )
        self.runner.finished.connect(self._adapted)
        self._thread_flush()
        started = self.runner.start(
            [str(self.folder / TRAIN)],
            out,
            init=self.before_model,
            extra=["--adapt", "--check", str(self.folder / KEPT_BACK)],
        )
        if not started:
            self.runner = None
        self._show_state()

    def _thread_flush(self) -> None:
        """Wait until every captured frame is on disk: the writer works through its queue
        in order, so a blocking call behind the saves returns once they are done."""
        self.request_flush.emit()

    def _adapted(self, ok: bool, message: str) -> None:
        self.runner = None
        if not ok:
            self._say(message)
            self._show_state()
            return
        self.new_model = message
        self.result_label.setText(before_after_text(Path(message), self.skipped))
        self._use_model(message)
        self._say(f"now using your calibrated model ({Path(message).name})")
        self._show_state()

    def roll_back(self) -> None:
        if self.before_model:
            self._use_model(self.before_model)
            self._say(f"rolled back to {Path(self.before_model).name}")
            self.new_model = ""
            self._show_state()

    # --- showing --------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.status.setText(text)

    def _show_state(self) -> None:
        cal = self.calibration
        running = cal is not None and not cal.done
        adapting = self.running_adaptation
        self.start_button.setEnabled(bool(self.labels) and not running and not adapting)
        self.skip_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.capture_bar.setVisible(running)
        self.rollback_button.setVisible(bool(self.new_model) and not adapting)
        # the explanation gives its room to the pass and to the result (a short dock
        # would otherwise hide the before/after figure and Roll back below the fold)
        self.intro.setVisible(not running and not adapting and not self.new_model)
        self.sign_label.setVisible(running or adapting)
        if running:
            self.sign_label.setText(cal.current or "")
            self.overall.setText(f"sign {cal.index + 1} of {len(cal.labels)}")
            self.capture_bar.setValue(int(100 * cal.progress))
        elif adapting:
            self.sign_label.setText("adapting…")
            self.overall.setText("")
        else:
            self.sign_label.setText("")
            none = "load a model first" if not self.model_path else "no still signs to calibrate"
            self.overall.setText("" if self.labels else none)

    def close_writer(self) -> None:
        self._thread.quit()
        self._thread.wait(10000)


def before_after_text(bundle: Path, skipped: Sequence[str] = ()) -> str:
    """The figure the adaptation reports on the kept-back frames, and the hand shapes it
    kept (none when signs were ``skipped``: :mod:`training.personal`), in words."""
    try:
        report = json.loads((bundle / "report.json").read_text(encoding="utf-8"))
        check = report["check"]
        before, after = check["before"]["shown_right"], check["after"]["shown_right"]
        n = check["after"]["samples"]
    except (OSError, ValueError, KeyError, TypeError):
        return "adapted (no before/after figure in its report)"
    if before is None or after is None:
        return "adapted (no kept-back frames to score it on)"
    shapes = report.get("personal_shapes") or 0
    kept = f" {shapes} of your hand shapes kept." if shapes else ""
    if not shapes and skipped:
        kept = f" Your hand shapes were not kept: no sample of {', '.join(skipped)} (skipped)."
    return (
        f"Your kept-back frames ({n}): {before:.0%} shown right before, {after:.0%} after "
        f"adapting (this sitting: another day or room may read a little lower).{kept}"
    )
