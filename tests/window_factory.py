"""The main window over a real worker with fake parts, for the GUI tests (pytest-qt)."""

from __future__ import annotations

from pathlib import Path

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
