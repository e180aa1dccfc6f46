"""Progress reporting for long work: a text bar for people, JSON lines for the app."""

from __future__ import annotations

import json
import sys
import time
from typing import Any


class Progress:
    """Prints human progress to stderr and, with ``json_stream``, events to stdout.

    JSON events are one object per line with an ``event`` key; the app's retrain
    panel reads them (see ``handcam.ui.retrain``).
    """

    def __init__(self, json_stream: bool = False) -> None:
        self.json_stream = json_stream
        self._last_draw = 0.0

    def event(self, event: str, **fields: Any) -> None:
        if self.json_stream:
            sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
            sys.stdout.flush()

    def message(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)
        self.event("message", text=text)

    def bar(self, stage: str, done: int, total: int) -> None:
        """Draw a progress bar; throttled to a few redraws per second."""
        now = time.monotonic()
        if done < total and now - self._last_draw < 0.25:
            return
        self._last_draw = now
        frac = done / total if total else 1.0
        width = 30
        filled = int(width * frac)
        line = f"{stage}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        end = "\n" if done >= total else ""
        if sys.stderr.isatty():
            sys.stderr.write("\r" + line + end)
        elif done >= total or int(frac * 10) != int((done - 1) / max(total, 1) * 10):
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self.event("progress", stage=stage, done=done, total=total)
