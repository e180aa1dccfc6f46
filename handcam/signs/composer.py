"""Turn the stream of smoothed labels into text: signs held steadily become characters.

Fed one observation per processed frame (``t`` in seconds, a state, the smoothed label),
:class:`Composer` applies these rules, all measured in seconds of frame time (never in
frames), so 15, 30 or 60 fps and irregular frame spacing compose the same text. A frame
stands for the time until the next frame; a state lasts from its first frame to its latest.

- **Commit**: a label shown for ``commit_after_s`` is committed, once. Another label
  starts the hold afresh, so flicker between labels never commits. Gaps of unsure, "not
  a sign" or no hand shorter than ``release_after_s`` pause the hold (their time does not
  count) instead of ending it, so a sign the classifier keeps losing for a few frames
  still commits; a longer gap ends the hold.
- **Release** (repeats): after a commit, that label is blocked until something *other*
  than it (no hand, "not a sign", unsure, or another label, in any mix) has been shown
  without interruption for ``release_after_s``. So "0, hand down, 0" is two zeros, a held
  7 is one 7, and a drop-out or a flicker shorter than the release time inside a held
  sign commits nothing more. With the smoother's hysteresis, "unsure" already means the
  shown label's confidence fell well below its threshold: a real change of shape.
- **Space**: the hand out of view ("no_hand") for ``space_after_s`` ends the word with one
  space: never at the start of the text, never two in a row.
- **Tokens**: a one-character label appends its character; a longer label (such as
  ``thumbs up``) is a whole token set apart from its neighbours by single spaces.
- ``backspace()`` removes the last committed token (and the word-ending space after it);
  ``clear()`` empties the text. ``history`` holds the last words ended by a space; it
  survives ``clear()`` so earlier entries stay visible.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

log = logging.getLogger(__name__)

STATES = ("label", "unsure", "not_a_sign", "no_hand")
_EPS = 1e-6  # float slack: 6 frames at 15 fps must reach 0.4 s


@dataclass(frozen=True)
class ComposerConfig:
    commit_after_s: float = 0.4  # a label held this long is committed
    release_after_s: float = 0.25  # something else shown this long allows a repeat
    space_after_s: float = 1.5  # the hand away this long ends the word with a space
    history_size: int = 5  # finished words kept in ``history``

    def __post_init__(self) -> None:
        for name in ("commit_after_s", "release_after_s", "space_after_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be a positive number of seconds")
        if self.history_size < 0:
            raise ValueError("history_size must not be negative")


@dataclass(frozen=True)
class ComposerUpdate:
    """What one observation did."""

    t: float
    text: str
    committed: str | None  # the token committed at this frame
    space_added: bool  # a word-ending space was added at this frame
    holding: str | None  # the label being held (also while paused), if it can commit
    progress: float  # 0..1 of the hold of ``holding`` towards a commit
    needs_release: bool  # the shown label was committed and must be released to repeat


@dataclass(frozen=True)
class _Piece:
    text: str  # what it added to the text, separator included
    token: str | None  # the committed label; None for a word-ending space
    word: str | None = None  # for a space: the word it ended (put in history)


class Composer:
    """Composes text from per-frame (t, state, label) observations. One thread uses it.

    The text keeps its last ``MAX_PIECES`` signs and spaces; older ones scroll out (a
    window left signing for hours, or a looping video, would otherwise grow it forever)."""

    MAX_PIECES = 5_000

    def __init__(self, config: ComposerConfig | None = None) -> None:
        self.config = config or ComposerConfig()
        self._pieces: list[_Piece] = []
        self._motion_piece: _Piece | None = None  # the last sign written from its motion
        self._text: str | None = ""  # the pieces joined; None: to be joined again
        self._history: deque[str] = deque(maxlen=self.config.history_size)
        self.reset()

    def reset(self) -> None:
        """Forget timing state (on a change of source); the text and history stay."""
        self._last_t: float | None = None
        self._commit_t: float | None = None  # time of the last commit
        self._shown: str | None = None  # label shown at the previous frame
        self._run_label: str | None = None  # label being held
        self._held = 0.0  # seconds ``_run_label`` has been shown
        self._gap_since: float | None = None  # first frame of a pause in the hold
        self._blocked: str | None = None  # committed, waiting for a release
        self._other_since: float | None = None  # first frame not showing ``_blocked``
        self._away_since: float | None = None  # first frame of the current no-hand run
        self._away_spaced = False  # this no-hand run already ended a word
        self._suppressed: frozenset[str] = frozenset()  # a motion sign's still shapes
        self._quiet_since: float | None = None  # first frame without a steady sign

    def configure(self, config: ComposerConfig) -> None:
        """New settings: the text, the history and the sign waiting for a release stay
        (a sign held while a setting changes is not written again); the hold restarts."""
        self.config = config
        self._history = deque(self._history, maxlen=config.history_size)
        blocked, suppressed = self._blocked, self._suppressed
        self.reset()
        self._blocked, self._suppressed = blocked, suppressed

    def commit_motion(
        self,
        t: float,
        token: str,
        still_labels: tuple[str, ...] = (),
        window_s: float = 1.6,
        any_still: bool = False,
    ) -> str:
        """Write a sign recognised from its motion at once, at its onset (a word: a space
        before and after it when it is longer than one character).

        The still shapes it moves through (``still_labels``: I for J; D, 1, G for Z; with
        ``any_still``, whatever still sign the hand showed) are not written until a release,
        and one of them written in the last ``window_s`` is taken back: the hand showed it
        while making the motion.
        """
        self._check_time(t)
        last = self._pieces[-1] if self._pieces else None
        taken = None
        if (
            last is not None
            and last.token is not None
            and last is not self._motion_piece  # a motion sign is never a still shape
            and (last.token in still_labels or any_still)
            and self._commit_t is not None
            and t - self._commit_t <= window_s
        ):
            taken = self._pieces.pop().token
            self._text = None
        committed = self._commit(token)
        self._motion_piece = self._pieces[-1]
        self._commit_t = t
        held = {taken, self._run_label} if any_still else set()
        self._suppressed = frozenset(still_labels) | frozenset(x for x in held if x) - {token}
        self._run_label, self._held, self._gap_since = token, 0.0, None
        return committed

    @property
    def text(self) -> str:
        """The composed text (joined once per change, not once per frame)."""
        if self._text is None:
            self._text = "".join(p.text for p in self._pieces)
        return self._text

    @property
    def history(self) -> tuple[str, ...]:
        """The last words or numbers ended by a space, oldest first."""
        return tuple(self._history)

    def update(self, t: float, state: str, label: str | None = None) -> ComposerUpdate:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r}; expected one of {STATES}")
        if state == "label" and not label:
            raise ValueError('state "label" needs a label')
        self._check_time(t)
        shown = label if state == "label" else None
        cfg = self.config
        space_added = self._track_away(t, state)
        committed = self._track_hold(t, shown)
        self._track_release(t, shown)
        self._track_suppressed(t, shown)
        free = self._run_label != self._blocked and self._run_label not in self._suppressed
        holding = self._run_label if free else None
        progress = 1.0 if committed else min(1.0, self._held / cfg.commit_after_s)
        return ComposerUpdate(
            t=t,
            text=self.text,
            committed=committed,
            space_added=space_added,
            holding=holding,
            progress=progress if committed or holding else 0.0,
            needs_release=shown is not None and shown == self._blocked and committed is None,
        )

    def backspace(self) -> str | None:
        """Remove the last committed token (and any space after it); return it, or None."""
        self._text = None
        while self._pieces and self._pieces[-1].token is None:
            space = self._pieces.pop()
            if self._history and self._history[-1] == space.word:
                self._history.pop()
        return self._pieces.pop().token if self._pieces else None

    def clear(self) -> None:
        """Empty the text; the history and the hold/release state stay."""
        self._pieces.clear()
        self._text = ""

    def _track_away(self, t: float, state: str) -> bool:
        """End the word once the hand has been away ``space_after_s``; True if it did."""
        if state != "no_hand":
            self._away_since = None
            return False
        if self._away_since is None:
            self._away_since, self._away_spaced = t, False
        if self._away_spaced or t - self._away_since < self.config.space_after_s - _EPS:
            return False
        self._away_spaced = True
        return self._end_word()

    def _track_release(self, t: float, shown: str | None) -> None:
        """Unblock the last committed label once something else has lasted long enough."""
        if self._blocked is None:
            return
        if shown == self._blocked:
            self._other_since = None
            return
        if self._other_since is None:
            self._other_since = t
        if t - self._other_since >= self.config.release_after_s - _EPS:
            self._blocked, self._other_since = None, None

    def _track_suppressed(self, t: float, shown: str | None) -> None:
        """A motion sign's still shapes may be written again after a release: another
        shape, or no steady sign for ``release_after_s``."""
        if not self._suppressed:
            return
        if shown is not None and shown not in self._suppressed and shown != self._blocked:
            self._suppressed, self._quiet_since = frozenset(), None
        elif shown is None:
            self._quiet_since = t if self._quiet_since is None else self._quiet_since
            if t - self._quiet_since >= self.config.release_after_s - _EPS:
                self._suppressed, self._quiet_since = frozenset(), None
        else:
            self._quiet_since = None

    def _track_hold(self, t: float, shown: str | None) -> str | None:
        """Count the previous frame's time into the hold if it showed the held label,
        commit the label once its time is reached, then take in this frame."""
        committed = None
        if self._shown is not None and self._shown == self._run_label:
            self._held += t - self._last_t
            due = self._held >= self.config.commit_after_s - _EPS
            free = self._run_label != self._blocked and self._run_label not in self._suppressed
            if due and free:
                committed = self._commit(self._run_label)
        self._shown, self._last_t = shown, t
        if shown is None:  # a pause; a long one ends the hold
            if self._run_label is not None:
                self._gap_since = t if self._gap_since is None else self._gap_since
                if t - self._gap_since >= self.config.release_after_s - _EPS:
                    self._run_label = None
        elif shown != self._run_label:
            self._run_label, self._held, self._gap_since = shown, 0.0, None
        else:
            self._gap_since = None
        return committed

    def _commit(self, token: str) -> str:
        last = self._pieces[-1].token if self._pieces else None  # None: empty or a space
        sep = " " if last is not None and (len(token) > 1 or len(last) > 1) else ""
        self._append(_Piece(sep + token, token))
        self._blocked, self._other_since = token, None
        self._commit_t = self._last_t
        log.debug("committed %r", token)
        return token

    def _end_word(self) -> bool:
        if not self._pieces or self._pieces[-1].token is None:
            return False  # nothing to end: no leading or double spaces
        start = len(self._pieces)
        while start and self._pieces[start - 1].token is not None:
            start -= 1
        word = "".join(p.text for p in self._pieces[start:]).lstrip(" ")
        self._append(_Piece(" ", None, word))
        self._history.append(word)
        return True

    def _append(self, piece: _Piece) -> None:
        self._pieces.append(piece)
        if len(self._pieces) > self.MAX_PIECES:
            del self._pieces[: len(self._pieces) - self.MAX_PIECES]
        self._text = None

    def _check_time(self, t: float) -> None:
        """Time going backwards (a looped video): treat the jump as no time passing."""
        if self._last_t is not None and t < self._last_t:
            shift = t - self._last_t
            log.debug("timestamps went back by %.3f s; continuing from there", -shift)
            self._last_t = t
            if self._other_since is not None:
                self._other_since += shift
            if self._away_since is not None:
                self._away_since += shift
            if self._gap_since is not None:
                self._gap_since += shift
        elif self._last_t is None:
            self._last_t = t
