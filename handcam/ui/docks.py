"""The window's docks: the sign chart (C), practice (P) and the record panel (R), each a
dock that owns its panel, hidden or shown by a toggle on the toolbar and in the View menu."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

from handcam.ui.calibration_panel import CalibrationPanel
from handcam.ui.practice_panel import SCORES_FILE, PracticePanel
from handcam.ui.record_panel import RecordPanel
from handcam.ui.side_panel import vertical_scroll
from handcam.ui.sign_chart import SignChart


class PanelDock(QDockWidget):
    """A right-hand dock for ``widget`` with a toggle (shortcut ``key``) on the toolbar and
    in the View menu (named ``toggle_text`` there when the title is long). ``scroll``: the
    panel scrolls when the docks share a short window (three open docks then still fit 720
    pixels) instead of making the window taller."""

    def __init__(
        self, window: QMainWindow, title: str, name: str, widget: QWidget, key: str,
        scroll: bool = True, toggle_text: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(title, window)
        self.setObjectName(name)
        if scroll:
            self.setWidget(vertical_scroll(widget, widget.minimumSizeHint().width() + 16))
            # shown: as tall as the panel wants where the window has the room (not squeezed
            # under the sign chart); a short window still scrolls it
            self.visibilityChanged.connect(
                lambda visible: (
                    visible
                    and window.resizeDocks(
                        [self], [widget.sizeHint().height() + 8], Qt.Orientation.Vertical
                    )
                )
            )
        else:
            self.setWidget(widget)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self)
        window.toolbar.add_panel_toggle(self.toggleViewAction(), key, toggle_text or title)


class SignChartDock(PanelDock):
    """The chart of the model's signs (C), the sign shown lit up."""

    def __init__(self, window: QMainWindow) -> None:
        self.chart = SignChart()
        super().__init__(window, "Sign chart", "sign-chart-dock", self.chart, "C", scroll=False)


class PracticeDock(PanelDock):
    """Practice (P), hidden until asked for; scores in the data folder. Opening it shows
    the sign chart too (the chart helps)."""

    def __init__(self, window: QMainWindow, data_dir: Path, chart: SignChartDock) -> None:
        self.panel = PracticePanel(
            Path(data_dir) / SCORES_FILE, wanted_changed=chart.chart.set_wanted
        )
        super().__init__(window, "Practice", "practice-dock", self.panel, "P")
        self.hide()
        self.visibilityChanged.connect(lambda visible: visible and chart.show())


class CalibrationDock(PanelDock):
    """Calibrate to your hand (H), hidden until asked for. Opening it shows the sign chart
    too: the chart frames the sign asked for."""

    def __init__(
        self, window: QMainWindow, data_dir: Path, chart: SignChartDock, use_model
    ) -> None:  # fmt: skip
        self.panel = CalibrationPanel(Path(data_dir), use_model, chart.chart.set_wanted)
        super().__init__(
            window, "Calibrate to your hand", "calibration-dock", self.panel, "H",
            toggle_text="Calibrate",
        )  # fmt: skip
        self.hide()
        self.visibilityChanged.connect(lambda visible: visible and chart.show())


class RecordDock(PanelDock):
    """The record panel (R), hidden until asked for; Space, B and Ctrl+Z act on it while
    it shows."""

    def __init__(self, window: QMainWindow, settings: QSettings, data_dir: Path) -> None:
        dataset = settings.value("record/dataset") or str(Path(data_dir) / "recordings")
        self.panel = RecordPanel(settings, Path(dataset))
        super().__init__(window, "Record", "record-dock", self.panel, "R")
        self.hide()
        for key, slot in (
            (Qt.Key.Key_Space, self.panel.capture),
            ("B", self.panel.start_burst),
            ("G", self.panel.clips.start),
            (QKeySequence.StandardKey.Undo, self.panel.undo),
        ):
            act = QAction(window)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(lambda _=False, s=slot: self.isVisible() and s())
            window.addAction(act)
