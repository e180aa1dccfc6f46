"""The composing settings in the side panel: hold to write, away ends word."""

from __future__ import annotations

from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox

from handcam.signs.composer import ComposerConfig
from handcam.ui.settings import load_composer, save_composer


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
