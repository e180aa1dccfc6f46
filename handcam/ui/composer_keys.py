"""The composer's keys on the window: delete the last sign, clear, copy. The text is
composed in the recognition loop (``worker.composer``), so ``--log-predictions`` carries
it; the window shows it and edits it from here."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

COMPOSER_KEYS = (
    ("Backspace", "Delete the last sign written"),
    ("Ctrl+Shift+Backspace", "Clear the text"),
    ("Ctrl+C", "Copy the text"),
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
        menu = getattr(window, "text_menu", None)
        if menu is not None:
            menu.addAction(action)
