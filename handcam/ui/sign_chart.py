"""The sign chart: what each of the current model's labels looks like, drawn as a hand
skeleton from the training set the bundle carries (no photos), the current sign lit up."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from handcam.errors import HandcamError
from handcam.hands.hand import HAND_CONNECTIONS

log = logging.getLogger(__name__)
TIPS = (4, 8, 12, 16, 20)
# a motion sign drawn as the shape it starts from and the path its fingertip draws
# (x right, y down, in cell sizes from the fingertip): J the little finger's hook, Z the
# index finger's zigzag
MOTION_PATHS = {
    "J": (20, ((0.0, 0.0), (0.0, 0.22), (-0.04, 0.32), (-0.14, 0.35), (-0.22, 0.28))),
    "Z": (8, ((-0.1, -0.05), (0.2, -0.05), (-0.1, 0.2), (0.2, 0.2))),
}


def load_shapes(bundle_path: str | Path, labels: tuple[str, ...]) -> dict[str, np.ndarray]:
    """label -> (21, 2) typical hand shape, for the labels the bundle has samples of."""
    from handcam.model.skeleton import typical_shapes
    from handcam.model.trainset import load_bundle_handset

    try:
        hands = load_bundle_handset(bundle_path)
    except HandcamError as exc:
        log.warning("no sign chart: %s", exc)
        return {}
    if hands is None:
        return {}
    shapes = typical_shapes(hands)
    return {label: shapes[label] for label in labels if label in shapes}


class SignChart(QWidget):
    """A grid of skeletons, one per label; ``set_current`` highlights the sign shown."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(220, 160)
        self.labels: tuple[str, ...] = ()
        self.shapes: dict[str, np.ndarray] = {}
        self.current: str | None = None
        self.wanted: str | None = None  # practice mode: the sign asked for
        self.motion_starts: dict[str, str | None] = {}  # motion sign -> shape it starts from
        # a learned motion sign: its first clip's starting hand and its index tip's path
        self.learned: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def set_model(
        self, bundle_path: str | Path, labels: tuple[str, ...], motion_signs: tuple[str, ...] = ()
    ) -> None:
        """``motion_signs``: labels read from their motion (drawn with their path)."""
        from handcam.signs.motion import MOTION_STILL_LABELS

        order = [x for x in labels if x not in motion_signs]
        for sign in (x for x in labels if x in motion_signs):  # J between I and K
            order.insert(next((i for i, x in enumerate(order) if x > sign), len(order)), sign)
        self.labels = tuple(order)
        self.shapes = load_shapes(bundle_path, self.labels) if bundle_path else {}
        self.motion_starts = {
            sign: next((s for s in MOTION_STILL_LABELS.get(sign, ()) if s in self.shapes), None)
            for sign in motion_signs
            if sign not in self.shapes
        }
        self.learned = learned_paths(bundle_path, motion_signs) if bundle_path else {}
        self.update()

    def set_current(self, label: str | None) -> None:
        if label != self.current:
            self.current = label
            self.update()

    def set_wanted(self, label: str | None) -> None:
        if label != self.wanted:
            self.wanted = label
            self.update()

    def cells(self) -> tuple[int, int]:
        """(columns, rows) that fill the widget best."""
        n = max(1, len(self.labels))
        aspect = self.width() / max(1, self.height())
        cols = max(1, min(n, round(math.sqrt(n * aspect))))
        return cols, math.ceil(n / cols)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(30, 30, 34))
        if not self.labels:
            p.setPen(QColor(200, 200, 200))
            p.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "The model's signs are drawn here once a model is loaded.",
            )
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        cols, rows = self.cells()
        cw, ch = self.width() / cols, self.height() / rows
        font = QFont(self.font().family(), max(8, int(min(cw, ch) / 9)), QFont.Weight.Bold)
        for i, label in enumerate(self.labels):
            cell = QRectF((i % cols) * cw, (i // cols) * ch, cw, ch).adjusted(3, 3, -3, -3)
            self._draw_cell(p, cell, label, font)
        p.end()

    def _draw_cell(self, p: QPainter, cell: QRectF, label: str, font: QFont) -> None:
        lit = label == self.current
        wanted = label == self.wanted
        if lit or wanted:
            colour = QColor(90, 230, 120) if lit else QColor(255, 190, 60)
            p.setPen(QPen(colour, 2))
            p.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 40))
            p.drawRoundedRect(cell, 6, 6)
        text_h = font.pointSizeF() * 1.6
        p.setFont(font)
        p.setPen(QColor(240, 240, 240) if lit else QColor(190, 190, 190))
        p.drawText(
            QRectF(cell.left(), cell.bottom() - text_h, cell.width(), text_h),
            Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextSingleLine,
            label,
        )
        area = QRectF(cell.left(), cell.top(), cell.width(), cell.height() - text_h)
        if label in self.learned:
            hand, path = self.learned[label]
            self._draw_hand(p, area.adjusted(4, 4, -4, -4), hand, lit, path)
            return
        start = self.motion_starts.get(label)
        shape = self.shapes.get(label if start is None else start)
        if shape is None:
            p.setPen(QColor(120, 120, 120))
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "no sample")
            return
        pts = self._draw_hand(p, area.adjusted(4, 4, -4, -4), shape, lit)
        if start is not None and label in MOTION_PATHS:
            self._draw_path(p, area, pts, *MOTION_PATHS[label])

    def _draw_path(self, p: QPainter, area: QRectF, pts: list, tip: int, path) -> None:
        """The path a motion sign's fingertip draws, from that fingertip, ending in a dot."""
        side = min(area.width(), area.height())
        (fx, fy), at = path[0], pts[tip]
        _draw_line(p, [QPointF(at.x() + (dx - fx) * side, at.y() + (dy - fy) * side)
                       for dx, dy in path])  # fmt: skip

    def _draw_hand(
        self, p: QPainter, area: QRectF, shape: np.ndarray, lit: bool, path=None
    ) -> list:
        """The hand skeleton fitted to ``area``; with ``path`` (the same coordinates), the
        path drawn over it in orange, ending in a dot, both fitted together."""
        both = shape if path is None else np.vstack([shape, path])
        lo, hi = both.min(axis=0), both.max(axis=0)
        size = max(float((hi - lo).max()), 1e-6)
        scale = min(area.width(), area.height()) / size
        centre = (lo + hi) / 2
        pts = [
            QPointF(area.center().x() + (x - centre[0]) * scale,
                    area.center().y() + (y - centre[1]) * scale)
            for x, y in shape
        ]  # fmt: skip
        p.setPen(QPen(QColor(90, 230, 120) if lit else QColor(80, 170, 110), 2))
        for a, b in HAND_CONNECTIONS:
            p.drawLine(pts[a], pts[b])
        p.setPen(Qt.PenStyle.NoPen)
        for i, pt in enumerate(pts):
            p.setBrush(QColor(230, 90, 80) if i in TIPS else QColor(230, 230, 230))
            p.drawEllipse(pt, 2.5, 2.5)
        if path is not None and len(path) > 1:
            c = area.center()
            _draw_line(p, [QPointF(c.x() + (x - centre[0]) * scale,
                                   c.y() + (y - centre[1]) * scale) for x, y in path])  # fmt: skip
        return pts


def _draw_line(p: QPainter, line: list[QPointF]) -> None:
    """A motion's path in orange, ending in a dot."""
    p.setPen(QPen(QColor(255, 190, 60), 2))
    for a, b in zip(line, line[1:], strict=False):
        p.drawLine(a, b)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(255, 190, 60))
    p.drawEllipse(line[-1], 3.0, 3.0)


def learned_paths(bundle_path, signs) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per learned motion sign of a bundle: its first clip's first hand (21, 2) and the
    path of its index tip (pixels); {} when the bundle carries no clips."""
    from handcam.recording.clips import load_carried_clips
    from handcam.signs.motion_model import MOTION_CLIPS_FILE

    path = Path(bundle_path) / MOTION_CLIPS_FILE
    if not path.is_file():
        return {}
    try:
        clips = load_carried_clips(path)
    except Exception:  # a damaged file: the chart draws what it can without it
        return {}
    out = {}
    for sign in signs:
        if clips.get(sign):
            _, hands = clips[sign][0].present()
            if hands:
                tips = np.array([h.landmarks[8, :2] for h in hands], np.float64)
                out[sign] = (np.asarray(hands[0].landmarks[:, :2], np.float64), tips)
    return out
