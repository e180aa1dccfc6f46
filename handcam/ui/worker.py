"""The Qt side of the recognition loop: a QThread that runs a
:class:`~handcam.recognition.session.RecognitionSession` and turns what it says into
signals. Results go to a single-slot mailbox that the GUI polls (latest wins); the GUI
thread never waits on the worker. Everything else (sources, models, the log, faults) is
the session's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from handcam.capture.grabber import LatestSlot
from handcam.capture.sources import FrameSource
from handcam.recognition.assemble import load_model, make_detector
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
)
from handcam.recognition.pipeline import FrameResult
from handcam.recognition.session import DetectorFactory, ModelLoader, RecognitionSession
from handcam.signs.compose_stage import TextComposer
from handcam.signs.smoothing import SmootherConfig

log = logging.getLogger(__name__)
__all__ = ["ModelInfo", "RecognitionWorker", "SessionStats"]


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
        results: LatestSlot[FrameResult],
        model_loader: ModelLoader = load_model,
        detector_factory: DetectorFactory = make_detector,
        log_path: Path | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.results = results
        self.session = RecognitionSession(model_loader, detector_factory, log_path)
        self._signals = {
            ModelReady: lambda e: self.model_ready.emit(e.info),
            ModelFailed: lambda e: self.model_failed.emit(e.message),
            SourceStarted: lambda e: self.source_started.emit(e.name),
            SourceFailed: lambda e: self.source_failed.emit(e.message),
            SourceEnded: lambda e: self.source_ended.emit(e.message),
            Problem: lambda e: self.problem.emit(e.message),
        }

    @property
    def composer(self) -> TextComposer:
        """The composed text of every frame; the GUI edits it."""
        return self.session.composer

    # --- requests from the GUI thread -------------------------------------------------
    def set_source(self, factory: Callable[[], FrameSource], name: str, live: bool) -> None:
        self.session.set_source(factory, name, live)

    def set_model(self, path: str) -> None:
        self.session.set_model(path)

    def set_smoother(self, config: SmootherConfig) -> None:
        self.session.set_smoother(config)

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
            if isinstance(event, Processed):
                self.results.put(event.result)
            else:
                self._signals[type(event)](event)
