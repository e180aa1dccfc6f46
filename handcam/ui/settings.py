"""Persistent settings (QSettings): source, mirror, model, thresholds, window geometry."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from handcam.smoothing import SmootherConfig


def open_settings(path: str | None = None) -> QSettings:
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("handcam", "handcam")


def load_smoother(s: QSettings) -> SmootherConfig:
    d = SmootherConfig()
    return SmootherConfig(
        alpha=float(s.value("smoothing/alpha", d.alpha)),
        enter=float(s.value("smoothing/enter", d.enter)),
        exit=float(s.value("smoothing/exit", d.exit)),
        min_dwell=int(s.value("smoothing/min_dwell", d.min_dwell)),
        no_hand_grace=d.no_hand_grace,
    )


def save_smoother(s: QSettings, c: SmootherConfig) -> None:
    s.setValue("smoothing/alpha", c.alpha)
    s.setValue("smoothing/enter", c.enter)
    s.setValue("smoothing/exit", c.exit)
    s.setValue("smoothing/min_dwell", c.min_dwell)
