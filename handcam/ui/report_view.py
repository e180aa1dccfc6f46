"""The retrain dialog's result: the headline, the gate's line, a table of the labels
(weakest first) beside the confusion matrix, and a Details tab with everything else and
the learning curve. Clicking the matrix opens it full size."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from handcam.ui.retrain_report import (
    details_text,
    gate_text,
    headline,
    held_out_part,
    label_rows,
    motion_text,
    percent,
)

FULL_CELL = 30  # pixels per cell in the full-size matrix


class ConfusionView(QWidget):
    """Rows: the true label; columns: what it was read as. Right answers (the diagonal)
    are green, mistakes red, both by their share of the row; counts where they fit.
    ``cell``: a fixed cell size (full size), else the matrix fits the widget."""

    clicked = Signal()

    def __init__(self, cm, labels: list[str], cell: int | None = None, parent=None) -> None:
        super().__init__(parent)
        self.cm = np.asarray(cm if cm is not None and len(cm) else np.zeros((0, 0)), float)
        self.labels = list(labels)
        self.cell = cell
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        if cell is None:
            self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip("click to see the confusion matrix full size")

    def _margin(self, font: QFont) -> float:
        metrics = QFontMetrics(font)
        widest = max((metrics.horizontalAdvance(lab) for lab in self.labels), default=10)
        return max(widest, metrics.height()) + 10

    def _geometry(self) -> tuple[float, float, QFont]:
        """(left/top margin, cell size, label font)."""
        n = max(1, len(self.labels))
        if self.cell is not None:
            font = QFont(self.font().family(), 11)
            return self._margin(font), float(self.cell), font
        side = min(self.width(), self.height())
        size = max(7, min(11, int(side / n * 0.55)))
        font = QFont(self.font().family(), size)
        margin = self._margin(font)
        return margin, max(4.0, (side - margin - 4) / n), font

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        if self.cell is None:
            return QSize(360, 360)
        margin, cell, _ = self._geometry()
        side = int(margin + cell * len(self.labels) + 8)
        return QSize(side, side)

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        margin, cell, _ = self._geometry()
        i, j = int((y - margin) // cell), int((x - margin) // cell)
        n = len(self.labels)
        return (i, j) if 0 <= i < n and 0 <= j < n and y >= margin and x >= margin else None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        at = self.cell_at(event.position().x(), event.position().y())
        if at is not None and at[0] < len(self.cm):
            i, j = at
            count, total = int(self.cm[i, j]), int(self.cm[i].sum())
            verb = "read right" if i == j else f"read as {self.labels[j]}"
            self.setToolTip(f"{self.labels[i]} {verb}: {count} of {total}")
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self.clicked.emit()
        super().mousePressEvent(event)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(255, 255, 255))
        n = len(self.labels)
        if n == 0 or self.cm.shape != (n, n):
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no confusion matrix")
            p.end()
            return
        margin, cell, font = self._geometry()
        p.setFont(font)
        rows = self.cm.sum(axis=1, keepdims=True)
        share = np.divide(self.cm, rows, out=np.zeros_like(self.cm), where=rows > 0)
        counts = cell >= QFontMetrics(font).horizontalAdvance("00") + 4
        for i in range(n):
            for j in range(n):
                rect = QRectF(margin + j * cell, margin + i * cell, cell - 1, cell - 1)
                s = float(share[i, j])
                if i == j:
                    colour = QColor(int(235 - 180 * s), int(245 - 80 * s), int(235 - 180 * s))
                elif s > 0:
                    k = 0.25 + 0.75 * s
                    colour = QColor(255, int(235 - 175 * k), int(225 - 185 * k))
                else:
                    colour = QColor(244, 244, 246)
                p.fillRect(rect, colour)
                if counts and self.cm[i, j]:
                    p.setPen(QColor(255, 255, 255) if s > 0.55 else QColor(40, 40, 40))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(int(self.cm[i, j])))
        p.setPen(QColor(40, 40, 40))
        metrics = QFontMetrics(font)
        upright = all(metrics.horizontalAdvance(lab) <= cell for lab in self.labels)
        for k, label in enumerate(self.labels):
            p.drawText(
                QRectF(0, margin + k * cell, margin - 4, cell),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            if upright:  # short labels (letters, digits) read better upright
                p.drawText(
                    QRectF(margin + k * cell, 0, cell, margin - 4),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    label,
                )
                continue
            p.save()
            p.translate(margin + k * cell + cell / 2, margin - 4)
            p.rotate(-90)
            p.drawText(
                QRectF(0, -cell / 2, margin - 4, cell),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
            p.restore()
        p.end()


def show_full_confusion(parent, cm, labels: list[str], title: str) -> QDialog:
    """The matrix at full size in its own window (scrolls on a small screen)."""
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("Rows: the sign made; columns: what the model read. Hover a cell."))
    view = ConfusionView(cm, labels, cell=FULL_CELL)
    view.setFixedSize(view.sizeHint())
    scroll = QScrollArea()
    scroll.setWidget(view)
    layout.addWidget(scroll, 1)
    close = QPushButton("Close")
    close.clicked.connect(dialog.accept)
    layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
    screen = (parent.screen() if parent is not None else dialog.screen()).availableGeometry()
    hint = view.sizeHint()
    dialog.resize(
        min(hint.width() + 60, screen.width() - 40), min(hint.height() + 110, screen.height() - 60)
    )
    dialog.show()
    return dialog


class ReportView(QWidget):
    """The result of one retrain, from its report and its bundle folder."""

    def __init__(self, report: dict, bundle: str | Path, parent=None) -> None:
        super().__init__(parent)
        self.report, self.bundle = report, Path(bundle)
        self.headline = headline(report)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = _text(self.headline.title, bold=True, size=3)
        self.title_label.setStyleSheet(
            "color: #1b6e2a" if self.headline.measured else "color: #a14d00"
        )
        self.body_label = _text(self.headline.body)
        self.gate_label = _text(gate_text(report))
        self.gate_label.setStyleSheet("color: #555")
        self.gate_label.setVisible(bool(self.gate_label.text()))
        self.motion_label = _text(motion_text(report))
        self.motion_label.setVisible(bool(self.motion_label.text()))
        for w in (self.title_label, self.body_label, self.gate_label, self.motion_label):
            layout.addWidget(w)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        part_name, part = held_out_part(report)
        self.part_name = part_name
        figures = QSplitter(Qt.Orientation.Horizontal)
        table_box = QWidget()
        tbox = QVBoxLayout(table_box)
        tbox.setContentsMargins(0, 0, 0, 0)
        self.table = self._table()
        tbox.addWidget(_text(f"Each sign's {part_name} samples, the weakest first", size=-1))
        tbox.addWidget(self.table, 1)
        if any(r.optimistic for r in label_rows(report)):
            tbox.addWidget(
                _text("* recorded in too few sittings: optimistic for other people", size=-1)
            )
        figures.addWidget(table_box)
        matrix_box = QWidget()
        box = QVBoxLayout(matrix_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.matrix = ConfusionView(part.get("confusion_matrix"), list(report.get("labels") or []))
        self.matrix.clicked.connect(self.show_full_matrix)
        box.addWidget(
            _text(
                f"Confusion matrix ({part_name}): rows made, columns read; click to enlarge",
                size=-1,
            )
        )
        box.addWidget(self.matrix, 1)
        figures.addWidget(matrix_box)
        figures.setStretchFactor(0, 1)
        figures.setStretchFactor(1, 1)
        self.tabs.addTab(figures, "Each label")
        self.tabs.addTab(self._details(), "Details")
        self.full_matrix: QDialog | None = None

    def _table(self) -> QTableWidget:
        rows = label_rows(self.report)
        table = QTableWidget(len(rows), 5)
        table.setHorizontalHeaderLabels(
            ["sign", "read right", "right when read", "n", "mistaken for"]
        )
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(QFontMetrics(table.font()).height() + 6)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        tips = (
            "",
            "recall: of this sign's held-out samples, the share read right",
            "precision: of the samples read as this sign, the share that were it",
            "held-out samples of this sign",
            "what it was read as instead, most often first",
        )
        for col, tip in enumerate(tips):
            table.horizontalHeaderItem(col).setToolTip(tip)
        for r, row in enumerate(rows):
            recall = "-" if row.recall is None else percent(row.recall)
            if row.optimistic:
                recall += " *"
            cells = (
                row.label,
                recall,
                "-" if row.precision is None else percent(row.precision),
                str(row.n),
                row.mistaken_for,
            )
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if row.optimistic:
                    item.setToolTip("* recorded in too few sittings: optimistic for other people")
                if c == 1 and row.recall is not None and row.recall < 0.9:
                    item.setForeground(QColor(190, 40, 30))
                table.setItem(r, c, item)
        return table

    def _details(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.details = QPlainTextEdit(details_text(self.report), readOnly=True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        layout.addWidget(self.details, 1)
        history = self.report.get("history") or {}
        plots = QHBoxLayout()
        for title, keys in (
            ("accuracy", (("val_accuracy", (90, 230, 120), "validation"),
                          ("accuracy", (80, 160, 255), "training"))),
            ("loss", (("loss", (255, 150, 60), "training"),
                      ("val_loss", (230, 90, 200), "validation"))),
        ):  # fmt: skip
            plot = pg.PlotWidget(background=(30, 30, 34), title=title)
            plot.setMinimumHeight(130)
            plot.setLabel("bottom", "epoch")
            plot.addLegend(offset=(-10, -40 if title == "accuracy" else 5))  # off the curves
            for key, colour, name in keys:
                if history.get(key):
                    plot.plot(history[key], pen=pg.mkPen(colour), name=name)
            plots.addWidget(plot)
        layout.addLayout(plots, 1)
        row = QHBoxLayout()
        folder = QPushButton("Open the model's folder")
        folder.setToolTip(str(self.bundle))
        folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.bundle)))
        )
        row.addWidget(folder)
        row.addStretch(1)
        layout.addLayout(row)
        return page

    def show_full_matrix(self) -> QDialog:
        _, part = held_out_part(self.report)
        self.full_matrix = show_full_confusion(
            self,
            part.get("confusion_matrix"),
            list(self.report.get("labels") or []),
            f"Confusion matrix: {self.part_name} samples of {self.bundle.name}",
        )
        return self.full_matrix


def _text(text: str, bold: bool = False, size: int = 0) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setBold(bold)
    font.setPointSizeF(max(6.0, font.pointSizeF() + size))
    label.setFont(font)
    return label
