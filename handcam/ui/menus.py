"""The window's menu bar and its one toolbar, sized to fit a 1280-pixel window.

Every action lives in a menu (File, View, Mode, Text), where its shortcut is shown; the
toolbar holds the pickers and the actions used most, with short texts. Each action is
one QAction, in a menu and on the toolbar at once, so a shortcut never fires twice.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QMenuBar, QToolBar, QToolButton, QWidget

from handcam.ui.modes import ModeSwitcher
from handcam.ui.status_line import source_item_text

SOURCE_CHARS = 18  # the pickers show this many characters; the rest is elided
MODEL_CHARS = 14


def picker(chars: int, tip: str) -> QComboBox:
    """A combo box whose width does not follow its longest item (a long video name)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.setToolTip(tip)
    return combo


def action(window: QWidget, text: str, slot, shortcut=None, tip: str = "", short: str = ""):
    """An action on the window (its shortcut works with every menu closed)."""
    act = QAction(text, window)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    if short:
        act.setIconText(short)  # the toolbar's text
    keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    act.setToolTip(f"{tip or text} ({keys})" if keys else tip or text)
    if slot is not None:
        act.triggered.connect(slot)
    window.addAction(act)
    return act


class MenuBar(QMenuBar):
    """File, View, Mode and Text, and the window's own actions (open, quit, mirror, full
    screen); the window's slots come in as callbacks. The mode actions, the panels'
    toggles and the composer's keys are added by their owners."""

    def __init__(self, window: QWidget, settings: QSettings, slots: dict[str, Callable]):
        super().__init__(window)
        file_menu = self.addMenu("&File")
        self.view_menu = self.addMenu("&View")
        self.mode_menu = self.addMenu("&Mode")
        self.text_menu = self.addMenu("&Text")
        self.open_video_action = action(
            window, "Open video...", slots["open_video"], QKeySequence.StandardKey.Open
        )
        self.open_folder_action = action(
            window, "Open image folder...", slots["open_folder"], "Ctrl+Shift+O"
        )
        self.open_model_action = action(
            window, "Open model...", slots["open_model"], "Ctrl+Shift+M",
            tip="open a model bundle folder", short="Open...",
        )  # fmt: skip
        quit_action = action(window, "Quit", slots["quit"], "Ctrl+Q")  # Windows has no Quit key
        for act in (self.open_video_action, self.open_folder_action, self.open_model_action):
            file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        self.mirror_action = action(
            window, "Mirror", None, "M", tip="mirror the video, as a mirror does"
        )
        self.mirror_action.setCheckable(True)
        self.mirror_action.setChecked(settings.value("view/mirror", True, type=bool))
        self.full_screen_action = action(window, "Full screen", slots["full_screen"], "F11")
        self.view_menu.addAction(self.mirror_action)
        self.view_menu.addAction(self.full_screen_action)
        self.view_menu.addSeparator()  # the panels (sign chart, practice, record) follow


class MainToolBar(QToolBar):
    """The pickers (source, model), the open actions, the modes and the mirror; the
    panels' toggles follow (:meth:`add_panel_toggle`)."""

    def __init__(
        self,
        window: QWidget,
        menus: MenuBar,
        settings: QSettings,
        model_dirs: Callable[[], list[Path]],
        use_model: Callable[[str], None],
        say: Callable[[str], None],
    ) -> None:
        super().__init__("main", window)
        self.setObjectName("main-toolbar")
        self.setMovable(False)
        self._view_menu = menus.view_menu
        self.addWidget(QLabel(" Source "))
        self.source_combo = picker(SOURCE_CHARS, "the camera, video or image folder read")
        self.addWidget(self.source_combo)
        self.open_source_button = QToolButton()
        self.open_source_button.setText("Open")
        self.open_source_button.setToolTip(
            "open a video file (Ctrl+O) or a folder of images (Ctrl+Shift+O)"
        )
        self.open_source_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.open_source_button.addAction(menus.open_video_action)
        self.open_source_button.addAction(menus.open_folder_action)
        self.addWidget(self.open_source_button)
        self.addSeparator()
        self.addWidget(QLabel(" Model "))
        self.model_combo = picker(MODEL_CHARS, "the model bundle that reads the hand")
        self.model_combo.setPlaceholderText("no model: pick one")
        self.addWidget(self.model_combo)
        self.addAction(menus.open_model_action)
        self.addSeparator()
        self.modes = ModeSwitcher(
            window, self, menus.mode_menu, settings, model_dirs, use_model, say
        )
        self.addSeparator()
        self.addAction(menus.mirror_action)
        self.addSeparator()  # the panel toggles follow

    def add_panel_toggle(self, toggle: QAction, key: str, title: str) -> None:
        """A dock's show/hide action: on the toolbar and in the View menu, with its key."""
        toggle.setText(title)
        toggle.setShortcut(QKeySequence(key))
        toggle.setToolTip(f"show or hide the {title.lower()} ({key})")
        self.addAction(toggle)
        self._view_menu.addAction(toggle)

    # --- the pickers -----------------------------------------------------------------
    def list_sources(self, cameras: list[int], recent: list[str], current: str = "") -> None:
        """The cameras found, the recent videos and folders, and the source in use (a
        missing file says so); or "No camera found"."""
        combo = self.source_combo
        combo.clear()
        for index in cameras:
            combo.addItem(f"Camera {index}", str(index))
        for spec in recent:
            combo.addItem(Path(spec).name, spec)
            combo.setItemData(combo.count() - 1, spec, Qt.ItemDataRole.ToolTipRole)
        if current and combo.findData(current) < 0:
            select_or_add(combo, source_item_text(current), current)
        if combo.count() == 0:
            combo.addItem("No camera found", "")

    def show_source(self, spec: str) -> None:
        """Select the source in use, adding it when the picker lacks it."""
        select_or_add(self.source_combo, source_item_text(spec), spec)
        self.source_combo.setItemData(
            self.source_combo.currentIndex(), spec, Qt.ItemDataRole.ToolTipRole
        )

    def list_models(self, bundles: list[Path], in_use: str) -> None:
        """The model bundles found; the one in use stays shown ("no model: pick one"
        while none is)."""
        combo = self.model_combo
        combo.clear()
        for path in bundles:
            combo.addItem(path.name, str(path))
            combo.setItemData(combo.count() - 1, str(path), Qt.ItemDataRole.ToolTipRole)
        if in_use:
            self.show_model(in_use)
        else:
            combo.setCurrentIndex(-1)

    def show_model(self, path: str) -> None:
        select_or_add(self.model_combo, Path(path).name, path)

    def no_model(self, drop: str | None = None) -> None:
        """No model is in use: "no model: pick one", without ``drop`` (a model that did
        not load is not offered again unless it is a bundle found)."""
        index = self.model_combo.findData(drop) if drop else -1
        if index >= 0:
            self.model_combo.removeItem(index)
        self.model_combo.setCurrentIndex(-1)
        self.modes.no_model()

    def model_names(self) -> list[str]:
        return [self.model_combo.itemText(i) for i in range(self.model_combo.count())]


def select_or_add(combo: QComboBox, text: str, data: str) -> None:
    """Select the item holding ``data``, adding it first when the picker lacks it."""
    index = combo.findData(data)
    if index < 0:
        combo.addItem(text, data)
        index = combo.count() - 1
    combo.setCurrentIndex(index)
