"""The recognition worker: one QThread owns the frame source, the hand detector and the
classifier. Results go to a single-slot mailbox that the GUI polls (latest wins); the
GUI thread never waits on the worker.

Nothing that goes wrong in the loop ends the thread: a model that fails to load is
reported and the previous one kept; a frame that cannot be processed is skipped and
reported; a source that stalls is reported; a prediction log that cannot be written is
reported and closed. Reports go to the window as signals (a visible message).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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
from handcam.sources import Frame, FrameSource, ImageFolderSource, frame_problem

log = logging.getLogger(__name__)
ClassifierFactory = Callable[[str], tuple[Classifier, PreprocessConfig]]
DetectorFactory = Callable[[str, PreprocessConfig], HandDetector]
SourceRequest = tuple[Callable[[], FrameSource], str, bool]  # factory, name, live
RETRY_SECONDS = 2.0
STATS_INTERVAL_S = 0.25
STALL_SECONDS = 5.0  # no frame for this long: say so
REPORT_EVERY_S = 5.0  # the same kind of problem is reported at most this often
RESET_AFTER_FAILURES = 3  # frames failing in a row: the pipeline (tracking) starts afresh


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
    processed: int = 0  # frames processed since the worker started
    failed: int = 0  # frames skipped: unusable or the pipeline raised


def real_classifier(path: str) -> tuple[Classifier, PreprocessConfig]:
    from handcam.bundle import ModelBundle
    from handcam.classifier import load_classifier

    bundle = ModelBundle.load(path)
    return load_classifier(bundle), bundle.preprocess


def real_detector(mode: str, pre: PreprocessConfig) -> HandDetector:
    from handcam.detectors import make_detector

    return make_detector(mode, pre, max_hands=2)


def describe(exc: BaseException) -> str:
    """A message for the window: our own errors as they are, others with their type."""
    if isinstance(exc, HandcamError):
        return str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class _Loop:
    """What the loop holds between steps (worker thread only)."""

    grabber: FrameGrabber | None = None
    source: SourceRequest | None = None
    retry_at: float = 0.0
    last_frame_at: float = 0.0
    stalled: bool = False
    classifier: Classifier | None = None
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    detectors: dict[str, HandDetector] = field(default_factory=dict)
    pipeline: Pipeline | None = None
    detector_error: str | None = None  # the detector could not start: wait for a change
    mode: str = "video"
    done_times: deque[float] = field(default_factory=lambda: deque(maxlen=60))
    stage_hist: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=30))
    last_stats: float = 0.0
    processed: int = 0
    failed: int = 0
    failed_in_row: int = 0

    def close_detectors(self) -> None:
        for det in self.detectors.values():
            try:
                det.close()
            except Exception:  # closing must not stop the loop
                log.exception("closing a hand detector failed")
        self.detectors.clear()
        self.pipeline = None
        self.detector_error = None


class RecognitionWorker(QThread):
    """Requests (source, model, smoothing) are queued from the GUI and applied in the loop."""

    model_ready = Signal(object)  # ModelInfo
    model_failed = Signal(str)  # the previous model (if any) stays in use
    source_started = Signal(str)
    source_failed = Signal(str)  # message; live sources are retried automatically
    source_ended = Signal(str)
    problem = Signal(str)  # anything else that went wrong: frames, detector, log file

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
        self._pending_source: SourceRequest | None = None
        self._pending_model: str | None = None
        self._pending_smoother: SmootherConfig | None = None
        self._smoother = SmootherConfig()
        self._log_path = log_path
        self._log_file: IO[str] | None = None
        self._log_error: str | None = None  # opening failed: said with the first result
        self._reported: dict[str, float] = {}
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
        state = _Loop()
        self._open_log()
        try:
            while not self.isInterruptionRequested():
                try:
                    self._step(state)
                except Exception as exc:  # never end the thread: report, reset, go on
                    self._report("step", f"recognition error: {describe(exc)}", exc)
                    state.pipeline = None
                    self.msleep(100)
        finally:
            self._shut_down(state)

    def _step(self, state: _Loop) -> None:
        """One turn: apply requests, keep a source running, process the newest frame."""
        self._apply_requests(state)
        self._ensure_grabber(state)
        if state.grabber is None or state.classifier is None:
            # no model yet: frames wait, but a source that ends or fails is still said
            if state.grabber is not None and state.grabber.done.is_set():
                self._check_source(state)
            self.msleep(20)
            return
        item = state.grabber.slot.take(timeout=0.1)
        if item is None:
            self._check_source(state)
            return
        state.last_frame_at, state.stalled = time.monotonic(), False
        self._process(state, *item)

    def _apply_requests(self, state: _Loop) -> None:
        with self._lock:
            new_model, self._pending_model = self._pending_model, None
            new_source, self._pending_source = self._pending_source, None
            new_smoother, self._pending_smoother = self._pending_smoother, None
        if new_smoother is not None:
            self._smoother = new_smoother
            if state.pipeline is not None:  # tracks, smoothed state and J/Z paths go on
                state.pipeline.configure_smoother(new_smoother)
        if new_model is not None:
            self._load_model(state, new_model)
        if new_source is not None:
            self._stop_grabber(state)
            state.source, state.retry_at = new_source, 0.0
            state.pipeline, state.detector_error = None, None

    def _load_model(self, state: _Loop, path: str) -> None:
        """Load a model; on any failure report it and keep the one in use."""
        try:
            classifier, preprocess = self._classifier_factory(path)
        except Exception as exc:
            log.warning("model %s not loaded", path, exc_info=not isinstance(exc, HandcamError))
            kept = " (the previous model stays in use)" if state.classifier else ""
            message = describe(exc)
            if path not in message:
                message = f"{path}: {message}"
            self.model_failed.emit(message + kept)
            return
        state.classifier, state.preprocess = classifier, preprocess
        state.close_detectors()  # built for the old model's preprocessing
        state.last_frame_at = time.monotonic()  # loading is not a stalled source
        self.model_ready.emit(ModelInfo(path, classifier.labels, classifier.device))

    def _ensure_grabber(self, state: _Loop) -> None:
        if state.source is None or state.grabber is not None:
            return
        if time.monotonic() < state.retry_at:
            return
        state.grabber = FrameGrabber(state.source[0], realtime=True).start()
        state.last_frame_at, state.stalled = time.monotonic(), False
        self.source_started.emit(state.source[1])

    def _stop_grabber(self, state: _Loop) -> None:
        if state.grabber is not None:
            # a blocked source is abandoned quickly (its thread ends when the read returns)
            state.grabber.stop(timeout=1.0 if state.stalled else 5.0)
            state.grabber = None

    def _check_source(self, state: _Loop) -> None:
        """No frame came: the source ended, failed, or stalls."""
        grabber = state.grabber
        assert grabber is not None and state.source is not None
        if grabber.done.is_set():
            state.retry_at = self._source_finished(state.source, grabber)
            state.grabber = None
            if state.retry_at == float("inf"):
                state.source = None
            return
        waited = time.monotonic() - state.last_frame_at
        if not state.stalled and waited >= STALL_SECONDS:
            state.stalled = True
            name = grabber.source_name or state.source[1]
            self.problem.emit(f"{name}: no frame for {waited:.0f} s (blocked or busy?) - waiting")

    def _process(self, state: _Loop, frame: Frame, decode_ms: float) -> None:
        """Recognise one frame; an unusable frame or a failing pipeline skips it."""
        bad = frame_problem(frame.image)
        if bad is not None:
            state.failed += 1
            self._report("frame", f"{frame.source}: frame {frame.index} skipped: {bad}")
            return
        pipeline = self._ensure_pipeline(state)
        if pipeline is None:
            return
        try:
            result = pipeline.process(frame, decode_ms)
        except Exception as exc:
            state.failed += 1
            state.failed_in_row += 1
            if state.failed_in_row >= RESET_AFTER_FAILURES:  # its state may be bad: afresh
                state.pipeline = None
            self._report("process", f"frame {frame.index} not recognised: {describe(exc)}", exc)
            return
        composed = self.composer.feed(result)
        self.results.put(result)
        state.processed += 1
        state.failed_in_row = 0
        state.done_times.append(time.perf_counter())
        state.stage_hist.append(result.timings_ms)
        self._write_log(result, composed.text)
        if state.done_times[-1] - state.last_stats >= STATS_INTERVAL_S:
            state.last_stats = state.done_times[-1]
            self._update_stats(state)

    def _ensure_pipeline(self, state: _Loop) -> Pipeline | None:
        """The pipeline for this source kind; None (reported once) if no detector starts."""
        assert state.grabber is not None and state.classifier is not None
        # Unrelated stills (a folder) are detected one by one; streams are tracked.
        wanted = "image" if state.grabber.source_kind is ImageFolderSource else "video"
        if state.pipeline is not None and wanted == state.mode:
            return state.pipeline
        if state.detector_error is not None and wanted == state.mode:
            return None  # already reported; a new model or source tries again
        state.mode = wanted
        try:
            if wanted not in state.detectors:
                state.detectors[wanted] = self._detector_factory(wanted, state.preprocess)
            state.detectors[wanted].reset()
        except Exception as exc:
            log.exception("hand detector (%s) did not start", wanted)
            state.detector_error = describe(exc)
            state.detectors.pop(wanted, None)
            self.problem.emit(f"hand detector did not start: {state.detector_error}")
            return None
        state.detector_error = None
        state.pipeline = Pipeline(
            state.detectors[wanted],
            state.classifier,
            state.preprocess,
            self._smoother,
            wanted == "image",
        )
        return state.pipeline

    def _shut_down(self, state: _Loop) -> None:
        try:
            self._stop_grabber(state)
        finally:
            state.close_detectors()
            self._close_log()

    # --- reports and the prediction log -----------------------------------------------
    def _report(self, kind: str, message: str, exc: BaseException | None = None) -> None:
        """Emit ``problem`` and log it, at most once per REPORT_EVERY_S for each kind (a
        bad frame every frame must flood neither the window nor the log)."""
        now = time.monotonic()
        if now - self._reported.get(kind, -REPORT_EVERY_S) >= REPORT_EVERY_S:
            self._reported[kind] = now
            log.warning("%s", message, exc_info=exc)
            self.problem.emit(message)

    def _open_log(self) -> None:
        """Open the log now (it exists even if no frame comes); a failure is said with
        the first result, where the source's own start message does not hide it."""
        if self._log_path is None:
            return
        try:
            self._log_file = open(self._log_path, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            self._log_error = f"prediction log not written: {describe(exc)}"
            log.warning("%s", self._log_error)

    def _write_log(self, result: FrameResult, text: str = "") -> None:
        if self._log_error is not None:
            self.problem.emit(self._log_error)
            self._log_error = None
        if self._log_file is None:
            return
        try:
            self._log_file.write(json.dumps(_log_record(result, text)) + "\n")
            self._log_file.flush()
        except (OSError, ValueError) as exc:  # a full disk; recognition goes on
            self.problem.emit(f"prediction log stopped: {describe(exc)}")
            self._close_log()

    def _close_log(self) -> None:
        log_file, self._log_file = self._log_file, None
        if log_file is not None:
            try:
                log_file.close()
            except OSError:  # its last buffer could not be written: already reported
                log.warning("closing the prediction log failed", exc_info=True)

    # --- sources and stats ------------------------------------------------------------
    def _source_finished(self, source: SourceRequest, grabber: FrameGrabber) -> float:
        """A source ended or failed: retry live ones (returns when), report the rest."""
        grabber.stop()
        error = grabber.error
        _, name, live = source
        if error is not None and live:
            self.source_failed.emit(f"{describe(error)} - retrying every {RETRY_SECONDS:.0f} s")
            return time.monotonic() + RETRY_SECONDS
        if error is not None:
            self.source_failed.emit(describe(error))
        else:
            self.source_ended.emit(f"{name}: end of source")
        return float("inf")

    def _update_stats(self, state: _Loop) -> None:
        grabber, done_times, stage_hist = state.grabber, state.done_times, state.stage_hist
        assert grabber is not None and state.classifier is not None
        span = done_times[-1] - done_times[0] if len(done_times) > 1 else 0.0
        proc_fps = (len(done_times) - 1) / span if span > 0 else 0.0
        elapsed = time.perf_counter() - grabber.started_at
        cam_fps = grabber.frames_read / elapsed if elapsed > 0 else 0.0
        stages = {}
        for key in stage_hist[-1]:
            vals = sorted(t.get(key, 0.0) for t in stage_hist)
            stages[key] = vals[len(vals) // 2]
        with self._lock:
            self._stats = WorkerStats(
                grabber.source_name,
                cam_fps,
                proc_fps,
                grabber.slot.dropped,
                stages,
                state.classifier.device,
                state.processed,
                state.failed,
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
