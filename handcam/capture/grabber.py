"""Frames from a source to the recognition loop (no Qt), two ways with one interface:

- :class:`FrameGrabber`: a capture thread paces files at their rate and puts each frame in
  a single-slot mailbox where the newest frame wins (live use: old frames are worthless);
- :class:`InlineReader`: the loop reads every frame itself, none dropped (``predict``,
  ``bench``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from handcam.capture.sources import Frame, FrameSource
from handcam.errors import HandcamError

log = logging.getLogger(__name__)
T = TypeVar("T")


class LatestSlot(Generic[T]):
    """A single-slot mailbox: ``put`` replaces an unread item (counted as dropped)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self.dropped = 0

    def put(self, item: T) -> None:
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify()

    def take(self, timeout: float | None = None) -> T | None:
        """The newest item, waiting up to ``timeout`` s; None when empty or closed."""
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            self._cond.notify_all()  # a producer may wait for the slot to empty
            return item

    def wait_taken(self, timeout: float | None = None) -> bool:
        """Wait until the item put last has been taken (or the slot closed); True if so."""
        with self._cond:
            if self._item is not None and not self._closed:
                self._cond.wait(timeout)
            return self._item is None or self._closed

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed


class FrameGrabber:
    """Reads a source in its own thread into a LatestSlot, pacing files at their fps.

    ``on_end(error)`` is called from the grab thread when the source ends (error None)
    or fails (error set). The source is opened by ``open_source`` inside the thread,
    so a slow or hanging camera never blocks the caller; it is released there too.
    """

    def __init__(
        self,
        open_source: Callable[[], FrameSource],
        realtime: bool = True,
        on_end: Callable[[Exception | None], None] | None = None,
    ) -> None:
        self.slot: LatestSlot[tuple[Frame, float]] = LatestSlot()
        self._open = open_source
        self._realtime = realtime
        self._on_end = on_end
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame-grabber", daemon=True)
        self.frames_read = 0
        self.source_name = ""
        self.source_kind: type | None = None
        self.started_at = 0.0
        self.done = threading.Event()  # set when the source ended or failed
        self.error: Exception | None = None  # why it failed (None: it just ended)

    def start(self) -> FrameGrabber:
        self.started_at = time.perf_counter()
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.slot.close()
        self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def take(self, timeout: float | None = None) -> tuple[Frame, float] | None:
        """The newest (frame, decode ms), waiting up to ``timeout`` s; None if none came."""
        return self.slot.take(timeout)

    @property
    def dropped(self) -> int:
        return self.slot.dropped

    def _run(self) -> None:
        error: Exception | None = None
        source = None
        try:
            source = self._open()
            self.source_name = source.name
            self.source_kind = type(source)
            period = 1.0 / source.fps if (self._realtime and source.fps) else 0.0
            next_due = time.perf_counter()
            while not self._stop.is_set():
                t0 = time.perf_counter()
                frame = source.read()
                if frame is None:
                    break
                self.frames_read += 1
                self.slot.put((frame, (time.perf_counter() - t0) * 1e3))
                while source.every_frame and not self.slot.wait_taken(0.1):
                    if self._stop.is_set():  # stills: the next waits for this one's turn
                        break
                if period and not source.is_live:
                    next_due += period
                    delay = next_due - time.perf_counter()
                    if delay > 0:
                        self._stop.wait(delay)
                    else:
                        next_due = time.perf_counter()
        except HandcamError as exc:
            error = exc
        except Exception as exc:  # a driver error must not kill the app silently
            log.exception("frame grabber failed")
            error = exc
        finally:
            if source is not None:
                try:
                    source.close()
                except Exception as exc:  # a driver that fails to close: said, not stalled
                    log.warning("%s did not close: %s", self.source_name or "source", exc)
                    error = error or exc
            self.error = error
            self.done.set()
            self.slot.close()
            if self._on_end is not None:
                self._on_end(error)


class InlineReader:
    """Reads every frame of a source in the caller's thread (the interface of
    :class:`FrameGrabber`; nothing is dropped, nothing is paced)."""

    def __init__(self, open_source: Callable[[], FrameSource]) -> None:
        self._open = open_source
        self._source: FrameSource | None = None
        self.frames_read = 0
        self.dropped = 0
        self.source_name = ""
        self.source_kind: type | None = None
        self.started_at = 0.0
        self.done = threading.Event()
        self.error: Exception | None = None

    def start(self) -> InlineReader:
        self.started_at = time.perf_counter()
        try:
            self._source = self._open()
        except Exception as exc:  # said by the loop, as the grabber's errors are
            self._finish(exc)
            return self
        self.source_name = self._source.name
        self.source_kind = type(self._source)
        return self

    def take(self, timeout: float | None = None) -> tuple[Frame, float] | None:
        """The next (frame, decode ms); None at the end or after a failure (``done``)."""
        if self._source is None or self.done.is_set():
            return None
        t0 = time.perf_counter()
        try:
            frame = self._source.read()
        except Exception as exc:
            self._finish(exc)
            return None
        if frame is None:
            self._finish(None)
            return None
        self.frames_read += 1
        return frame, (time.perf_counter() - t0) * 1e3

    def stop(self, timeout: float = 5.0) -> None:
        self._finish(self.error)

    @property
    def running(self) -> bool:
        return not self.done.is_set()

    def _finish(self, error: Exception | None) -> None:
        if self._source is not None:
            source, self._source = self._source, None
            try:
                source.close()
            except Exception as exc:
                log.warning("%s did not close: %s", self.source_name or "source", exc)
                error = error or exc
        if not self.done.is_set():
            if error is not None and not isinstance(error, HandcamError):
                log.warning("reading %s failed", self.source_name or "the source", exc_info=error)
            self.error = error
            self.done.set()
