"""Smoothed probability of the top classes over the last seconds, plus raw top-1."""

from __future__ import annotations

import html
import time

import numpy as np
import pyqtgraph as pg

from handcam.recognition.pipeline import FrameResult

COLOURS = ((90, 230, 120), (80, 160, 255), (255, 150, 60))
PLACEHOLDER = "Confidence of the top signs appears here once a hand is seen"
RAW_NAME = "top sign, this frame"  # the dotted line: unsmoothed
MAX_MARKS = 4  # motion signs marked in the plot at once


class ConfidencePlot(pg.PlotWidget):
    """Preallocated ring buffers; ``refresh`` (called by one ~30 Hz timer) draws them."""

    def __init__(
        self, seconds: float = 10.0, capacity: int = 600, top_k: int = 3, parent=None
    ) -> None:
        super().__init__(parent=parent, background=(30, 30, 34))
        self.seconds = seconds
        self.capacity = capacity
        self.top_k = top_k
        self.setLabel("bottom", "seconds")
        self.setLabel("left", "confidence")
        self.setYRange(0, 1.02, padding=0)
        self.setXRange(-seconds, 0, padding=0)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        self.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.addLegend(offset=(10, 5), labelTextSize="9pt", brush=(30, 30, 34, 200))
        # curves are named in the legend only while they show a sign (no "#1 #2 #3")
        self._curves = [self.plot([], [], pen=pg.mkPen(c, width=1)) for c in COLOURS[:top_k]]
        self._raw = self.plot(
            [], [], pen=pg.mkPen((200, 200, 200), width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
        )
        self.placeholder = pg.TextItem(PLACEHOLDER, color=(150, 150, 150), anchor=(0.5, 0.5))
        self.placeholder.setPos(-seconds / 2, 0.5)
        self.addItem(self.placeholder)
        # a motion sign caught: a vertical line with its name where it was caught
        self._onsets: list[tuple[float, str]] = []
        self._marks = []
        for _ in range(MAX_MARKS):
            mark = pg.InfiniteLine(angle=90, pen=pg.mkPen((255, 140, 30), width=2))
            mark.label = pg.InfLineLabel(mark, "", position=0.9, color=(255, 140, 30))
            mark.setVisible(False)
            self.addItem(mark)
            self._marks.append(mark)
        self.set_labels(())

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels = tuple(labels)
        self._t = np.full(self.capacity, np.nan)
        self._p = np.full((self.capacity, max(1, len(labels))), np.nan, np.float32)
        self._raw_p = np.full(self.capacity, np.nan, np.float32)
        self._n = 0
        self._show((), [])

    def legend_names(self) -> list[str]:
        """The legend's texts as shown (HTML-escaped)."""
        return [item.text for _, item in self.legend.items]

    def add(self, result: FrameResult) -> None:
        if len(self.labels) != len(result.labels):
            self.set_labels(result.labels)
        i = self._n % self.capacity
        self._t[i] = time.perf_counter()
        s = result.smoothed
        self._p[i] = s.probs if (s is not None and s.probs is not None) else 0.0
        self._raw_p[i] = result.confidence if result.hand_found else 0.0
        self._n += 1
        moved = result.per_hand[0].motion if result.per_hand else None
        if moved is not None and moved.onset and moved.label:
            self._onsets = [*self._onsets[-(MAX_MARKS - 1) :], (self._t[i], moved.label)]

    def refresh(self) -> None:
        if self._n == 0:
            return
        now = time.perf_counter()
        order = np.argsort(self._t[~np.isnan(self._t)]) if self._n >= self.capacity else None
        t = self._t[: min(self._n, self.capacity)]
        p = self._p[: len(t)]
        raw = self._raw_p[: len(t)]
        if order is not None:
            t, p, raw = t[order], p[order], raw[order]
        keep = t >= now - self.seconds
        t, p, raw = t[keep] - now, p[keep], raw[keep]
        score = 2 * np.nan_to_num(p[-1]) + np.nanmean(p, axis=0) if len(t) else np.zeros(1)
        # a sign is plotted (and named) only if it had some confidence in the window
        top = tuple(int(i) for i in np.argsort(-score)[: self.top_k] if score[i] > 0)
        self._show(top, [(t, p[:, i]) for i in top], (t, raw) if top else None)
        self._onsets = [(at, lab) for at, lab in self._onsets if at >= now - self.seconds]
        for k, mark in enumerate(self._marks):
            shown = k < len(self._onsets)
            mark.setVisible(shown)
            if shown:
                mark.setValue(self._onsets[k][0] - now)
                mark.label.setText(self._onsets[k][1])

    def _show(self, top: tuple[int, ...], data: list, raw=None) -> None:
        """Draw the curves of ``top``; name them in the legend when they change; the
        placeholder stands in while there is nothing to plot."""
        if top != getattr(self, "_shown", None):
            self._shown = top
            self.legend.clear()
            for slot, index in enumerate(top):
                name = self.labels[index] if index < len(self.labels) else ""
                self.legend.addItem(self._curves[slot], html.escape(name))  # legend is HTML
            if top:
                self.legend.addItem(self._raw, RAW_NAME)
            self.placeholder.setVisible(not top)
        for slot, curve in enumerate(self._curves):
            curve.setData(*(data[slot] if slot < len(data) else ([], [])))
        self._raw.setData(*(raw if raw is not None else ([], [])))
