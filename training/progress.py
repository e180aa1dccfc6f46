"""Progress reporting for long work: tqdm bars for people, JSON lines for the app."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Iterator, Sized
from typing import Any, TypeVar

from training import cancel

T = TypeVar("T")


class Progress:
    """Prints human progress to stderr and, with ``json_stream``, events to stdout.

    JSON events are one object per line with an ``event`` key; the app's retrain
    dialog reads them (see ``handcam.ui.retrain``). Every report is also where a
    cancelled run stops (:func:`training.cancel.check`).
    """

    def __init__(self, json_stream: bool = False) -> None:
        self.json_stream = json_stream

    def event(self, event: str, **fields: Any) -> None:
        cancel.check()
        if self.json_stream:
            sys.stdout.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
            sys.stdout.flush()

    def message(self, text: str) -> None:
        cancel.check()
        print(text, file=sys.stderr, flush=True)
        self.event("message", text=text)

    def track(self, items: Iterable[T], stage: str, total: int | None = None) -> Iterator[T]:
        """Iterate ``items`` with a tqdm bar on stderr and throttled JSON progress events."""
        from tqdm import tqdm

        if total is None and isinstance(items, Sized):
            total = len(items)
        last = 0.0
        done = 0
        with tqdm(
            total=total, desc=stage, unit="img", file=sys.stderr, mininterval=0.5, leave=True
        ) as bar:
            for item in items:
                yield item
                done += 1
                bar.update(1)
                now = time.monotonic()
                if now - last >= 0.25 or done == total:
                    last = now
                    self.event("progress", stage=stage, done=done, total=total or done)
