"""The session's frame source: opened, read, retried, said when it stalls, ends or fails.

``realtime``: the source is read in a capture thread where the newest frame wins (the
window); otherwise every frame is read in the loop's thread (``predict``, ``bench``). A
live source (a camera) that fails is tried again every ``RETRY_SECONDS``; a source that
gives no frame for ``STALL_SECONDS`` is said once; one that ends or fails for good is
said and dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from handcam.capture.grabber import FrameGrabber, InlineReader
from handcam.capture.sources import Frame, FrameSource
from handcam.recognition.events import (
    Event,
    Problem,
    SourceEnded,
    SourceFailed,
    SourceStarted,
    describe,
)

RETRY_SECONDS = 2.0
STALL_SECONDS = 5.0  # no frame for this long: say so

SourceRequest = tuple[Callable[[], FrameSource], str, bool]  # factory, name, live


class SourceFeed:
    """One source at a time for the loop; what it has to say goes to ``say``."""

    def __init__(self, realtime: bool, say: Callable[[Event], None]) -> None:
        self.realtime = realtime
        self._say = say
        self.reader: FrameGrabber | InlineReader | None = None
        self.source: SourceRequest | None = None  # the source asked for (None: none, or done)
        self.retry_at = 0.0
        self.last_frame_at = 0.0
        self.stalled = False

    def switch(self, source: SourceRequest) -> None:
        """Stop the source read now; open ``source`` at the next :meth:`ensure`."""
        self.stop()
        self.source, self.retry_at = source, 0.0

    def ensure(self) -> None:
        """Start reading the source asked for, unless it reads already or waits to retry."""
        if self.source is None or self.reader is not None:
            return
        if time.monotonic() < self.retry_at:
            return
        factory = self.source[0]
        reader = FrameGrabber(factory, realtime=True) if self.realtime else InlineReader(factory)
        self.reader = reader.start()
        self.last_frame_at, self.stalled = time.monotonic(), False
        self._say(SourceStarted(self.source[1]))

    def take(self, timeout: float) -> tuple[Frame, float] | None:
        """The next (frame, decode ms); None when none came (then it checks why)."""
        assert self.reader is not None
        item = self.reader.take(timeout=timeout)
        if item is None:
            self.check()
            return None
        self.last_frame_at, self.stalled = time.monotonic(), False
        return item

    def waited(self) -> None:
        """A model load or the like took a while: that is not a stalled source."""
        self.last_frame_at = time.monotonic()

    def stop(self) -> None:
        if self.reader is not None:
            # a blocked source is abandoned quickly (its thread ends when the read returns)
            self.reader.stop(timeout=1.0 if self.stalled else 5.0)
            self.reader = None

    def check(self) -> None:
        """No frame came: the source ended, failed, or stalls."""
        reader = self.reader
        assert reader is not None and self.source is not None
        if reader.done.is_set():
            self.retry_at = self._finished(self.source, reader)
            self.reader = None
            if self.retry_at == float("inf"):
                self.source = None
            return
        waited = time.monotonic() - self.last_frame_at
        if not self.stalled and waited >= STALL_SECONDS:
            self.stalled = True
            name = reader.source_name or self.source[1]
            self._say(Problem(f"{name}: no frame for {waited:.0f} s (blocked or busy?) - waiting"))

    def _finished(self, source: SourceRequest, reader) -> float:
        """A source ended or failed: retry live ones (returns when), say the rest."""
        reader.stop()
        error = reader.error
        _, name, live = source
        if error is not None and live:
            message = f"{describe(error)} - retrying every {RETRY_SECONDS:.0f} s"
            self._say(SourceFailed(message))
            return time.monotonic() + RETRY_SECONDS
        if error is not None:
            self._say(SourceFailed(describe(error)))
        else:
            self._say(SourceEnded(f"{name}: end of source"))
        return float("inf")
