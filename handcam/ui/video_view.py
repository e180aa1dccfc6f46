"""The live video with the hand outlined and the recognised label in large type."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from handcam.hands.hand import HAND_CONNECTIONS
from handcam.recognition.pipeline import FrameResult
from handcam.signs.smoothing import SmoothedPrediction

LANDMARK_COLOUR = QColor(80, 220, 120)
BOX_COLOUR = QColor(255, 200, 40)
OTHER_BOX_COLOUR = QColor(80, 180, 255)
MOTION_COLOUR = QColor(255, 140, 30)


def to_qimage(rgb: np.ndarray) -> QImage:
    """A QImage that owns a copy of the pixels (never shares the numpy buffer)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, rgb.strides[0], QImage.Format.Format_RGB888).copy()


class VideoView(QWidget):
    """Paints the latest frame, landmarks, hand box and label overlay."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.mirror = True
        self._image: QImage | None = None
        self._result: FrameResult | None = None
        self._message = "Starting..."
        self._notice = ""

    def set_message(self, text: str) -> None:
        """Text shown when there is no video (no camera, loading, errors)."""
        self._message = text
        if text:
            self._image = None
            self._result = None
        self.update()

    def set_notice(self, text: str) -> None:
        """Text shown instead of the message while it is set (no model loaded)."""
        self._notice = text
        self.update()

    def shown_message(self) -> str:
        """What the view says while there is no video."""
        return self._notice or self._message

    def show_result(self, result: FrameResult) -> None:
        self._image = to_qimage(result.frame.image)
        self._result = result
        self._message = ""
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(24, 24, 28))
        if self._image is None:
            p.setPen(QColor(220, 220, 220))
            p.setFont(QFont(self.font().family(), 14))
            p.drawText(
                self.rect().adjusted(20, 20, -20, -20),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.shown_message(),
            )
            p.end()
            return
        img = self._image
        iw, ih = img.width(), img.height()
        scale = min(self.width() / iw, self.height() / ih)
        tw, th = iw * scale, ih * scale
        ox, oy = (self.width() - tw) / 2, (self.height() - th) / 2
        if self.mirror:  # a painter transform: QImage.flipped needs Qt 6.9
            p.save()
            p.translate(ox + tw, oy)
            p.scale(-1.0, 1.0)
            p.drawImage(QRectF(0, 0, tw, th), img)
            p.restore()
        else:
            p.drawImage(QRectF(ox, oy, tw, th), img)

        def to_view(x: float, y: float) -> QPointF:
            if self.mirror:
                x = iw - x
            return QPointF(ox + x * scale, oy + y * scale)

        res = self._result
        if res is not None and res.hands:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            tags = res.per_hand or tuple(None for _ in res.hands)
            for i, (hand, tagged) in enumerate(zip(res.hands, tags, strict=True)):
                pts = [to_view(float(x), float(y)) for x, y, _ in hand.landmarks]
                p.setPen(QPen(LANDMARK_COLOUR, 2))
                for a, b in HAND_CONNECTIONS:
                    p.drawLine(pts[a], pts[b])
                p.setBrush(QColor(255, 255, 255))
                for pt in pts:
                    p.drawEllipse(pt, 3, 3)
                x0, y0, x1, y1 = hand.box
                box = (
                    QRectF(to_view(x0, y0), to_view(x1, y1)).normalized().adjusted(-10, -10, 10, 10)
                )
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.setPen(QPen(BOX_COLOUR if i == 0 else OTHER_BOX_COLOUR, 2))
                p.drawRect(box)
                motion = getattr(tagged, "motion", None)
                if motion is not None and motion.label is not None and motion.path:
                    self._draw_motion(p, [to_view(x, y) for x, y in motion.path], box, motion.label)
                elif tagged is not None and len(res.hands) > 1:
                    self._draw_hand_tag(p, box, tagged.smoothed)
        self._draw_label(p, QRectF(ox, oy, tw, th))
        p.end()

    def _draw_motion(self, p: QPainter, path: list[QPointF], box: QRectF, label: str) -> None:
        """A motion sign just caught: the path its fingertip drew, and its name on the box."""
        p.setPen(QPen(MOTION_COLOUR, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        for a, b in zip(path[:-1], path[1:], strict=True):
            p.drawLine(a, b)
        p.setBrush(MOTION_COLOUR)
        p.drawEllipse(path[-1], 6, 6)
        p.setBrush(Qt.BrushStyle.NoBrush)
        font = QFont(self.font().family(), max(12, int(box.height() / 6)), QFont.Weight.Bold)
        p.setFont(font)
        height = QFontMetrics(font).height()
        area = QRectF(box.left(), box.bottom(), max(box.width(), 80), height)
        p.setPen(QColor(0, 0, 0, 160))
        p.drawText(area.translated(2, 2), Qt.AlignmentFlag.AlignLeft, label)
        p.setPen(MOTION_COLOUR)
        p.drawText(area, Qt.AlignmentFlag.AlignLeft, label)

    def _draw_hand_tag(self, p: QPainter, box: QRectF, s: SmoothedPrediction) -> None:
        """A hand's own label, on its box (shown when several hands are in view)."""
        text = s.label if s.state == "label" else "\u2013" if s.state == "not_a_sign" else "?"
        font = QFont(self.font().family(), max(12, int(box.height() / 5)), QFont.Weight.Bold)
        p.setFont(font)
        height = QFontMetrics(font).height()
        area = QRectF(box.left(), box.top() - height, max(box.width(), 40), height)
        p.setPen(QColor(0, 0, 0, 160))
        p.drawText(area.translated(2, 2), Qt.AlignmentFlag.AlignLeft, text or "")
        p.setPen(QColor(90, 230, 120) if s.state == "label" else QColor(255, 190, 60))
        p.drawText(area, Qt.AlignmentFlag.AlignLeft, text or "")

    def _draw_label(self, p: QPainter, area: QRectF) -> None:
        res = self._result
        s = res.smoothed if res is not None else None
        if s is None or s.state == "no_hand":
            text, sub, colour = "no hand", "show your hand to the camera", QColor(200, 200, 200)
        elif s.state == "unsure":
            text, sub, colour = "?", f"unsure ({s.confidence:.0%})", QColor(255, 190, 60)
        elif s.state == "not_a_sign":
            text, sub, colour = "not a sign", "none of this model's signs", QColor(150, 190, 255)
        else:
            text, sub, colour = s.label or "", f"{s.confidence:.0%}", QColor(90, 230, 120)
        # A recognised sign is large; the "no hand" state is a quiet caption.
        divisor = 14 if s is None or s.state == "no_hand" else 10 if s.state == "not_a_sign" else 6
        big = QFont(self.font().family(), max(14, int(area.height() / divisor)), QFont.Weight.Bold)
        p.setFont(big)
        box = QRectF(area.left() + 16, area.top() + 8, area.width() - 32, area.height() / 4)
        p.setPen(QColor(0, 0, 0, 160))
        p.drawText(box.translated(3, 3), Qt.AlignmentFlag.AlignLeft, text)
        p.setPen(colour)
        p.drawText(box, Qt.AlignmentFlag.AlignLeft, text)
        p.setFont(QFont(self.font().family(), max(10, int(area.height() / 28))))
        p.setPen(QColor(240, 240, 240))
        text_height = QFontMetrics(big).height()
        sub_box = QRectF(box.left(), box.top() + text_height - 4, box.width(), area.height() / 12)
        p.drawText(sub_box, Qt.AlignmentFlag.AlignLeft, sub)
