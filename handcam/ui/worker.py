"""The recognition worker: one QThread owns the frame source, the hand detector and the
classifier. Results go to a single-slot mailbox that the GUI polls (latest wins); the
GUI thread never waits on the worker."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QThread, Signal

from handcam.classifier import Classifier
from handcam.composer import TextComposer
from handcam.detection import HandDetector
from handcam.errors import HandcamError
from handcam.pipeline import FrameResult, Pipeline
from handcam.predict import hand_record
from handcam.preprocess import PreprocessConfig
from handcam.realtime import FrameGrabber, LatestSlot
from handcam.smoothing import SmootherConfig
from handcam.sources import FrameSource, ImageFolderSource

log = logging.getLogger(__name__)
ClassifierFactory = Callable[[str], tuple[Classifier, PreprocessConfig]]
DetectorFactory = Callable[[str, PreprocessConfig], HandDetector]
RETRY_SECONDS = 2.0
STATS_INTERVAL_S = 0.25


@dataclass(frozen=True)
class ModelInfo:
    path: str
    labels: tuple[str, ...]
    device: str


@dataclass(frozen=True)
class WorkerStats:
    """Rates and counts for the status line (frozen: crosses to the GUI)."""

    source: str
    camera_fps: float
    processing_fps: float
    dropped: int
    stage_ms: dict[str, float]
    device: str


def real_classifier(path: str) -> tuple[Classifier, PreprocessConfig]:
    from handcam.bundle import ModelBundle
    from handcam.classifier import load_classifier

    bundle = ModelBundle.load(path)
    return load_classifier(bundle), bundle.preprocess


def real_detector(mode: str, pre: PreprocessConfig) -> HandDetector:
    from handcam.detectors import make_detector

    return make_detector(mode, pre, max_hands=2)


class RecognitionWorker(QThread):
    """Requests (source, model, smoothing) are queued from the GUI and applied in the loop."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)
    source_started = Signal(str)
    source_failed = Signal(str)  # message; live sources are retried automatically
    source_ended = Signal(str)

    def __init__(
        self,
        results: LatestSlot[FrameResult],
        classifier_factory: ClassifierFactory = real_classifier,
        detector_factory: DetectorFactory = real_detector,
        log_path: Path | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.results = results
        self._classifier_factory = classifier_factory
        self._detector_factory = detector_factory
        self._lock = threading.Lock()
        self._pending_source: tuple[Callable[[], FrameSource], str, bool] | None = None
        self._pending_model: str | None = None
        self._pending_smoother: SmootherConfig | None = None
        self._smoother = SmootherConfig()
        self._log_path = log_path
        self._stats = WorkerStats("", 0.0, 0.0, 0, {}, "")
        self.composer = TextComposer()  # composed text of every frame; the GUI edits it

    # --- requests from the GUI thread -------------------------------------------------
    def set_source(self, factory: Callable[[], FrameSource], name: str, live: bool) -> None:
        with self._lock:
            self._pending_source = (factory, name, live)

    def set_model(self, path: str) -> None:
        with self._lock:
            self._pending_model = str(path)

    def set_smoother(self, config: SmootherConfig) -> None:
        with self._lock:
            self._pending_smoother = config

    def stats(self) -> WorkerStats:
        with self._lock:
            return self._stats

    def stop(self, timeout_ms: int = 30000) -> None:
        """Interrupt and wait; the loop releases the source in this worker's thread.

        The wait is long because a model load (TensorFlow start-up) cannot be interrupted.
        """
        self.requestInterruption()
        self.wait(timeout_ms)

    # --- the loop (worker thread) -----------------------------------------------------
    def run(self) -> None:
        grabber: FrameGrabber | None = None
        classifier: Classifier | None = None
        preprocess = PreprocessConfig()
        detectors: dict[str, HandDetector] = {}
        pipeline: Pipeline | None = None
        source: tuple[Callable[[], FrameSource], str, bool] | None = None
        mode = "video"
        retry_at = 0.0
        log_file = (
            open(self._log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in finally
            if self._log_path
            else None
        )
        done_times: deque[float] = deque(maxlen=60)
        stage_hist: deque[dict[str, float]] = deque(maxlen=30)
        last_stats = 0.0
        try:
            while not self.isInterruptionRequested():
                with self._lock:
                    new_model, self._pending_model = self._pending_model, None
                    new_source, self._pending_source = self._pending_source, None
                    new_smoother, self._pending_smoother = self._pending_smoother, None
                if new_smoother is not None:
                    self._smoother = new_smoother
                    pipeline = None
                if new_model is not None:
                    try:
                        classifier, preprocess = self._classifier_factory(new_model)
                        for det in detectors.values():
                            det.close()
                        detectors.clear()
                        pipeline = None
                        self.model_ready.emit(
                            ModelInfo(new_model, classifier.labels, classifier.device)
                        )
                    except (HandcamError, OSError) as exc:
                        self.model_failed.emit(str(exc))
                if new_source is not None:
                    if grabber is not None:
                        grabber.stop()
                    source, grabber, retry_at = new_source, None, 0.0
                    pipeline = None
                if source is not None and grabber is None and time.monotonic() >= retry_at:
                    grabber = FrameGrabber(source[0], realtime=True).start()
                    self.source_started.emit(source[1])
                if grabber is None or classifier is None:
                    self.msleep(20)
                    continue
                item = grabber.slot.take(timeout=0.1)
                if item is None:
                    if grabber.done.is_set():
                        retry_at = self._source_finished(source, grabber)
                        grabber = None
                        if retry_at == float("inf"):
                            source = None
                    continue
                frame, decode_ms = item
                # Unrelated stills (a folder) are detected one by one; streams are tracked.
                wanted = "image" if grabber.source_kind is ImageFolderSource else "video"
                if pipeline is None or wanted != mode:
                    mode = wanted
                    if mode not in detectors:
                        detectors[mode] = self._detector_factory(mode, preprocess)
                    detectors[mode].reset()
                    pipeline = Pipeline(
                        detectors[mode], classifier, preprocess, self._smoother, mode == "image"
                    )
                result = pipeline.process(frame, decode_ms)
                composed = self.composer.feed(result)
                self.results.put(result)
                done_times.append(time.perf_counter())
                stage_hist.append(result.timings_ms)
                if log_file is not None:
                    log_file.write(json.dumps(_log_record(result, composed.text)) + "\n")
                    log_file.flush()
                if done_times[-1] - last_stats >= STATS_INTERVAL_S:  # read twice a second
                    last_stats = done_times[-1]
                    self._update_stats(grabber, done_times, stage_hist, classifier)
        finally:
            if grabber is not None:
                grabber.stop()
            for det in detectors.values():
                det.close()
            if log_file is not None:
                log_file.close()

    def _source_finished(self, source, grabber: FrameGrabber) -> float:
        """A source ended or failed: retry live ones (returns when), report the rest."""
        grabber.stop()
        error = grabber.error
        _, name, live = source
        if error is not None and live:
            self.source_failed.emit(f"{error} - retrying every {RETRY_SECONDS:.0f} s")
            return time.monotonic() + RETRY_SECONDS
        if error is not None:
            self.source_failed.emit(str(error))
        else:
            self.source_ended.emit(f"{name}: end of source")
        return float("inf")

    def _update_stats(self, grabber, done_times, stage_hist, classifier) -> None:
        span = done_times[-1] - done_times[0] if len(done_times) > 1 else 0.0
        proc_fps = (len(done_times) - 1) / span if span > 0 else 0.0
        elapsed = time.perf_counter() - grabber.started_at
        cam_fps = grabber.frames_read / elapsed if elapsed > 0 else 0.0
        stages = {}
        for key in stage_hist[-1]:
            vals = sorted(t[key] for t in stage_hist)
            stages[key] = vals[len(vals) // 2]
        with self._lock:
            self._stats = WorkerStats(
                grabber.source_name,
                cam_fps,
                proc_fps,
                grabber.slot.dropped,
                stages,
                classifier.device,
            )


def _log_record(result: FrameResult, text: str = "") -> dict:
    s = result.smoothed
    return {
        "frame": result.frame.index,
        "path": result.frame.path,
        "label": result.label,
        "confidence": round(result.confidence, 5),
        "hand_found": result.hand_found,
        "smoothed_label": s.label if s else None,
        "smoothed_state": s.state if s else "no_hand",
        "smoothed_confidence": round(s.confidence, 5) if s else 0.0,
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
        "hands": [hand_record(r, with_probs=False) for r in result.per_hand],
        "text": text,  # composed so far
    }
