"""The composer's keys: delete the last sign, clear, copy. The text is composed in the
recognition loop (so ``--log-predictions`` carries it); these keys ask the loop for an
edit, and the text after it comes back with the next update."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

COMPOSER_KEYS = (
    ("Backspace", "Delete the last sign written"),
    ("Ctrl+Shift+Backspace", "Clear the text"),
    ("Ctrl+C", "Copy the text"),
)


class ComposerKeys:
    """Backspace, Ctrl+Shift+Backspace and Ctrl+C on ``window`` and in the Text menu (a
    focused text field keeps its own editing keys). ``edit(name)``: "backspace" or
    "clear", asked of the loop; ``copy()``: the text shown to the clipboard."""

    def __init__(
        self, window: QWidget, menu: QMenu, edit: Callable[[str], None], copy: Callable[[], None]
    ) -> None:
        slots = (lambda: edit("backspace"), lambda: edit("clear"), copy)
        self.actions: dict[str, QAction] = {}
        for (key, tip), slot in zip(COMPOSER_KEYS, slots, strict=True):
            act = QAction(tip, window)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(slot)
            window.addAction(act)
            menu.addAction(act)
            self.actions[key] = act
