"""The one place that builds the window's docks: the sign chart (C), practice (P) and the
record panel (R), each hidden or shown by a toggle and wired to the recognition worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget

from handcam.ui.menus import add_panel_toggle
from handcam.ui.practice_panel import SCORES_FILE, PracticePanel
from handcam.ui.record_panel import RecordPanel, open_retrain_dialog
from handcam.ui.side_panel import vertical_scroll
from handcam.ui.sign_chart import SignChart


def add_dock(window, title: str, name: str, widget, key: str, scroll: bool = True) -> QDockWidget:
    """A right-hand dock with a toggle (shortcut ``key``) on the toolbar and in the View
    menu. ``scroll``: the panel scrolls when the docks share a short window (three open
    docks then still fit 720 pixels) instead of making the window taller."""
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    if scroll:
        area = vertical_scroll(widget, widget.minimumSizeHint().width() + 16)
        dock.setWidget(area)
        # shown: as tall as the panel wants where the window has the room (not squeezed
        # under the sign chart); a short window still scrolls it
        dock.visibilityChanged.connect(
            lambda visible: (
                visible
                and window.resizeDocks(
                    [dock], [widget.sizeHint().height() + 8], Qt.Orientation.Vertical
                )
            )
        )
    else:
        dock.setWidget(widget)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    add_panel_toggle(window, dock.toggleViewAction(), key, title)
    return dock


def attach_sign_chart(window) -> SignChart:
    """The chart of the model's signs in a dock (C), the sign shown lit up."""
    chart = SignChart()
    window.chart_dock = add_dock(window, "Sign chart", "sign-chart-dock", chart, "C", scroll=False)
    window.worker.model_ready.connect(lambda info: chart.set_model(info.path, info.labels))
    return chart


def attach_practice(window, data_dir: Path) -> PracticePanel:
    """The practice dock (P), hidden until asked for; scores in the data folder."""
    panel = PracticePanel(Path(data_dir) / SCORES_FILE, wanted_changed=window.chart.set_wanted)
    window.practice_dock = add_dock(window, "Practice", "practice-dock", panel, "P")
    window.practice_dock.hide()
    panel.composer_config = window.worker.composer.config
    window.worker.model_ready.connect(lambda info: panel.set_labels(info.labels))
    window.result_shown.connect(panel.on_result)
    window.practice_dock.visibilityChanged.connect(
        lambda visible: visible and window.chart_dock.show()  # the chart helps
    )
    return panel


def attach_record_panel(window, data_dir: Path) -> RecordPanel:
    """Add the record dock (hidden until R), its shortcuts and its wiring to the window."""
    dataset = window.settings.value("record/dataset") or str(data_dir / "recordings")
    panel = RecordPanel(window.settings, Path(dataset))
    window.result_shown.connect(panel.on_result)
    window.worker.model_ready.connect(lambda info: panel.set_labels(info.labels))
    if window.labels:
        panel.set_labels(window.labels)
    dock = add_dock(window, "Record", "record-dock", panel, "R")
    dock.hide()
    window.record_dock, window.record_panel = dock, panel
    for key, slot in (
        (Qt.Key.Key_Space, panel.capture),
        ("B", panel.start_burst),
        (QKeySequence.StandardKey.Undo, panel.undo),
    ):
        action = QAction(window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False, s=slot, d=dock: d.isVisible() and s())
        window.addAction(action)
    window.closing.connect(panel.stop_writer)
    panel.retrain_button.clicked.connect(lambda: open_retrain_dialog(window, panel))
    return panel
