"""Retrain from the window: ``python -P -m training`` in a separate process, its JSON
progress streamed into a dialog, cancel, then switch to the new model or roll back.

By default the current model is fine-tuned on the recorded samples *and* on the training
set it carries, so a new sign joins the model's signs and they keep their accuracy, on
any machine, with no dataset folder. One training runs at a time in the whole app.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, QProcess, Qt, QTimer, Signal
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


def pretrained_start() -> str | None:
    """The shipped digits model, where a new model's networks can start from (hand shapes
    learned from 176 people); None when it is missing or not a landmark model."""
    from handcam.errors import HandcamError
    from handcam.model.bundle import ModelBundle, bundled_models_dir

    path = bundled_models_dir() / "digits"
    try:
        bundle = ModelBundle.load(path)
    except (HandcamError, OSError):
        return None
    return str(path.resolve()) if bundle.model_name == "landmarks" else None


class RetrainRunner(QObject):
    """Runs one training process at a time (app-wide); never touches the working model."""

    progress = Signal(str, int, int)  # stage, done, total
    epoch = Signal(dict)
    message = Signal(str)
    finished = Signal(bool, str)  # ok, bundle path or error message
    _running: set[RetrainRunner] = set()  # every runner with a live process

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.proc: QProcess | None = None
        self.out: Path | None = None
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)
        self._reset()

    def _reset(self) -> None:
        self._buffer = b""
        self._stderr_tail: list[str] = []
        self._cancelled = False
        self._error = ""

    @classmethod
    def busy(cls) -> bool:
        """True while any runner's training process is alive."""
        return any(r.running for r in cls._running)

    def start(
        self,
        data_dirs: list[str],
        out: Path,
        init: str | None = None,
        epochs: int | None = None,
        extra: list[str] | None = None,
    ) -> bool:
        """Start training; False (with a message) when a training is already running."""
        if RetrainRunner.busy():
            self.message.emit("a training is already running; wait for it or cancel it")
            return False
        # -P: never run a training/ folder or training.py from the current directory
        args = ["-P", "-m", "training", *data_dirs, "--out", str(out), "--progress-json"]
        if init:
            args += ["--init", init]
        if epochs:
            args += ["--epochs", str(epochs)]
        args += extra or []
        self._reset()
        self.out = out
        self.proc = QProcess(self)
        self.proc.setProgram(sys.executable)
        self.proc.setArguments(args)
        self.proc.setWorkingDirectory(str(Path.home()))
        self.proc.readyReadStandardOutput.connect(self._read_stdout)
        self.proc.readyReadStandardError.connect(self._read_stderr)
        self.proc.finished.connect(self._on_finished)
        self.proc.errorOccurred.connect(self._on_error)
        self.message.emit("starting training process...")
        RetrainRunner._running.add(self)
        self.proc.start()
        return True

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Ask training to stop (it removes its temporary folder), kill after 10 s."""
        if not self.running:
            return
        self._cancelled = True
        self.message.emit("cancelling...")
        self.proc.terminate()
        self._kill_timer.start(10000)  # a child timer: it dies with this runner

    def _kill(self) -> None:
        if self.running:
            self.proc.kill()

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
                self.progress.emit(str(ev["stage"]), int(ev["done"]), int(ev["total"]))
            elif kind == "epoch":
                self.epoch.emit(ev)
            elif kind == "message":
                self.message.emit(str(ev.get("text", "")))
            elif kind == "error":
                self._error = str(ev.get("message", ""))

    def _read_stderr(self) -> None:
        text = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace")
        self._stderr_tail = (self._stderr_tail + text.splitlines())[-30:]

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            RetrainRunner._running.discard(self)
            self.finished.emit(False, f"could not start {sys.executable} -m training")

    def _on_finished(self, code: int, status) -> None:
        self._kill_timer.stop()  # never kill a later process
        self._read_stdout()
        RetrainRunner._running.discard(self)
        if self._cancelled:
            self.finished.emit(False, "cancelled: the working model is unchanged")
        elif code == 0 and self.out is not None and (self.out / "model.keras").is_file():
            self.finished.emit(True, str(self.out))
        else:
            reason = self._error or "\n".join(self._stderr_tail[-8:]) or f"exit code {code}"
            self.finished.emit(False, f"training failed: {reason}")


class RetrainDialog(QDialog):
    """Options, live progress, the honest report at the end, switch and roll back.

    ``current_model`` is the bundle in use; ``models_dir`` receives the new bundle;
    ``use_model(path)`` switches the app's model; ``bundles_changed()`` refreshes pickers.
    """

    def __init__(
        self,
        parent,
        dataset: Path,
        current_model: str,
        models_dir: Path,
        use_model: Callable[[str], None],
        bundles_changed: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(parent)
        self.dataset = Path(dataset)
        self.previous_model = current_model
        self.models_dir = Path(models_dir)
        self._use_model = use_model
        self._bundles_changed = bundles_changed
        self.new_model = ""
        self.setWindowTitle("Retrain handcam")
        self.resize(760, 720)
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
        name = Path(self.previous_model).name if self.previous_model else ""
        self.finetune_radio = QRadioButton(
            f"add to the current model ({name}): fine-tune it on your samples and on the "
            "samples it carries, so its signs keep their accuracy (fast)"
        )
        self.scratch_radio = QRadioButton("train a new model on your samples")
        self.keep_signs_check = QCheckBox("include the current model's signs (its carried samples)")
        self.keep_signs_check.setChecked(bool(self.previous_model))
        self.keep_signs_check.setEnabled(False)
        self.scratch_radio.toggled.connect(self.keep_signs_check.setEnabled)
        self.pretrained = pretrained_start()
        self.pretrained_check = QCheckBox(
            "start from the hand shapes the digits model learned from 176 people "
            "(reads people you did not record better)"
        )
        self.pretrained_check.setChecked(self.pretrained is not None)
        self.pretrained_check.setVisible(self.pretrained is not None)
        self.scratch_radio.toggled.connect(self.pretrained_check.setEnabled)
        self.finetune_radio.setChecked(bool(self.previous_model))
        self.finetune_radio.setEnabled(bool(self.previous_model))
        self.scratch_radio.setChecked(not self.previous_model)
        self.pretrained_check.setEnabled(not self.previous_model)
        for label in (self.finetune_radio, self.scratch_radio):
            label.setToolTip(label.text())
        form.addRow("Mode", self.finetune_radio)
        form.addRow("", self.scratch_radio)
        form.addRow("", self.keep_signs_check)
        form.addRow("", self.pretrained_check)
        extra_row = QHBoxLayout()
        self.merge_check = QCheckBox("also train on")
        self.merge_edit = QLineEdit()
        self.merge_edit.setPlaceholderText("optional: another dataset folder or model bundle")
        browse = QPushButton("...")
        browse.clicked.connect(self._browse_extra)
        for w in (self.merge_check, self.merge_edit, browse):
            extra_row.addWidget(w)
        form.addRow("", extra_row)
        self.epochs_spin = QSpinBox(minimum=0, maximum=1000, value=0, specialValueText="auto")
        form.addRow("Epochs", self.epochs_spin)
        layout.addLayout(form)
        self.bar = QProgressBar()
        layout.addWidget(self.bar)
        self.curves = pg.PlotWidget(background=(30, 30, 34))
        self.curves.setMaximumHeight(150)
        self.curves.addLegend()
        self.loss_curve = self.curves.plot([], [], pen=pg.mkPen((255, 150, 60)), name="loss")
        self.acc_curve = self.curves.plot([], [], pen=pg.mkPen((90, 230, 120)), name="val accuracy")
        layout.addWidget(self.curves)
        self.log_view = QPlainTextEdit(readOnly=True)
        self.log_view.setMaximumBlockCount(500)
        layout.addWidget(self.log_view, 1)
        self.result_label = QLabel("")
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.report_image = QLabel()
        layout.addWidget(self.report_image)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel (Esc)")
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
        self._loss: list[float] = []
        self._acc: list[float] = []

    def _browse_extra(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Extra dataset folder or model bundle")
        if path:
            self.merge_edit.setText(path)
            self.merge_check.setChecked(True)

    def output_dir(self) -> Path:
        base = Path(self.previous_model).name if self.previous_model else "model"
        base = base.split("-personal-")[0]
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return self.models_dir / f"{base}-personal-{stamp}"

    def start(self) -> None:
        data = [str(self.dataset)]
        init, extra = None, []
        if self.finetune_radio.isChecked() and self.previous_model:
            init = self.previous_model
        else:
            if self.keep_signs_check.isChecked() and self.previous_model:
                data.append(self.previous_model)  # a bundle as data: its carried samples
            if self.pretrained_check.isChecked() and self.pretrained:
                extra = ["--pretrained", self.pretrained]
            else:
                extra = ["--pretrained", "none"]  # the command line's default is auto
        if self.merge_check.isChecked() and self.merge_edit.text().strip():
            data.append(self.merge_edit.text().strip())
        self._loss, self._acc = [], []
        self.result_label.setText("")
        self.report_image.clear()
        epochs = self.epochs_spin.value() or None
        if self.runner.start(data, self.output_dir(), init=init, epochs=epochs, extra=extra):
            self.start_button.setEnabled(False)
            self.cancel_button.setEnabled(True)

    def reject(self) -> None:
        """Esc (or the close button) cancels a running training first, then closes."""
        if self.runner.running:
            self.runner.cancel()
            return
        super().reject()

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
            self.result_label.setText(detail)
            return
        self.new_model = detail
        self.use_button.setEnabled(True)
        try:
            report = json.loads((Path(detail) / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.result_label.setText(f"new model saved, but its report is unreadable: {exc}")
            return
        self._log(f"new model: {detail}")
        self.result_label.setText(result_summary(report))
        for name in ("confusion_test.png", "confusion_validation.png"):
            if (Path(detail) / name).is_file():
                self.report_image.setPixmap(QPixmap(str(Path(detail) / name)).scaledToHeight(260))
                break
        self._bundles_changed()

    def use_new(self) -> None:
        self._use_model(self.new_model)
        self.rollback_button.setEnabled(bool(self.previous_model))

    def roll_back(self) -> None:
        self._use_model(self.previous_model)
        self.rollback_button.setEnabled(False)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.runner.cancel()
        super().closeEvent(event)


def result_summary(report: dict) -> str:
    """The figures a person should see after a retrain, with how far to trust them."""
    ev = report.get("evaluation", {})
    part_name = "test" if ev.get("test") else "validation"
    part = ev.get(part_name) or {}
    split = report.get("split", {})
    lines = []
    if part.get("accuracy") is not None:
        lines.append(
            f"Held-out {part_name} accuracy: {part['accuracy']:.1%} on {part.get('n')} samples "
            f"(split {split.get('policy', '?')})"
        )
        for source, fig in (part.get("by_source") or {}).items():
            lines.append(f"  {source}: {fig['accuracy']:.1%} on {fig['n']}")
        weak = [
            f"{lab} {m['recall']:.0%}"
            for lab, m in (part.get("per_class") or {}).items()
            if m.get("support") and m["recall"] < 0.9
        ]
        if weak:
            lines.append("Weakest labels (recall): " + ", ".join(weak[:10]))
    else:
        lines.append("No held-out samples: there is no figure to trust yet.")
    lines += [f"- {note}" for note in split.get("notes", [])]
    sel = report.get("selection", {})
    if sel:
        lines.append(f"- training length: {sel.get('policy')} ({sel.get('why', '')})")
    return "\n".join(lines)
