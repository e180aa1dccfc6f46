"""Retrain from the window: ``python -m training`` in a separate process, its JSON
progress streamed into a dialog, cancel, then switch to the new model or roll back."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)

log = logging.getLogger(__name__)


class RetrainRunner(QObject):
    """Runs one training process; never touches the working model."""

    progress = Signal(str, int, int)  # stage, done, total
    epoch = Signal(dict)
    message = Signal(str)
    finished = Signal(bool, str)  # ok, bundle path or error message

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.proc: QProcess | None = None
        self.out: Path | None = None
        self._buffer = b""
        self._stderr_tail: list[str] = []
        self._cancelled = False
        self._error = ""

    def start(
        self,
        data_dirs: list[str],
        out: Path,
        init: str | None = None,
        epochs: int | None = None,
        extra: list[str] | None = None,
    ) -> None:
        args = ["-m", "training", *data_dirs, "--out", str(out), "--progress-json"]
        if init:
            args += ["--init", init]
        if epochs:
            args += ["--epochs", str(epochs)]
        args += extra or []
        self.out = out
        self.proc = QProcess(self)
        self.proc.setProgram(sys.executable)
        self.proc.setArguments(args)
        self.proc.readyReadStandardOutput.connect(self._read_stdout)
        self.proc.readyReadStandardError.connect(self._read_stderr)
        self.proc.finished.connect(self._on_finished)
        self.proc.errorOccurred.connect(self._on_error)
        self.message.emit("starting training process...")
        self.proc.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Ask training to stop (it removes its temporary folder), kill after 10 s."""
        if not self.running:
            return
        self._cancelled = True
        self.proc.terminate()
        QTimer.singleShot(10000, lambda: self.running and self.proc.kill())

    def _read_stdout(self) -> None:
        self._buffer += bytes(self.proc.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("{"):
                continue  # libraries print to stdout too
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            kind = ev.get("event")
            if kind == "progress":
                self.progress.emit(ev["stage"], int(ev["done"]), int(ev["total"]))
            elif kind == "epoch":
                self.epoch.emit(ev)
            elif kind == "message":
                self.message.emit(ev.get("text", ""))
            elif kind == "error":
                self._error = ev.get("message", "")

    def _read_stderr(self) -> None:
        text = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace")
        self._stderr_tail = (self._stderr_tail + text.splitlines())[-30:]

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.finished.emit(False, f"could not start {sys.executable} -m training")

    def _on_finished(self, code: int, status) -> None:
        self._read_stdout()
        if self._cancelled:
            self.finished.emit(False, "cancelled: the working model is unchanged")
        elif code == 0 and self.out is not None and (self.out / "model.keras").is_file():
            self.finished.emit(True, str(self.out))
        else:
            reason = self._error or "\n".join(self._stderr_tail[-8:]) or f"exit code {code}"
            self.finished.emit(False, f"training failed: {reason}")


def default_extra_dataset() -> str:
    root = Path(__file__).resolve().parents[3] / "shared/datasets/sign-language-digits"
    return str(root) if root.is_dir() else ""


class RetrainDialog(QDialog):
    """Options, live progress, the report at the end, switch and roll back."""

    def __init__(self, window, dataset: Path) -> None:
        super().__init__(window)
        self.window = window
        self.dataset = Path(dataset)
        self.previous_model = window.model_path
        self.new_model = ""
        self.setWindowTitle("Retrain handcam")
        self.resize(720, 640)
        self.runner = RetrainRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.epoch.connect(self._on_epoch)
        self.runner.message.connect(self._log)
        self.runner.finished.connect(self._on_finished)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("Recorded samples", QLabel(str(self.dataset)))
        extra_row = QHBoxLayout()
        self.merge_check = QCheckBox("also train on")
        self.merge_edit = QLineEdit(default_extra_dataset())
        browse = QPushButton("...")
        browse.clicked.connect(self._browse_extra)
        self.merge_check.setChecked(bool(self.merge_edit.text()))
        for w in (self.merge_check, self.merge_edit, browse):
            extra_row.addWidget(w)
        form.addRow("", extra_row)
        self.finetune_radio = QRadioButton("fine-tune the current model (fast)")
        self.scratch_radio = QRadioButton("train a new model")
        self.finetune_radio.setChecked(bool(self.previous_model))
        self.scratch_radio.setChecked(not self.previous_model)
        form.addRow("Mode", self.finetune_radio)
        form.addRow("", self.scratch_radio)
        self.epochs_spin = QSpinBox(minimum=0, maximum=1000, value=0, specialValueText="auto")
        form.addRow("Epochs", self.epochs_spin)
        layout.addLayout(form)
        self.bar = QProgressBar()
        layout.addWidget(self.bar)
        self.curves = pg.PlotWidget(background=(30, 30, 34))
        self.curves.setMaximumHeight(160)
        self.curves.addLegend()
        self.loss_curve = self.curves.plot([], [], pen=pg.mkPen((255, 150, 60)), name="loss")
        self.acc_curve = self.curves.plot([], [], pen=pg.mkPen((90, 230, 120)), name="val accuracy")
        layout.addWidget(self.curves)
        self.log_view = QPlainTextEdit(readOnly=True)
        self.log_view.setMaximumBlockCount(500)
        layout.addWidget(self.log_view, 1)
        self.report_image = QLabel()
        layout.addWidget(self.report_image)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.cancel_button.setEnabled(False)
        self.use_button = QPushButton("Use new model")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_new)
        self.rollback_button = QPushButton("Roll back")
        self.rollback_button.setEnabled(False)
        self.rollback_button.clicked.connect(self.roll_back)
        for b in (self.start_button, self.cancel_button, self.use_button, self.rollback_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self._loss, self._acc = [], []

    def _browse_extra(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Extra dataset folder")
        if path:
            self.merge_edit.setText(path)
            self.merge_check.setChecked(True)

    def output_dir(self) -> Path:
        base = Path(self.previous_model).name if self.previous_model else "model"
        base = base.split("-personal-")[0]
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return Path(self.window.data_dir) / "models" / f"{base}-personal-{stamp}"

    def start(self) -> None:
        data = [str(self.dataset)]
        if self.merge_check.isChecked() and self.merge_edit.text().strip():
            data.append(self.merge_edit.text().strip())
        init = self.previous_model if self.finetune_radio.isChecked() else None
        self._loss, self._acc = [], []
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.runner.start(
            data, self.output_dir(), init=init, epochs=self.epochs_spin.value() or None
        )

    def _log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.bar.setFormat(f"{stage}: %v/%m")
        self.bar.setRange(0, total)
        self.bar.setValue(done)

    def _on_epoch(self, ev: dict) -> None:
        self.bar.setFormat(f"{ev.get('phase', 'train')}: epoch %v/%m")
        self.bar.setRange(0, int(ev.get("epochs", 1)))
        self.bar.setValue(int(ev.get("epoch", 0)))
        self._loss.append(float(ev.get("loss", 0)))
        self._acc.append(float(ev.get("val_accuracy", 0)))
        self.loss_curve.setData(self._loss)
        self.acc_curve.setData(self._acc)

    def _on_finished(self, ok: bool, detail: str) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if not ok:
            self._log(detail)
            return
        self.new_model = detail
        self.use_button.setEnabled(True)
        report = json.loads((Path(detail) / "report.json").read_text())
        part = report["evaluation"].get("test") or report["evaluation"].get("validation", {})
        self._log(f"new model: {detail}")
        self._log(f"accuracy: {part.get('accuracy')} on {part.get('n')} held-out samples")
        for label, m in part.get("per_class", {}).items():
            self._log(
                f"  {label}: recall {m['recall']:.2f}, precision {m['precision']:.2f}"
                f" ({m['support']} samples)"
            )
        for name in ("confusion_test.png", "confusion_validation.png"):
            if (Path(detail) / name).is_file():
                self.report_image.setPixmap(QPixmap(str(Path(detail) / name)).scaledToHeight(260))
                break
        self.window.populate_models()

    def use_new(self) -> None:
        self.window.set_model(self.new_model)
        self.rollback_button.setEnabled(bool(self.previous_model))

    def roll_back(self) -> None:
        self.window.set_model(self.previous_model)
        self.rollback_button.setEnabled(False)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.runner.cancel()
        super().closeEvent(event)
