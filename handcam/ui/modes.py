"""Reading modes: Digits, Letters, Digits+letters. Each mode is a bundled model folder
(``digits``, ``letters``, ``alphanumeric``) found among the window's model folders; a mode
whose bundle is missing is disabled. Switching a mode loads its bundle the way the model
picker does; the mode follows the model actually loaded (a model of no mode: none lit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QToolBar, QWidget

from handcam.model.bundle import find_bundles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mode:
    key: str  # remembered in the settings
    title: str  # toolbar text and status line
    bundle: str  # bundle folder name among the model folders


MODES = (
    Mode("digits", "Digits", "digits"),
    Mode("letters", "Letters", "letters"),
    Mode("alphanumeric", "Digits+letters", "alphanumeric"),
)
CYCLE_SHORTCUT = "Ctrl+M"


def mode_bundles(model_dirs: list[Path]) -> dict[str, Path]:
    """mode key -> its bundle folder (the first model folder that has it wins)."""
    found: dict[str, Path] = {}
    for path in find_bundles(*model_dirs):
        for mode in MODES:
            if path.name == mode.bundle and mode.key not in found:
                found[mode.key] = path
    return found


def mode_of(model_path: str | Path, bundles: dict[str, Path]) -> Mode | None:
    """The mode whose bundle is ``model_path``, if any."""
    try:
        resolved = Path(model_path).resolve()
    except OSError:
        return None
    for mode in MODES:
        path = bundles.get(mode.key)
        if path is not None and path.resolve() == resolved:
            return mode
    return None


class ModeSwitcher:
    """The mode actions of one window: toolbar buttons and a menu, Ctrl+M to cycle (on
    ``window``), the settings. ``model_dirs()``: where the modes' bundles are looked for;
    ``use_model(path)`` loads a mode's bundle as the model picker does; ``say`` shows a
    short message."""

    def __init__(
        self,
        window: QWidget,
        toolbar: QToolBar,
        menu: QMenu | None,
        settings: QSettings,
        model_dirs: Callable[[], list[Path]],
        use_model: Callable[[str], None],
        say: Callable[[str], None],
    ) -> None:
        self._settings, self._model_dirs = settings, model_dirs
        self._use_model, self._say = use_model, say
        self.group = QActionGroup(window)
        self.group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        self.actions: dict[str, QAction] = {}
        for mode in MODES:
            action = QAction(mode.title, window)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, m=mode: self.switch(m.key))
            self.group.addAction(action)
            toolbar.addAction(action)
            if menu is not None:
                menu.addAction(action)
            self.actions[mode.key] = action
        self.cycle_action = QAction("Next mode", window)
        self.cycle_action.setShortcut(CYCLE_SHORTCUT)
        self.cycle_action.triggered.connect(self.cycle)
        window.addAction(self.cycle_action)
        if menu is not None:
            menu.addSeparator()
            menu.addAction(self.cycle_action)
        self.current: Mode | None = None
        self.bundles: dict[str, Path] = {}
        self.refresh()
        remembered = settings.value("mode/current") or ""
        self._light(next((m for m in MODES if m.key == remembered), None))

    def refresh(self) -> None:
        """Look for the modes' bundles again; disable the modes that have none."""
        dirs = self._model_dirs()
        self.bundles = mode_bundles(dirs)
        for mode in MODES:
            action = self.actions[mode.key]
            path = self.bundles.get(mode.key)
            action.setEnabled(path is not None)
            where = ", ".join(str(d) for d in dirs)
            action.setToolTip(
                f"{mode.title}: the {path.name} model ({CYCLE_SHORTCUT}: next mode)"
                if path is not None
                else f"{mode.title}: no '{mode.bundle}' model bundle in {where}"
            )

    def available(self) -> list[Mode]:
        return [m for m in MODES if m.key in self.bundles]

    def switch(self, key: str) -> bool:
        """Load the mode's bundle through the model picker's path; False if it has none."""
        mode = next((m for m in MODES if m.key == key), None)
        path = self.bundles.get(key) if mode else None
        if mode is None or path is None:
            self._light(self.current)
            return False
        self._light(mode)
        self._settings.setValue("mode/current", mode.key)
        self._use_model(str(path))
        return True

    def cycle(self) -> Mode | None:
        """Switch to the next available mode (from the current one, or the first)."""
        modes = self.available()
        if not modes:
            self._say("no mode has its model bundle")
            return None
        index = modes.index(self.current) + 1 if self.current in modes else 0
        mode = modes[index % len(modes)]
        self.switch(mode.key)
        return mode

    def no_model(self) -> None:
        """No model is loaded (the one asked for failed): no mode is lit."""
        self._light(None)

    def model_loaded(self, model_path: str) -> None:
        """Light the mode of the model now loaded (none for a model of no mode)."""
        mode = mode_of(model_path, self.bundles)
        self._light(mode)
        if mode is not None:
            self._settings.setValue("mode/current", mode.key)

    def status_text(self) -> str:
        return f"mode: {self.current.title}" if self.current else "mode: custom model"

    def _light(self, mode: Mode | None) -> None:
        self.current = mode
        for key, action in self.actions.items():
            action.setChecked(mode is not None and key == mode.key)
