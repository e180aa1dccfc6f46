"""Temporal smoothing of per-frame probabilities into a steady label.

An exponential moving average of the probabilities, then hysteresis: a new label is
shown only after it has led for ``min_dwell`` frames with at least ``enter`` smoothed
probability; the shown label stays until it drops below ``exit``. Explicit
"no_hand" and "unsure" states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

State = Literal["label", "unsure", "no_hand"]


@dataclass(frozen=True, eq=False)
class SmoothedPrediction:
    state: State
    label: str | None
    confidence: float
    probs: np.ndarray | None = field(default=None, repr=False)  # smoothed, label order


@dataclass(frozen=True)
class SmootherConfig:
    alpha: float = 0.35  # EMA weight of the newest frame
    enter: float = 0.6
    exit: float = 0.45
    min_dwell: int = 3  # frames a new label must lead before it is shown
    no_hand_grace: int = 3  # frames without a hand before "no hand" is shown


class TemporalSmoother:
    def __init__(self, labels: tuple[str, ...], config: SmootherConfig | None = None) -> None:
        self.labels = tuple(labels)
        self.config = config or SmootherConfig()
        self.reset()

    def reset(self) -> None:
        self._ema: np.ndarray | None = None
        self._shown: int | None = None
        self._candidate: int | None = None
        self._candidate_frames = 0
        self._missing = self.config.no_hand_grace  # start in "no hand"

    def update(self, probs: np.ndarray | None) -> SmoothedPrediction:
        cfg = self.config
        if probs is None:
            self._missing += 1
            if self._missing >= cfg.no_hand_grace:
                self._ema, self._shown, self._candidate = None, None, None
                self._candidate_frames = 0
                return SmoothedPrediction("no_hand", None, 0.0, None)
            return self._current()
        self._missing = 0
        p = np.asarray(probs, dtype=np.float32)
        self._ema = p.copy() if self._ema is None else cfg.alpha * p + (1 - cfg.alpha) * self._ema
        top = int(np.argmax(self._ema))
        if top != self._shown:
            if top == self._candidate:
                self._candidate_frames += 1
            else:
                self._candidate, self._candidate_frames = top, 1
            if self._candidate_frames >= cfg.min_dwell and self._ema[top] >= cfg.enter:
                self._shown = top
        else:
            self._candidate, self._candidate_frames = None, 0
        if self._shown is not None and self._ema[self._shown] < cfg.exit:
            self._shown = None
        return self._current()

    def _current(self) -> SmoothedPrediction:
        if self._ema is None:
            return SmoothedPrediction("no_hand", None, 0.0, None)
        if self._shown is None:
            return SmoothedPrediction("unsure", None, float(self._ema.max()), self._ema.copy())
        return SmoothedPrediction(
            "label", self.labels[self._shown], float(self._ema[self._shown]), self._ema.copy()
        )
