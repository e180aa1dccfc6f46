"""The window's menu bar and its one toolbar, sized to fit a 1280-pixel window.

Every action lives in a menu (File, View, Mode, Text), where its shortcut is shown; the
toolbar holds the pickers and the actions used most, with short texts. Each action is
one QAction, in a menu and on the toolbar at once, so a shortcut never fires twice.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QLabel, QToolButton

SOURCE_CHARS = 18  # the pickers show this many characters; the rest is elided
MODEL_CHARS = 14


def picker(chars: int, tip: str) -> QComboBox:
    """A combo box whose width does not follow its longest item (a long video name)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.setToolTip(tip)
    return combo


def action(window, text: str, slot, shortcut=None, tip: str = "", short: str = "") -> QAction:
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


def build_menus_and_toolbar(window) -> None:
    """Menus, the toolbar and the pickers; sets ``window.source_combo``, ``model_combo``,
    ``toolbar``, ``view_menu``, ``mode_menu``, ``text_menu`` and the actions."""
    from handcam.ui.modes import ModeSwitcher

    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.view_menu = bar.addMenu("&View")
    window.mode_menu = bar.addMenu("&Mode")
    window.text_menu = bar.addMenu("&Text")

    window.open_video_action = action(
        window, "Open video...", window.open_video, QKeySequence.StandardKey.Open
    )
    window.open_folder_action = action(
        window, "Open image folder...", window.open_folder, "Ctrl+Shift+O"
    )
    window.open_model_action = action(
        window,
        "Open model...",
        window.open_model,
        "Ctrl+Shift+M",
        tip="open a model bundle folder",
        short="Open...",
    )
    quit_action = action(window, "Quit", window.close, "Ctrl+Q")  # Windows has no Quit key
    for act in (window.open_video_action, window.open_folder_action, window.open_model_action):
        file_menu.addAction(act)
    file_menu.addSeparator()
    file_menu.addAction(quit_action)

    window.mirror_action = action(
        window, "Mirror", None, "M", tip="mirror the video, as a mirror does"
    )
    window.mirror_action.setCheckable(True)
    window.mirror_action.setChecked(window.settings.value("view/mirror", True, type=bool))
    window.mirror_action.toggled.connect(window.mirror_toggled)
    window.full_screen_action = action(window, "Full screen", window.toggle_full_screen, "F11")
    window.view_menu.addAction(window.mirror_action)
    window.view_menu.addAction(window.full_screen_action)
    window.view_menu.addSeparator()  # the panels (sign chart, practice, record) follow

    tb = window.addToolBar("main")
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    window.toolbar = tb
    tb.addWidget(QLabel(" Source "))
    window.source_combo = picker(SOURCE_CHARS, "the camera, video or image folder read")
    tb.addWidget(window.source_combo)
    open_source = QToolButton()
    open_source.setText("Open")
    open_source.setToolTip("open a video file (Ctrl+O) or a folder of images (Ctrl+Shift+O)")
    open_source.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    open_source.addAction(window.open_video_action)
    open_source.addAction(window.open_folder_action)
    window.open_source_button = open_source
    tb.addWidget(open_source)
    tb.addSeparator()
    tb.addWidget(QLabel(" Model "))
    window.model_combo = picker(MODEL_CHARS, "the model bundle that reads the hand")
    window.model_combo.setPlaceholderText("no model: pick one")
    tb.addWidget(window.model_combo)
    tb.addAction(window.open_model_action)
    tb.addSeparator()
    window.modes = ModeSwitcher(window, tb, window.mode_menu)
    tb.addSeparator()
    tb.addAction(window.mirror_action)
    tb.addSeparator()  # the panel toggles follow (docks.add_dock)


def add_panel_toggle(window, toggle: QAction, key: str, title: str) -> None:
    """A dock's show/hide action: on the toolbar and in the View menu, with its key."""
    toggle.setText(title)
    toggle.setShortcut(QKeySequence(key))
    toggle.setToolTip(f"show or hide the {title.lower()} ({key})")
    window.toolbar.addAction(toggle)
    window.view_menu.addAction(toggle)
