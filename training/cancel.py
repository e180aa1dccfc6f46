"""Cancelling a training run (Ctrl-C, or the app's Cancel: SIGTERM) so that it always stops.

A signal handler that only raises ``KeyboardInterrupt`` is not enough: Python runs the
handler wherever the main thread is, and when that is inside a garbage-collector
callback or a ``__del__`` method the exception is printed as "Exception ignored in ..."
and dropped. With JAX installed, ``import keras`` imports it, and JAX registers such a
collector callback (``_xla_gc_callback``); TensorFlow's start of training collects often
enough that a Ctrl-C in its first second was lost in most tries, and the run went on to
write its bundle. So the handler also records the request, and the run checks it at
every progress report, after every training batch and before the bundle is moved into
place (:func:`check`): a lost ``KeyboardInterrupt`` is raised again there. The move itself
(:func:`final_step`) is never cut in half: a signal during it is raised once it is done,
and :func:`written` then says where the finished bundle is.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "Cancelled",
    "check",
    "final_step",
    "handle_signals",
    "request",
    "requested",
    "reset",
    "written",
]

_requested = threading.Event()
_state: dict[str, object] = {"deferred": False, "written": None}


class Cancelled(KeyboardInterrupt):
    """Raised where a run notices a cancel that an earlier ``KeyboardInterrupt`` lost."""


def request() -> None:
    """Record that the run must stop (the signal handlers call this)."""
    _requested.set()


def requested() -> bool:
    """Whether a cancel was asked for since the last :func:`reset`."""
    return _requested.is_set()


def reset() -> None:
    """Forget an earlier request and bundle (a new run in the same process)."""
    _requested.clear()
    _state.update(deferred=False, written=None)


def written() -> Path | None:
    """The bundle that :func:`final_step` finished, if any."""
    out = _state["written"]
    return out if isinstance(out, Path) else None


def check() -> None:
    """Raise :class:`Cancelled` once a cancel was asked for."""
    if _requested.is_set():
        raise Cancelled("cancelled")


@contextmanager
def final_step(out: Path) -> Iterator[None]:
    """The step that writes ``out``: refused once a cancel was asked for; a signal during
    it does not interrupt it but is raised (as :class:`Cancelled`) when it is done."""
    check()
    _state["deferred"] = True
    try:
        yield
        _state["written"] = out
    finally:
        _state["deferred"] = False
    check()


def _handler(signum: int, frame) -> None:
    request()
    if not _state["deferred"]:
        raise KeyboardInterrupt(signal.Signals(signum).name)


@contextmanager
def handle_signals() -> Iterator[None]:
    """SIGINT and SIGTERM cancel the run while inside; the previous handlers come back
    after (main thread only, as Python requires). An interrupt a library dropped is
    not printed as "Exception ignored": the run stops at its next check."""
    previous = {s: signal.signal(s, _handler) for s in (signal.SIGINT, signal.SIGTERM)}
    hook = sys.unraisablehook

    def quiet_lost_interrupts(unraisable) -> None:  # recorded above: no need to print it
        if not (isinstance(unraisable.exc_value, KeyboardInterrupt) and requested()):
            hook(unraisable)

    sys.unraisablehook = quiet_lost_interrupts
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for s, h in previous.items():
            signal.signal(s, h)
