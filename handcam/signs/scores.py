"""Practice scores per label: each attempt's time to the right sign and whether it was right
at the first try, kept in a UTF-8 JSON file between sessions."""

from __future__ import annotations

import json
import logging
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handcam.system.files import write_bytes_atomic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attempt:
    label: str
    seconds: float | None  # time to the correct sign; None when skipped
    first_try: bool

    @property
    def skipped(self) -> bool:
        return self.seconds is None


@dataclass(frozen=True)
class LabelScore:
    count: int  # prompts, skipped ones included
    mean_seconds: float | None  # over answered prompts
    accuracy: float | None  # share right at the first try


def score_of(attempts: Sequence[Attempt]) -> LabelScore:
    times = [a.seconds for a in attempts if a.seconds is not None]
    return LabelScore(
        count=len(attempts),
        mean_seconds=statistics.fmean(times) if times else None,
        accuracy=sum(a.first_try for a in attempts) / len(attempts) if attempts else None,
    )


class ScoreStore:
    """Per-label attempt history (the last ``keep``), in a UTF-8 JSON file when given one.

    A missing file starts empty; a corrupt one is moved aside to ``NAME.corrupt`` with a
    warning and the store starts empty. ``save`` writes atomically (temp file, rename).
    """

    def __init__(self, path: str | os.PathLike | None = None, keep: int = 20) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.path = Path(path) if path is not None else None
        self.keep = keep
        self._attempts: dict[str, list[Attempt]] = {}
        if self.path is not None:
            self._load(self.path)

    def add(self, attempt: Attempt) -> None:
        history = self._attempts.setdefault(attempt.label, [])
        history.append(attempt)
        del history[: -self.keep]

    def attempts(self, label: str) -> tuple[Attempt, ...]:
        return tuple(self._attempts.get(label, ()))

    def score(self, label: str) -> LabelScore:
        return score_of(self._attempts.get(label, []))

    def save(self) -> None:
        """Write the file (raises StorageError); without a path, do nothing."""
        if self.path is None:
            return
        data = {
            "version": 1,
            "labels": {
                label: [{"seconds": a.seconds, "first_try": a.first_try} for a in history]
                for label, history in self._attempts.items()
            },
        }
        text = json.dumps(data, ensure_ascii=False, indent=1)
        write_bytes_atomic(self.path, text.encode("utf-8"), overwrite=True)

    def _load(self, path: Path) -> None:
        if not path.exists():
            log.info("no practice scores at %s yet; starting fresh", path)
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for label, history in data["labels"].items():
                for item in history:
                    self.add(_attempt_from_json(label, item))
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            self._attempts.clear()
            aside = path.with_name(path.name + ".corrupt")
            try:
                os.replace(path, aside)
            except OSError:
                aside = None
            log.warning(
                "practice scores %s are unreadable (%s); starting fresh%s",
                path,
                exc,
                f", the old file is kept as {aside}" if aside else "",
            )


def _attempt_from_json(label: str, item: dict) -> Attempt:
    seconds, first_try = item["seconds"], item["first_try"]
    if type(seconds) not in (int, float, type(None)) or type(first_try) is not bool:
        raise TypeError(f"bad attempt {item!r}")
    return Attempt(label, None if seconds is None else float(seconds), first_try)
