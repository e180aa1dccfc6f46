"""The composing settings in the side panel: hold to write, away ends word; remembered in
the settings, said with ``changed``."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox

from handcam.signs.composer import ComposerConfig
from handcam.ui.settings import load_composer, save_composer


class ComposingSettings(QGroupBox):
    """Hold time and end-of-word time over a :class:`ComposerConfig`."""

    changed = Signal(object)  # ComposerConfig

    def __init__(self, settings: QSettings, parent=None) -> None:
        super().__init__("Composing", parent)
        self._settings = settings
        c = load_composer(settings)
        form = QFormLayout(self)
        self.hold_spin = QDoubleSpinBox(
            minimum=0.1, maximum=3.0, singleStep=0.05, decimals=2, value=c.commit_after_s,
            suffix=" s",
        )  # fmt: skip
        self.hold_spin.setToolTip("how long a sign is held before it is written")
        self.space_spin = QDoubleSpinBox(
            minimum=0.2, maximum=10.0, singleStep=0.1, decimals=1, value=c.space_after_s,
            suffix=" s",
        )  # fmt: skip
        self.space_spin.setToolTip("how long the hand is away before the word ends (a space)")
        form.addRow("hold to write", self.hold_spin)
        form.addRow("away ends word", self.space_spin)
        self._config = c  # as remembered: the composer starts with it
        self.hold_spin.valueChanged.connect(self._changed)
        self.space_spin.valueChanged.connect(self._changed)

    def config(self) -> ComposerConfig:
        return self._config

    def _changed(self) -> None:
        self._config = ComposerConfig(
            commit_after_s=self.hold_spin.value(), space_after_s=self.space_spin.value()
        )
        save_composer(self._settings, self._config)
        self.changed.emit(self._config)
