"""The composing stage: frame results in, text out (:class:`TextComposer`).

:class:`~handcam.signs.composer.Composer` holds the rules on (time, state, label)
observations; this stage reads them off each
:class:`~handcam.recognition.pipeline.FrameResult`, restarts the timing when the source
changes, writes J and Z at their motion's onset, and hands out the frozen
:class:`ComposedText` that crosses to the window with each frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from handcam.signs.composer import STATES, Composer, ComposerConfig


@dataclass(frozen=True)
class ComposedText:
    """The composer's state after a frame or an edit (frozen: crosses from the loop's
    thread to the window's)."""

    text: str
    history: tuple[str, ...]
    holding: str | None = None  # the sign being held towards a commit
    hold_progress: float = 0.0  # 0..1
    committed: str | None = None  # the token committed at this frame


EMPTY_TEXT = ComposedText("", ())
TEXT_EDITS = ("backspace", "clear")


class TextComposer:
    """The composing stage of the live app and of ``predict --compose``: fed each frame
    result (the main hand's smoothed state and label at the frame's time
    ``result.frame.seconds``).

    One thread uses it: the recognition session's loop, which also applies the window's
    edits (backspace, clear) and settings between frames; what the window sees is the
    :class:`ComposedText` each frame or edit returns. A frame from another source, or a
    restarted one (its index went back), starts the timing afresh; the text stays.
    """

    def __init__(self, config: ComposerConfig | None = None) -> None:
        self._composer = Composer(config)
        self._source: tuple[str, int] | None = None
        self._last = EMPTY_TEXT

    @property
    def config(self) -> ComposerConfig:
        return self._composer.config

    @property
    def text(self) -> str:
        return self._composer.text

    def feed(self, result) -> ComposedText:
        """Take in one frame's result; return the text and hold state after it."""
        frame, smoothed = result.frame, result.smoothed
        state = smoothed.state if smoothed is not None else "no_hand"
        label = smoothed.label if state == "label" else None
        if state not in STATES or (state == "label" and not label):
            state = "unsure"  # a state this composer does not know: not a steady sign
        if self._source is not None and (
            frame.source != self._source[0] or frame.index < self._source[1]
        ):
            self._composer.reset()
        self._source = (frame.source, frame.index)
        motion = _motion_onset(result)
        moved = self._composer.commit_motion(frame.seconds, **motion) if motion else None
        step = self._composer.update(frame.seconds, state, label)
        self._last = ComposedText(
            step.text, self._composer.history, step.holding, step.progress, step.committed or moved
        )
        return self._last

    def snapshot(self) -> ComposedText:
        """The state after the last frame or edit."""
        return self._last

    def edit(self, edit: str) -> str | None:
        """Apply one of :data:`TEXT_EDITS`; returns the token a backspace removed."""
        if edit not in TEXT_EDITS:
            raise ValueError(f"unknown text edit {edit!r}; expected one of {TEXT_EDITS}")
        token = self._composer.backspace() if edit == "backspace" else self._composer.clear()
        self._last = self._edited()
        return token

    def backspace(self) -> str | None:
        return self.edit("backspace")

    def clear(self) -> None:
        self.edit("clear")

    def set_config(self, config: ComposerConfig) -> None:
        """New hold / end-of-word times; the text and history stay, the timing restarts."""
        self._composer.configure(config)
        self._last = self._edited()

    def _edited(self) -> ComposedText:
        return ComposedText(self._composer.text, self._composer.history)


def _motion_onset(result) -> dict | None:
    """How to write the main hand's motion sign recognised at this frame (None: none):
    with the still shapes it says it moves through, else with whatever still sign was
    written while it was made."""
    per_hand = getattr(result, "per_hand", ())
    motion = per_hand[0].motion if per_hand else None
    if motion is None or not motion.onset or motion.label is None:
        return None
    if motion.still_shapes is not None:
        return {"token": motion.label, "still_labels": motion.still_shapes}
    # a still sign written up to a second before the motion began was its starting shape
    return {"token": motion.label, "window_s": motion.duration + 1.0, "any_still": True}
