"""Listing cameras off the GUI thread: each probe can take a second, or hang on a broken
driver, so the window comes up at once and fills its source picker when the list comes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class CameraLister(QObject):
    """Lists cameras on a daemon thread (a hung probe never blocks start-up or exit) and
    delivers them with ``found`` on the GUI thread."""

    found = Signal(list)

    def __init__(self, parent=None, list_fn: Callable[[], list[int]] | None = None):
        super().__init__(parent)
        self._list_fn = list_fn
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="camera-lister", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from handcam.capture import sources

        try:
            cameras = (self._list_fn or sources.list_cameras)()
        except Exception:  # a driver error: no cameras, the app still starts
            log.exception("listing cameras failed")
            cameras = []
        self.found.emit(list(cameras))  # queued to the GUI thread
