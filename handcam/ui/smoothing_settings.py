"""The smoothing settings in the side panel: show above, hide below, smoothing time, time
to switch; remembered in the settings, said with ``changed``."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox

from handcam.signs.smoothing import SmootherConfig
from handcam.ui.settings import load_smoother, save_smoother


class SmoothingSettings(QGroupBox):
    """Four spin boxes over a :class:`SmootherConfig`; each change is saved and emitted."""

    changed = Signal(object)  # SmootherConfig

    def __init__(self, settings: QSettings, parent=None) -> None:
        super().__init__("Smoothing", parent)
        self._settings = settings
        c = load_smoother(settings)
        form = QFormLayout(self)
        self.enter_spin = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=c.enter)
        self.exit_spin = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, value=c.exit)
        self.tau_spin = QDoubleSpinBox(
            minimum=0.0, maximum=2.0, singleStep=0.02, decimals=2, value=c.tau_s, suffix=" s"
        )
        self.dwell_spin = QDoubleSpinBox(
            minimum=0.0, maximum=2.0, singleStep=0.05, decimals=2, value=c.dwell_s, suffix=" s"
        )
        form.addRow("show above", self.enter_spin)
        form.addRow("hide below", self.exit_spin)
        form.addRow("smoothing time", self.tau_spin)
        form.addRow("time to switch", self.dwell_spin)
        self._config = c  # as remembered: the worker starts with it
        for spin in (self.enter_spin, self.exit_spin, self.tau_spin, self.dwell_spin):
            spin.valueChanged.connect(self._changed)

    def config(self) -> SmootherConfig:
        return self._config

    def _changed(self) -> None:
        self._config = SmootherConfig(
            tau_s=self.tau_spin.value(),
            enter=self.enter_spin.value(),
            exit=min(self.exit_spin.value(), self.enter_spin.value()),
            dwell_s=self.dwell_spin.value(),
        )
        save_smoother(self._settings, self._config)
        self.changed.emit(self._config)
