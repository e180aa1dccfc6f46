"""The smoothing settings in the side panel: show above, hide below, smoothing time, time
to switch; remembered, applied to the recognition worker."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox

from handcam.signs.smoothing import SmootherConfig
from handcam.ui.settings import load_smoother, save_smoother


def smoothing_settings(window) -> QGroupBox:
    """The group box; its spin boxes become ``window.enter_spin`` etc. (tests, automation)."""
    box = QGroupBox("Smoothing")
    form = QFormLayout(box)
    c = load_smoother(window.settings)
    window.enter_spin = QDoubleSpinBox(minimum=0.05, maximum=1.0, singleStep=0.05, value=c.enter)
    window.exit_spin = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, value=c.exit)
    window.tau_spin = QDoubleSpinBox(
        minimum=0.0, maximum=2.0, singleStep=0.02, decimals=2, value=c.tau_s, suffix=" s"
    )
    window.dwell_spin = QDoubleSpinBox(
        minimum=0.0, maximum=2.0, singleStep=0.05, decimals=2, value=c.dwell_s, suffix=" s"
    )
    form.addRow("show above", window.enter_spin)
    form.addRow("hide below", window.exit_spin)
    form.addRow("smoothing time", window.tau_spin)
    form.addRow("time to switch", window.dwell_spin)

    def changed() -> None:
        config = SmootherConfig(
            tau_s=window.tau_spin.value(),
            enter=window.enter_spin.value(),
            exit=min(window.exit_spin.value(), window.enter_spin.value()),
            dwell_s=window.dwell_spin.value(),
        )
        save_smoother(window.settings, config)
        window.worker.set_smoother(config)

    for spin in (window.enter_spin, window.exit_spin, window.tau_spin, window.dwell_spin):
        spin.valueChanged.connect(changed)
    window.worker.set_smoother(c)
    return box
