"""The Qt side of the recognition loop: a QThread that runs a
:class:`~handcam.recognition.session.RecognitionSession` and turns what it says into
signals. Each frame's frozen :class:`~handcam.recognition.events.Processed` (the result and
the text after it), and each :class:`~handcam.recognition.events.TextEdited`, go to the
worker's single-slot mailbox that the GUI polls (latest wins); the GUI thread never waits
on the worker and never reads the session's state. Everything else (sources, models, the
composer, the log, faults) is the session's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from handcam.capture.grabber import LatestSlot
from handcam.capture.sources import FrameSource
from handcam.recognition.assemble import load_model
from handcam.recognition.events import (
    ModelFailed,
    ModelInfo,
    ModelReady,
    Problem,
    Processed,
    SessionStats,
    SourceEnded,
    SourceFailed,
    SourceStarted,
    TextEdited,
)
from handcam.recognition.session import DetectorFactory, ModelLoader, open_session
from handcam.signs.composer import ComposerConfig
from handcam.signs.smoothing import SmootherConfig

log = logging.getLogger(__name__)
__all__ = ["ModelInfo", "Processed", "RecognitionWorker", "SessionStats", "TextEdited"]

Update = Processed | TextEdited  # what the mailbox holds


class RecognitionWorker(QThread):
    """Runs a session in its own thread; requests go straight to the session."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)  # the previous model (if any) stays in use
    source_started = Signal(str)
    source_failed = Signal(str)  # message; live sources are retried automatically
    source_ended = Signal(str)
    problem = Signal(str)  # anything else that went wrong: frames, detector, log file

    def __init__(
        self,
        model_loader: ModelLoader = load_model,
        detector_factory: DetectorFactory | None = None,
        log_path: Path | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._updates: LatestSlot[Update] = LatestSlot()
        self.session = open_session(
            model_loader=model_loader, detector_factory=detector_factory, log_path=log_path
        )
        self._signals = {
            ModelReady: lambda e: self.model_ready.emit(e.info),
            ModelFailed: lambda e: self.model_failed.emit(e.message),
            SourceStarted: lambda e: self.source_started.emit(e.name),
            SourceFailed: lambda e: self.source_failed.emit(e.message),
            SourceEnded: lambda e: self.source_ended.emit(e.message),
            Problem: lambda e: self.problem.emit(e.message),
        }

    def take_update(self) -> Update | None:
        """The newest frame (or text edit) the loop has finished, if any (GUI thread)."""
        return self._updates.take(timeout=0)

    # --- requests from the GUI thread -------------------------------------------------
    def set_source(self, factory: Callable[[], FrameSource], name: str, live: bool) -> None:
        self.session.set_source(factory, name, live)

    def set_model(self, path: str) -> None:
        self.session.set_model(path)

    def set_smoother(self, config: SmootherConfig) -> None:
        self.session.set_smoother(config)

    def set_composing(self, config: ComposerConfig) -> None:
        self.session.set_composing(config)

    def edit_text(self, edit: str) -> None:
        """ "backspace" or "clear"; the text after it comes back through the mailbox."""
        self.session.edit_text(edit)

    def stats(self) -> SessionStats:
        return self.session.stats()

    def stop(self, timeout_ms: int = 30000) -> None:
        """Interrupt and wait; the session releases the source in this worker's thread.

        The wait is long because a model load (TensorFlow start-up) cannot be interrupted.
        """
        self.requestInterruption()
        self.wait(timeout_ms)

    # --- the loop (worker thread) -----------------------------------------------------
    def run(self) -> None:
        for event in self.session.run(self.isInterruptionRequested):
            if isinstance(event, Processed | TextEdited):
                self._updates.put(event)
            else:
                self._signals[type(event)](event)
