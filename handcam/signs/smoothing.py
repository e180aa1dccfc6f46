"""Temporal smoothing of per-frame probabilities into a steady label, in seconds.

An exponential moving average of the probabilities with time constant ``tau_s``
(the weight of a frame grows with the time since the previous one), then
hysteresis: a new label is shown only after it has led for ``dwell_s`` seconds with
at least ``enter`` smoothed probability; the shown label stays until it drops below
``exit``. So a sign needs the same fraction of a second at 15, 30 or 60 frames/s.

Without a hand nothing is shown ("no_hand"), but the state is kept for
``no_hand_grace_s``: a hand lost for a frame or two gets its label back at once.

"Not a sign": when the model's open-set gate gives a sign-ness per frame (in (0, 1), 0.5
at its operating threshold; see :mod:`handcam.model.gate`), its own moving average (time
constant ``sign_tau_s``; a new hand starts at 1, so the first, often rough, frames of a
track do not bury it, and a shape unlike every sign turns it in 0.1 s, three frames at
30 fps; a single rejected frame is bridged down to 15 fps) below ``sign_min`` shows "not_a_sign":
no label. The labels' own
smoothing and hysteresis go on underneath, so when the shape passes the gate again the
label that has led all along shows at once. Frames without a sign-ness (no gate) leave
it as it was; without a gate the smoother behaves as it always did.

Still images are not smoothed: :func:`still_prediction` reads one image on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

State = Literal["label", "unsure", "not_a_sign", "no_hand"]
MAX_STEP_S = 0.25  # a longer gap between frames counts as this long


@dataclass(frozen=True, eq=False)
class SmoothedPrediction:
    state: State
    label: str | None
    confidence: float
    probs: np.ndarray | None = field(default=None, repr=False)  # smoothed, label order
    sign: float | None = None  # smoothed sign-ness (None: the model has no open-set gate)


NO_HAND = SmoothedPrediction("no_hand", None, 0.0, None)


@dataclass(frozen=True)
class SmootherConfig:
    tau_s: float = 0.08  # EMA time constant (30 frames/s: a new frame weighs 0.34)
    enter: float = 0.6
    exit: float = 0.45
    dwell_s: float = 0.1  # a new label must lead this long before it is shown
    no_hand_grace_s: float = 0.2  # state kept this long without a hand
    sign_tau_s: float = 0.1  # EMA time constant of the open-set sign-ness
    sign_min: float = 0.5  # below: "not_a_sign"


def still_prediction(
    labels: tuple[str, ...],
    probs: np.ndarray | None,
    enter: float = 0.6,
    sign: float | None = None,
    sign_min: float = 0.5,
) -> SmoothedPrediction:
    """The label of one image on its own: shown when its probability reaches ``enter``;
    "not_a_sign" when the image's sign-ness (if given) is below ``sign_min``."""
    if probs is None:
        return NO_HAND
    top = int(np.argmax(probs))
    p = np.asarray(probs, dtype=np.float32)
    if sign is not None and sign < sign_min:
        return SmoothedPrediction("not_a_sign", None, float(p[top]), p.copy(), sign)
    if p[top] >= enter:
        return SmoothedPrediction("label", labels[top], float(p[top]), p.copy(), sign)
    return SmoothedPrediction("unsure", None, float(p[top]), p.copy(), sign)


class TemporalSmoother:
    """Smooths one hand's probabilities over time (``update(probs, t)``, t in seconds)."""

    def __init__(self, labels: tuple[str, ...], config: SmootherConfig | None = None) -> None:
        self.labels = tuple(labels)
        self.config = config or SmootherConfig()
        self.reset()

    def reset(self) -> None:
        self._ema: np.ndarray | None = None
        self._shown: int | None = None
        self._candidate: int | None = None
        self._candidate_s = 0.0
        self._t: float | None = None  # time of the last frame with a hand
        self._t_missing: float | None = None  # time of the first frame without one
        self._sign: float | None = None  # EMA of the sign-ness; None: never given

    def update(
        self, probs: np.ndarray | None, t: float, sign: float | None = None
    ) -> SmoothedPrediction:
        """Feed one frame at time ``t`` (seconds, increasing): probabilities or None, and
        the frame's sign-ness from an open-set gate (None: no gate)."""
        cfg = self.config
        if probs is None:
            if self._t_missing is None:
                self._t_missing = t
            if t - self._t_missing >= cfg.no_hand_grace_s:
                self.reset()
            return NO_HAND
        step = 1 / 30 if self._t is None else min(max(t - self._t, 0.0), MAX_STEP_S)
        self._t, self._t_missing = t, None
        p = np.asarray(probs, dtype=np.float32)
        if self._ema is None:
            self._ema = p.copy()
        else:
            alpha = 1.0 - math.exp(-step / cfg.tau_s) if cfg.tau_s > 0 else 1.0
            self._ema = alpha * p + (1 - alpha) * self._ema
        if sign is not None:
            beta = 1.0 - math.exp(-step / cfg.sign_tau_s) if cfg.sign_tau_s > 0 else 1.0
            before = 1.0 if self._sign is None else self._sign  # a new hand: presumed a sign
            self._sign = beta * float(sign) + (1 - beta) * before
        top = int(np.argmax(self._ema))
        if top != self._shown:
            if top == self._candidate:
                self._candidate_s += step
            else:
                self._candidate, self._candidate_s = top, step
            if self._candidate_s >= cfg.dwell_s - 1e-6 and self._ema[top] >= cfg.enter:
                self._shown = top
        else:
            self._candidate, self._candidate_s = None, 0.0
        if self._shown is not None and self._ema[self._shown] < cfg.exit:
            self._shown = None
        return self.current()

    @property
    def not_a_sign(self) -> bool:
        """The smoothed sign-ness is below ``sign_min``."""
        return self._sign is not None and self._sign < self.config.sign_min

    def current(self) -> SmoothedPrediction:
        if self._ema is None:
            return NO_HAND
        top = float(self._ema.max())
        if self.not_a_sign:
            return SmoothedPrediction("not_a_sign", None, top, self._ema.copy(), self._sign)
        if self._shown is None:
            return SmoothedPrediction("unsure", None, top, self._ema.copy(), self._sign)
        return SmoothedPrediction(
            "label",
            self.labels[self._shown],
            float(self._ema[self._shown]),
            self._ema.copy(),
            self._sign,
        )
