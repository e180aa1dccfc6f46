"""Retrain from the window: ``python -P -m training`` in a separate process, its JSON
progress streamed into a dialog, cancel, then switch to the new model or roll back.

By default the current model is fine-tuned on the recorded samples *and* on the training
set it carries, so a new sign joins the model's signs and they keep their accuracy, on
any machine, with no dataset folder. One training runs at a time in the whole app.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from handcam.ui.elided import ElidedLabel
from handcam.ui.report_view import ReportView
from handcam.ui.retrain_runner import RetrainRunner

__all__ = ["RetrainDialog", "RetrainRunner", "pretrained_start"]

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
        screen = (parent.screen() if parent is not None else self.screen()).availableGeometry()
        self.resize(min(980, screen.width() - 40), min(720, screen.height() - 60))
        self.runner = RetrainRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.epoch.connect(self._on_epoch)
        self.runner.message.connect(self._log)
        self.runner.finished.connect(self._on_finished)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow(
            "Recorded samples",
            ElidedLabel(str(self.dataset), Qt.TextElideMode.ElideMiddle, tooltip_always=True),
        )
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
        self.tabs = QTabWidget()
        options = QWidget()
        options_layout = QVBoxLayout(options)
        options_layout.addLayout(form)
        options_layout.addStretch(1)
        self.tabs.addTab(options, "Options")
        training = QWidget()
        training_layout = QVBoxLayout(training)
        self.curves = pg.PlotWidget(background=(30, 30, 34))
        self.curves.setMinimumHeight(120)
        self.curves.setLabel("bottom", "epoch")
        self.curves_legend = self.curves.addLegend(offset=(-10, 5))
        self.loss_curve = self.curves.plot([], [], pen=pg.mkPen((255, 150, 60)))
        self.acc_curve = self.curves.plot([], [], pen=pg.mkPen((90, 230, 120)))
        self.curves_placeholder = pg.TextItem(
            "Loss and validation accuracy appear here, epoch by epoch, once training runs",
            color=(150, 150, 150),
            anchor=(0.5, 0.5),
        )
        self.curves_placeholder.setPos(0.5, 0.5)
        self.curves.addItem(self.curves_placeholder)
        training_layout.addWidget(self.curves, 1)
        self.log_view = QPlainTextEdit(readOnly=True)
        self.log_view.setMaximumBlockCount(500)
        self.log_view.setPlaceholderText("What training says appears here once it starts.")
        training_layout.addWidget(self.log_view, 1)
        self.tabs.addTab(training, "Training")
        self.result_page = QWidget()
        self.result_layout = QVBoxLayout(self.result_page)
        self.result_placeholder = QLabel(
            "The new model's figures appear here when a training ends: how well it should "
            "read people you did not record, each label, and the confusion matrix."
        )
        self.result_placeholder.setWordWrap(True)
        self.result_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result_layout.addWidget(self.result_placeholder)
        self.tabs.addTab(self.result_page, "Result")
        layout.addWidget(self.tabs, 1)
        self.report_view: ReportView | None = None
        self.result_label = QLabel("")  # a failure, a cancel, or the headline of the result
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        self.bar = QProgressBar()
        self.bar.setFormat("not started")
        self.bar.setValue(0)
        layout.addWidget(self.bar)
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
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for b in (self.start_button, self.cancel_button, self.use_button, self.rollback_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self._loss: list[float] = []
        self._acc: list[float] = []

    def _browse_extra(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Extra dataset folder or model bundle")
        if path:
            self.merge_edit.setText(path)
            self.merge_check.setChecked(True)

    def output_dir(self) -> Path:
        """MODEL-personal-TIME when the new model keeps the current model's signs, else
        DATASET-personal-TIME (a letters model trained from scratch is not "digits")."""
        keeps = self.previous_model and (
            self.finetune_radio.isChecked() or self.keep_signs_check.isChecked()
        )
        base = Path(self.previous_model).name if keeps else self.dataset.name or "model"
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
        self.loss_curve.setData([])
        self.acc_curve.setData([])
        self.curves_legend.clear()
        self.curves_placeholder.show()
        self.curves.setRange(xRange=(0, 1), yRange=(0, 1))
        self.curves.enableAutoRange()
        self.result_label.setText("")
        self._clear_result()
        epochs = self.epochs_spin.value() or None
        if self.runner.start(data, self.output_dir(), init=init, epochs=epochs, extra=extra):
            self.start_button.setEnabled(False)
            self.cancel_button.setEnabled(True)
            self.tabs.setCurrentIndex(1)

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
        if self.curves_placeholder.isVisible():  # named once they have something to show
            self.curves_placeholder.hide()
            self.curves_legend.clear()
            self.curves_legend.addItem(self.loss_curve, "loss")
            self.curves_legend.addItem(self.acc_curve, "validation accuracy")

    def _on_finished(self, ok: bool, detail: str) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if not ok:
            self._log(detail)
            self.result_label.setText(detail)
            self.bar.setFormat("cancelled" if detail.startswith("cancelled") else "failed")
            return
        self.new_model = detail
        self.use_button.setEnabled(True)
        self._bundles_changed()
        try:
            report = json.loads((Path(detail) / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.result_label.setText(f"new model saved, but its report is unreadable: {exc}")
            return
        self._log(f"new model: {detail}")
        self.show_report(report, detail)

    def show_report(self, report: dict, bundle: str) -> ReportView:
        """Show a finished training's figures on the Result tab (and go there)."""
        self._clear_result()
        self.report_view = ReportView(report, bundle)
        self.result_placeholder.hide()
        self.result_layout.addWidget(self.report_view, 1)
        self.result_label.setText(
            f"Saved as {Path(bundle).name}. Use new model switches to it; until then the "
            "current model stays in use."
        )
        self.tabs.setCurrentWidget(self.result_page)
        return self.report_view

    def _clear_result(self) -> None:
        if self.report_view is not None:
            self.report_view.setParent(None)
            self.report_view.deleteLater()
            self.report_view = None
        self.result_placeholder.show()

    def use_new(self) -> None:
        self._use_model(self.new_model)
        self.rollback_button.setEnabled(bool(self.previous_model))

    def roll_back(self) -> None:
        self._use_model(self.previous_model)
        self.rollback_button.setEnabled(False)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.runner.cancel()
        super().closeEvent(event)
