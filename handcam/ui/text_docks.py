"""The window's composing parts: the composer's keys and settings, the sign chart dock and
the practice dock. The text itself is composed in the worker (``worker.composer``), so
``--log-predictions`` carries it; the window shows it and edits it from here."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QDoubleSpinBox, QFormLayout, QGroupBox

from handcam.composer import ComposerConfig
from handcam.ui.practice_panel import SCORES_FILE, PracticePanel
from handcam.ui.settings import load_composer, save_composer
from handcam.ui.sign_chart import SignChart

log = logging.getLogger(__name__)
COMPOSER_KEYS = (
    ("Backspace", "delete the last sign written"),
    ("Ctrl+Shift+Backspace", "clear the text"),
    ("Ctrl+C", "copy the text"),
)


def add_composer_keys(window) -> None:
    """Backspace, Ctrl+Shift+Backspace and Ctrl+C on the window (a focused text field
    keeps its own editing keys)."""
    composer = window.worker.composer

    def backspace() -> None:
        composer.backspace()
        window.composer_view.show_composed(composer.snapshot())

    def clear() -> None:
        composer.clear()
        window.composer_view.show_composed(composer.snapshot())

    def copy() -> None:
        window.composer_view.copy()
        window.statusBar().showMessage("text copied", 2000)

    for (key, tip), slot in zip(COMPOSER_KEYS, (backspace, clear, copy), strict=True):
        action = QAction(tip, window)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(slot)
        window.addAction(action)
        window.composer_actions[key] = action


def composer_settings(window) -> QGroupBox:
    """Hold time and end-of-word time, remembered, applied to the worker's composer."""
    box = QGroupBox("Composing")
    form = QFormLayout(box)
    c = load_composer(window.settings)
    window.hold_spin = QDoubleSpinBox(
        minimum=0.1, maximum=3.0, singleStep=0.05, decimals=2, value=c.commit_after_s, suffix=" s"
    )
    window.hold_spin.setToolTip("how long a sign is held before it is written")
    window.space_spin = QDoubleSpinBox(
        minimum=0.2, maximum=10.0, singleStep=0.1, decimals=1, value=c.space_after_s, suffix=" s"
    )
    window.space_spin.setToolTip("how long the hand is away before the word ends (a space)")
    form.addRow("hold to write", window.hold_spin)
    form.addRow("away ends word", window.space_spin)

    def changed() -> None:
        config = ComposerConfig(
            commit_after_s=window.hold_spin.value(), space_after_s=window.space_spin.value()
        )
        save_composer(window.settings, config)
        window.worker.composer.set_config(config)
        if getattr(window, "practice", None) is not None:
            window.practice.composer_config = config  # from the next practice session

    window.hold_spin.valueChanged.connect(changed)
    window.space_spin.valueChanged.connect(changed)
    window.worker.composer.set_config(c)
    return box


def _dock(window, title: str, name: str, widget, key: str) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(name)
    dock.setWidget(widget)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    toggle = dock.toggleViewAction()
    toggle.setText(title)
    toggle.setShortcut(key)
    toggle.setToolTip(f"show or hide the {title.lower()} ({key})")
    window.docks_toolbar.addAction(toggle)
    return dock


def attach_sign_chart(window) -> SignChart:
    """The chart of the model's signs in a dock (C), the sign shown lit up."""
    chart = SignChart()
    window.chart_dock = _dock(window, "Sign chart", "sign-chart-dock", chart, "C")
    window.worker.model_ready.connect(lambda info: chart.set_model(info.path, info.labels))
    return chart


def attach_practice(window, data_dir: Path) -> PracticePanel:
    """The practice dock (P), hidden until asked for; scores in the data folder."""
    panel = PracticePanel(Path(data_dir) / SCORES_FILE, wanted_changed=window.chart.set_wanted)
    window.practice_dock = _dock(window, "Practice", "practice-dock", panel, "P")
    window.practice_dock.hide()
    panel.composer_config = window.worker.composer.config
    window.worker.model_ready.connect(lambda info: panel.set_labels(info.labels))
    window.result_shown.connect(panel.on_result)
    window.practice_dock.visibilityChanged.connect(
        lambda visible: visible and window.chart_dock.show()  # the chart helps
    )
    return panel
