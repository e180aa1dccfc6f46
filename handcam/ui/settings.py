"""Persistent settings (QSettings): source, mirror, model, mode, thresholds, composing
times, window geometry."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from handcam.signs.composer import ComposerConfig
from handcam.signs.smoothing import SmootherConfig


def open_settings(path: str | None = None) -> QSettings:
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings("handcam", "handcam")


def load_smoother(s: QSettings) -> SmootherConfig:
    d = SmootherConfig()  # times in seconds (older settings in frames are not read)
    try:
        return SmootherConfig(
            tau_s=float(s.value("smoothing/tau_s", d.tau_s)),
            enter=float(s.value("smoothing/enter", d.enter)),
            exit=float(s.value("smoothing/exit", d.exit)),
            dwell_s=float(s.value("smoothing/dwell_s", d.dwell_s)),
            no_hand_grace_s=d.no_hand_grace_s,
        )
    except (TypeError, ValueError):  # a hand-edited or damaged settings file
        return d


def save_smoother(s: QSettings, c: SmootherConfig) -> None:
    s.setValue("smoothing/tau_s", c.tau_s)
    s.setValue("smoothing/enter", c.enter)
    s.setValue("smoothing/exit", c.exit)
    s.setValue("smoothing/dwell_s", c.dwell_s)


def load_composer(s: QSettings) -> ComposerConfig:
    d = ComposerConfig()
    try:
        return ComposerConfig(
            commit_after_s=float(s.value("composer/commit_after_s", d.commit_after_s)),
            release_after_s=d.release_after_s,
            space_after_s=float(s.value("composer/space_after_s", d.space_after_s)),
        )
    except (TypeError, ValueError):  # a hand-edited or damaged settings file
        return d


def save_composer(s: QSettings, c: ComposerConfig) -> None:
    s.setValue("composer/commit_after_s", c.commit_after_s)
    s.setValue("composer/space_after_s", c.space_after_s)
