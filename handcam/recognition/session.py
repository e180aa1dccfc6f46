"""The recognition session: the one Qt-free loop that the window, ``handcam predict`` on a
video, ``handcam bench`` and the soak run.

A session owns a frame source (:mod:`handcam.recognition.feed`), a loaded model, the hand
detectors and the pipeline, the text composer, the prediction log and the running figures.
Requests (a new source, model, smoothing or text edit) may come from any thread and are
applied at the start of the next step.
:meth:`RecognitionSession.run` is a plain generator of :class:`Event` objects, as napari's
workers wrap plain generators: the window's Qt worker turns them into signals and puts each
frame's frozen :class:`Processed` (the result and the text after it) in its mailbox;
``predict`` reads them in its own thread. The composer is the loop's alone: the window's
edits (backspace, clear) and composing settings are requests too, and what they did comes
back as a :class:`TextEdited`. :func:`open_session` is the one way to build a session.

Nothing that goes wrong ends the loop: a model that fails to load is said and the previous
one kept; a frame that cannot be processed is skipped and said (the pipeline starts afresh
after three failures in a row); a live source that fails is retried every 2 s; a source
that stalls is said; a prediction log that cannot be written is said and closed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from handcam.capture.sources import Frame, FrameSource, detection_kind, frame_problem
from handcam.errors import HandcamError
from handcam.hands.hand import HandDetector
from handcam.model.gate import describe_gate
from handcam.recognition.assemble import LoadedModel, assemble, detector_for, load_model
from handcam.recognition.events import (
    Event,
    ModelFailed,
    ModelInfo,
    ModelReady,
    Problem,
    Processed,
    SessionStats,
    TextEdited,
    describe,
)
from handcam.recognition.feed import SourceFeed, SourceRequest
from handcam.recognition.pipeline import Pipeline
from handcam.recognition.records import PredictionLog
from handcam.signs.compose_stage import TEXT_EDITS, TextComposer
from handcam.signs.composer import ComposerConfig
from handcam.signs.smoothing import SmootherConfig

log = logging.getLogger(__name__)

ModelLoader = Callable[[str], LoadedModel]
DetectorFactory = Callable[[str, LoadedModel], HandDetector]
STATS_INTERVAL_S = 0.25
REPORT_EVERY_S = 5.0  # the same kind of problem is said at most this often
RESET_AFTER_FAILURES = 3  # frames failing in a row: the pipeline (tracking) starts afresh


@dataclass
class _State:
    """What the loop holds between steps (the loop's thread only)."""

    feed: SourceFeed
    model: LoadedModel | None = None
    detectors: dict[str, HandDetector] = field(default_factory=dict)
    pipeline: Pipeline | None = None
    detector_error: str | None = None  # the detector could not start: wait for a change
    kind: str = "video"
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


class RecognitionSession:
    """Frames of one source through one model, step by step (build it with
    :func:`open_session`).

    ``realtime``: read sources in a capture thread where the newest frame wins (the
    window); otherwise every frame is read and processed in the loop's thread (``predict``,
    ``bench``). ``model_loader`` and ``detector_factory``: tests pass fakes.
    """

    def __init__(
        self,
        model_loader: ModelLoader,
        detector_factory: DetectorFactory,
        log_path: Path | None = None,
        realtime: bool = True,
    ) -> None:
        self._load = model_loader
        self._make_detector = detector_factory
        self.realtime = realtime
        self.composer = TextComposer()  # the loop's own: others ask (edit_text, ...)
        self._lock = threading.Lock()
        self._pending_source: SourceRequest | None = None
        self._pending_model: str | LoadedModel | None = None
        self._pending_smoother: SmootherConfig | None = None
        self._pending_composing: ComposerConfig | None = None
        self._pending_edits: list[str] = []
        self._smoother = SmootherConfig()
        self._log_path = log_path
        self._log: PredictionLog | None = None  # opened at the first step
        self._reported: dict[str, float] = {}
        self._stats = SessionStats("", 0.0, 0.0, 0, {}, "")
        self._events: list[Event] = []
        self._state = _State(SourceFeed(realtime, self._events.append))

    # --- requests (any thread) ----------------------------------------------------------
    def set_source(self, factory: Callable[[], FrameSource], name: str, live: bool) -> None:
        with self._lock:
            self._pending_source = (factory, name, live)

    def set_model(self, model: str | Path | LoadedModel) -> None:
        """A bundle path to load in the loop, or a model already loaded."""
        with self._lock:
            self._pending_model = model if isinstance(model, LoadedModel) else str(model)

    def set_smoother(self, config: SmootherConfig) -> None:
        with self._lock:
            self._pending_smoother = config

    def set_composing(self, config: ComposerConfig) -> None:
        """New hold / end-of-word times for the composer (the text stays)."""
        with self._lock:
            self._pending_composing = config

    def edit_text(self, edit: str) -> None:
        """Ask for a text edit (one of ``TEXT_EDITS``: backspace, clear), applied in order
        between frames; a :class:`TextEdited` says the text after it."""
        if edit not in TEXT_EDITS:
            raise ValueError(f"unknown text edit {edit!r}; expected one of {TEXT_EDITS}")
        with self._lock:
            self._pending_edits.append(edit)

    def stats(self) -> SessionStats:
        with self._lock:
            return self._stats

    # --- the loop (one thread) ------------------------------------------------------------
    def run(
        self, should_stop: Callable[[], bool] = lambda: False, until_source_ends: bool = False
    ) -> Iterator[Event]:
        """Step until ``should_stop()`` (or, with ``until_source_ends``, until the source
        has ended or failed for good), yielding what each step says; then close."""
        try:
            while not should_stop():
                yield from self.step()
                if until_source_ends and self.finished:
                    return
        finally:
            self.close()

    def step(self) -> list[Event]:
        """One turn: apply requests, keep a source running, process the newest frame."""
        if self._log is None:
            self._log = PredictionLog(self._log_path)
        try:
            self._step(self._state)
        except Exception as exc:  # never end the loop: say it, start the pipeline afresh
            self._report("step", f"recognition error: {describe(exc)}", exc)
            self._state.pipeline = None
            time.sleep(0.1)
        events = list(self._events)
        self._events.clear()  # the feed says into this same list
        return events

    def close(self) -> None:
        """Stop the source (in this thread), close the detectors and the log."""
        state = self._state
        try:
            state.feed.stop()
        finally:
            state.close_detectors()
            if self._log is not None:
                self._log.close()

    def detector(self, kind: str) -> HandDetector | None:
        """The hand detector in use for a kind of source ("video", "image"), if made."""
        return self._state.detectors.get(kind)

    @property
    def source_kind(self) -> str:
        """ "image" while unrelated stills are read, else "video"."""
        return self._state.kind

    @property
    def finished(self) -> bool:
        """No source is running or asked for: it ended or failed for good."""
        with self._lock:
            pending = self._pending_source is not None
        return not pending and self._state.feed.source is None

    def _step(self, state: _State) -> None:
        self._apply_requests(state)
        feed = state.feed
        feed.ensure()
        if feed.reader is None or state.model is None:
            # no model yet: frames wait, but a source that ends or fails is still said
            if feed.reader is not None and feed.reader.done.is_set():
                feed.check()
            if feed.source is None or state.model is None or self.realtime:
                time.sleep(0.02)
            return
        item = feed.take(timeout=0.1)
        if item is not None:
            self._process(state, *item)

    def _apply_requests(self, state: _State) -> None:
        with self._lock:
            new_model, self._pending_model = self._pending_model, None
            new_source, self._pending_source = self._pending_source, None
            new_smoother, self._pending_smoother = self._pending_smoother, None
            composing, self._pending_composing = self._pending_composing, None
            edits, self._pending_edits = self._pending_edits, []
        if composing is not None or edits:
            if composing is not None:
                self.composer.set_config(composing)
            for edit in edits:
                self.composer.edit(edit)
            self._events.append(TextEdited(self.composer.snapshot()))
        if new_smoother is not None:
            self._smoother = new_smoother
            if state.pipeline is not None:  # tracks, smoothed state and J/Z paths go on
                state.pipeline.configure_smoother(new_smoother)
        if new_model is not None:
            self._load_model(state, new_model)
        if new_source is not None:
            state.feed.switch(new_source)
            state.pipeline, state.detector_error = None, None

    def _load_model(self, state: _State, request: str | LoadedModel) -> None:
        """Load a model; on any failure say so and keep the one in use."""
        if isinstance(request, LoadedModel):
            model = request
        else:
            try:
                model = self._load(request)
            except Exception as exc:
                log.warning(
                    "model %s not loaded", request, exc_info=not isinstance(exc, HandcamError)
                )
                kept = " (the previous model stays in use)" if state.model else ""
                message = describe(exc)
                if request not in message:
                    message = f"{request}: {message}"
                self._events.append(ModelFailed(message + kept))
                return
        state.model = model
        state.close_detectors()  # built for the old model's preprocessing
        state.feed.waited()  # loading is not a stalled source
        path = request if isinstance(request, str) else model.path
        gate = describe_gate(model.gate)
        info = ModelInfo(
            path, model.labels, model.device, gate, model.warnings, model.motion_signs,
            model.personal,
        )  # fmt: skip
        self._events.append(ModelReady(info))

    def _process(self, state: _State, frame: Frame, decode_ms: float) -> None:
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
        state.processed += 1
        state.failed_in_row = 0
        state.done_times.append(time.perf_counter())
        state.stage_hist.append(result.timings_ms)
        assert self._log is not None
        said = self._log.write(result, composed.text)
        if said is not None:
            self._events.append(Problem(said))
        self._events.append(Processed(result, composed))
        if state.done_times[-1] - state.last_stats >= STATS_INTERVAL_S:
            state.last_stats = state.done_times[-1]
            self._update_stats(state)

    def _ensure_pipeline(self, state: _State) -> Pipeline | None:
        """The pipeline for this source kind; None (said once) if no detector starts."""
        assert state.feed.reader is not None and state.model is not None
        wanted = detection_kind(state.feed.reader.source_kind)
        if state.pipeline is not None and wanted == state.kind:
            return state.pipeline
        if state.detector_error is not None and wanted == state.kind:
            return None  # already said; a new model or source tries again
        state.kind = wanted
        try:
            if wanted not in state.detectors:
                state.detectors[wanted] = self._make_detector(wanted, state.model)
            detector = state.detectors[wanted]
            state.pipeline = assemble(state.model, wanted, self._smoother, detector=detector)
        except Exception as exc:
            log.exception("hand detector (%s) did not start", wanted)
            state.detector_error = describe(exc)
            state.detectors.pop(wanted, None)
            self._events.append(Problem(f"hand detector did not start: {state.detector_error}"))
            return None
        state.detector_error = None
        return state.pipeline

    # --- reports and the prediction log -----------------------------------------------
    def _report(self, kind: str, message: str, exc: BaseException | None = None) -> None:
        """Say a problem and log it, at most once per REPORT_EVERY_S for each kind (a bad
        frame every frame must flood neither the window nor the log)."""
        now = time.monotonic()
        if now - self._reported.get(kind, -REPORT_EVERY_S) >= REPORT_EVERY_S:
            self._reported[kind] = now
            log.warning("%s", message, exc_info=exc)
            self._events.append(Problem(message))

    def _update_stats(self, state: _State) -> None:
        reader, done_times, stage_hist = state.feed.reader, state.done_times, state.stage_hist
        assert reader is not None and state.model is not None
        span = done_times[-1] - done_times[0] if len(done_times) > 1 else 0.0
        proc_fps = (len(done_times) - 1) / span if span > 0 else 0.0
        elapsed = time.perf_counter() - reader.started_at
        cam_fps = reader.frames_read / elapsed if elapsed > 0 else 0.0
        stages = {}
        for key in stage_hist[-1]:
            vals = sorted(t.get(key, 0.0) for t in stage_hist)
            stages[key] = vals[len(vals) // 2]
        with self._lock:
            self._stats = SessionStats(
                reader.source_name,
                cam_fps,
                proc_fps,
                reader.dropped,
                stages,
                state.model.device,
                state.processed,
                state.failed,
                live=detection_kind(reader.source_kind) == "video",
            )


def open_session(
    model: str | Path | LoadedModel | None = None,
    *,
    realtime: bool = True,
    log_path: Path | None = None,
    max_hands: int = 2,
    model_loader: ModelLoader = load_model,
    detector_factory: DetectorFactory | None = None,
) -> RecognitionSession:
    """The one way to build a recognition session (the window's worker, ``predict``,
    ``bench``, the soak): ``model``, a bundle path (loaded in the loop by
    ``model_loader``) or a model already loaded, may also come later through
    :meth:`RecognitionSession.set_model`. Hand detectors come from the model's detection
    settings (:func:`~handcam.recognition.assemble.detector_for`) unless
    ``detector_factory`` (tests: fakes) is given."""

    def detectors(kind: str, loaded: LoadedModel) -> HandDetector:
        return detector_for(kind, loaded.preprocess, max_hands)

    session = RecognitionSession(model_loader, detector_factory or detectors, log_path, realtime)
    if model is not None:
        session.set_model(model)
    return session
