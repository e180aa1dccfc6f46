"""Smoothed probability of the top classes over the last seconds, plus raw top-1."""

from __future__ import annotations

import html
import time

import numpy as np
import pyqtgraph as pg

from handcam.recognition.pipeline import FrameResult

COLOURS = ((90, 230, 120), (80, 160, 255), (255, 150, 60))


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
        self.legend = self.addLegend(offset=(10, 5), labelTextSize="9pt")
        self._curves = [
            self.plot([], [], pen=pg.mkPen(c, width=1), name=f"#{i + 1}")
            for i, c in enumerate(COLOURS[:top_k])
        ]
        self._raw = self.plot(
            [],
            [],
            pen=pg.mkPen((200, 200, 200), width=1, style=pg.QtCore.Qt.PenStyle.DotLine),
            name="raw top-1",
        )
        self.set_labels(())

    def set_labels(self, labels: tuple[str, ...]) -> None:
        self.labels = tuple(labels)
        self._t = np.full(self.capacity, np.nan)
        self._p = np.full((self.capacity, max(1, len(labels))), np.nan, np.float32)
        self._raw_p = np.full(self.capacity, np.nan, np.float32)
        self._n = 0
        self._shown: tuple[int, ...] = ()

    def add(self, result: FrameResult) -> None:
        if len(self.labels) != len(result.labels):
            self.set_labels(result.labels)
        i = self._n % self.capacity
        self._t[i] = time.perf_counter()
        s = result.smoothed
        self._p[i] = s.probs if (s is not None and s.probs is not None) else 0.0
        self._raw_p[i] = result.confidence if result.hand_found else 0.0
        self._n += 1

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
        if len(t) == 0:
            return
        score = 2 * np.nan_to_num(p[-1]) + np.nanmean(p, axis=0)  # now first, then recent
        top = tuple(int(i) for i in np.argsort(-score)[: self.top_k])
        if top != self._shown:
            self._shown = top
            for slot, curve in enumerate(self._curves):
                self.legend.removeItem(curve)
                if slot < len(top):
                    name = self.labels[top[slot]] if self.labels else ""
                    self.legend.addItem(curve, html.escape(name))  # the legend renders HTML
        for slot, curve in enumerate(self._curves):
            if slot < len(top):
                curve.setData(t, p[:, top[slot]])
            else:
                curve.setData([], [])
        self._raw.setData(t, raw)
