"""Practice mode: ask for a sign, wait for it, score the answer; remember scores per label.

A :class:`PracticeSession` feeds every frame's smoothed (t, state, label) to its own
:class:`~handcam.signs.composer.Composer`, so a sign counts exactly when composing would
commit it (held steadily; a repeat needs a release; a sign still held from the previous
prompt does not count again).

- **Time to correct**: from the first frame after the prompt appeared to the frame that
  commits the asked-for sign (it includes the composer's hold time, the same for all).
- **Accuracy**: a prompt is right at the first try when the first sign committed after it
  is the asked-for one. A skipped prompt is a miss without a time.
- **Random mode** picks the next label by weight (:func:`prompt_weights`), never the same
  label twice in a row when there is another. **Sequence mode** asks for a fixed list.
"""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from handcam.errors import HandcamError, StorageError
from handcam.signs.composer import Composer, ComposerConfig, ComposerUpdate
from handcam.signs.scores import Attempt, LabelScore, ScoreStore, score_of

log = logging.getLogger(__name__)

SKIP_SECONDS = 10.0  # a skipped prompt weighs like an answer this slow
NEW_WEIGHT = 2.0  # weight of a label never practised
SEPARATORS = set(" \t-+()./")  # ignored in a sequence given as text ("+1 (555) 010-2030")


class PracticeError(HandcamError, ValueError):
    """A practice session cannot be set up as asked (unknown labels, bad mode)."""


def prompt_weights(
    labels: Sequence[str], store: ScoreStore, previous: str | None = None
) -> dict[str, float]:
    """How often to ask for each label: slow, inaccurate and new labels more often.

    For a practised label, ``cost`` is its mean time to correct over its recent attempts
    (a skip counts as SKIP_SECONDS); ``typical`` is the median cost of the practised
    labels. weight = clip(cost / typical, 0.25, 4) * (2 - accuracy): twice as slow, asked
    twice as often; always wrong at first try, twice as often again. A label never
    practised weighs NEW_WEIGHT. ``previous`` gets 0 unless it is the only label.
    """
    costs: dict[str, tuple[float, float]] = {}
    for label in labels:
        attempts = store.attempts(label)
        if attempts:
            times = [SKIP_SECONDS if a.seconds is None else a.seconds for a in attempts]
            costs[label] = (statistics.fmean(times), score_of(attempts).accuracy or 0.0)
    typical = statistics.median(c for c, _ in costs.values()) if costs else 1.0
    weights = {}
    for label in labels:
        if label in costs:
            cost, accuracy = costs[label]
            ratio = min(4.0, max(0.25, cost / typical)) if typical > 0 else 1.0
            weights[label] = ratio * (2.0 - accuracy)
        else:
            weights[label] = NEW_WEIGHT
    if previous in weights and len(weights) > 1:
        weights[previous] = 0.0
    return weights


def parse_sequence(sequence: str | Sequence[str], labels: Sequence[str]) -> tuple[str, ...]:
    """Text: one label per character, separators ignored; a list: one label per item."""
    if isinstance(sequence, str):
        items = [c for c in sequence if c not in SEPARATORS]
    else:
        items = list(sequence)
    unknown = sorted({item for item in items if item not in labels})
    if unknown:
        raise PracticeError(
            f"the model has no sign for {', '.join(map(repr, unknown))} "
            f"(its labels: {', '.join(labels)})"
        )
    if not items:
        raise PracticeError("the practice sequence is empty")
    return tuple(items)


@dataclass(frozen=True)
class PracticeUpdate:
    """What one observation did."""

    prompt: str | None  # the sign asked for now (after this frame)
    result: Attempt | None  # the prompt answered at this frame
    wrong: str | None  # a sign committed at this frame that was not the one asked for
    step: ComposerUpdate  # hold progress etc. of the shown sign
    finished: bool


@dataclass(frozen=True)
class SessionSummary:
    """This session's figures: all prompts together, and per label asked for."""

    overall: LabelScore
    per_label: dict[str, LabelScore]


class PracticeSession:
    """One practice session over ``labels`` (the model's), scored into ``store``."""

    def __init__(
        self,
        labels: Sequence[str],
        store: ScoreStore,
        mode: str = "random",
        sequence: str | Sequence[str] | None = None,
        rng: random.Random | None = None,
        config: ComposerConfig | None = None,
    ) -> None:
        if not labels:
            raise PracticeError("practice needs a model with at least one label")
        if mode not in ("random", "sequence"):
            raise PracticeError(f"unknown practice mode {mode!r}: use 'random' or 'sequence'")
        if (mode == "sequence") != (sequence is not None):
            raise PracticeError("sequence mode needs a sequence, and only sequence mode")
        self.labels = tuple(labels)
        self.store = store
        self.mode = mode
        self.sequence = parse_sequence(sequence, self.labels) if sequence is not None else ()
        self._rng = rng or random.Random()
        self._composer = Composer(config)
        self._results: list[Attempt] = []
        self._position = 0  # next index into ``sequence``
        self._prompt: str | None = None
        self._started: float | None = None
        self._wrong = 0

    @property
    def prompt(self) -> str | None:
        return self._prompt

    @property
    def finished(self) -> bool:
        done = self._position == len(self.sequence)
        return self.mode == "sequence" and done and self._prompt is None

    @property
    def results(self) -> tuple[Attempt, ...]:
        return tuple(self._results)

    def next_prompt(self) -> str | None:
        """Ask for the next sign (None when a sequence is done); its clock starts next frame."""
        if self.mode == "sequence":
            if self._position < len(self.sequence):
                self._prompt = self.sequence[self._position]
                self._position += 1
            else:
                self._prompt = None
        else:
            weights = prompt_weights(self.labels, self.store, self._prompt)
            self._prompt = self._rng.choices(self.labels, [weights[x] for x in self.labels])[0]
        self._started, self._wrong = None, 0
        self._composer.clear()
        return self._prompt

    def observe(self, t: float, state: str, label: str | None = None) -> PracticeUpdate:
        step = self._composer.update(t, state, label)
        result = wrong = None
        if self._prompt is not None:
            if self._started is None:
                self._started = t
            if step.committed == self._prompt:
                result = Attempt(self._prompt, t - self._started, self._wrong == 0)
                self._record(result)
                self.next_prompt()
                self._started = t
            elif step.committed is not None:
                self._wrong += 1
                wrong = step.committed
        return PracticeUpdate(self._prompt, result, wrong, step, self.finished)

    def skip(self) -> Attempt | None:
        """Give up on the current prompt (a miss without a time) and ask for the next."""
        if self._prompt is None:
            return None
        result = Attempt(self._prompt, None, False)
        self._record(result)
        self.next_prompt()
        return result

    def summary(self) -> SessionSummary:
        per_label: dict[str, list[Attempt]] = {}
        for a in self._results:
            per_label.setdefault(a.label, []).append(a)
        return SessionSummary(
            score_of(self._results), {k: score_of(v) for k, v in per_label.items()}
        )

    def _record(self, attempt: Attempt) -> None:
        self._results.append(attempt)
        self.store.add(attempt)
        try:
            self.store.save()
        except (StorageError, OSError) as exc:  # keep practising; scores stay in memory
            log.warning("practice scores not saved: %s", exc)
