"""The main window over a real worker with fake parts, for the GUI tests (pytest-qt)."""

from __future__ import annotations

from pathlib import Path

from conftest import frame
from handcam.recognition.assemble import LoadedModel
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource
from handcam.ui.main_window import MainWindow
from handcam.ui.settings import open_settings
from handcam.ui.worker import RecognitionWorker


def build_window(
    qtbot,
    tmp_path: Path,
    classifier,
    detector,
    model: str = "fake-model",
    model_dirs: list[Path] | None = None,
    cameras: list | None = None,
    log_path: Path | None | bool = True,
    settings_name: str = "settings.ini",
    list_models: bool = False,
) -> MainWindow:
    """A shown window whose worker runs and has been asked for ``model``."""
    log = (tmp_path / "log.jsonl") if log_path is True else (log_path or None)
    worker = RecognitionWorker(classifier, detector, log_path=log)
    settings = open_settings(str(tmp_path / settings_name))
    w = MainWindow(
        settings,
        worker,
        model_dirs=model_dirs or [tmp_path],
        cameras=cameras or [],
        data_dir=tmp_path,
    )
    qtbot.addWidget(w)
    w.populate_models() if list_models else w.populate_sources()
    w.set_model(model)
    worker.start()
    w.show()
    return w


def fake_classifier(path):
    """A model of two labels, A and B, that reads every hand as B (90%)."""
    return LoadedModel.of(FakeClassifier(["A", "B"], fn=lambda f: [0.1, 0.9]))


def fake(n=None, value=90, name="fake"):
    """A source of one grey frame at 60 frames/s, looping (``n`` given: once)."""
    return lambda: FakeSource([frame(value=value)], loop=n is None, fps=60, name=name)


def window_maker(qtbot, tmp_path):
    """``make(detector=..., cameras=...)`` -> a shown window over :func:`fake_classifier`;
    yields it, then stops every worker it made (a fixture's body)."""
    made = []

    def make(detector=lambda mode, pre: FakeHandDetector(), cameras=None):
        w = build_window(qtbot, tmp_path, fake_classifier, detector, cameras=cameras)
        made.append(w)
        return w

    yield make
    for w in made:
        w.worker.stop()
