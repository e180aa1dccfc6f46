"""Starting the window: QApplication, worker, startup source, automation options."""

from __future__ import annotations

import json
import logging
import sys
from argparse import Namespace
from pathlib import Path

log = logging.getLogger(__name__)


def user_data_dir(override: Path | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir as _udd

    return Path(_udd("handcam"))


def run_app(args: Namespace) -> int:
    from handcam.ui.qt_env import missing_system_library

    problem = missing_system_library()
    if problem:
        print(problem, file=sys.stderr)
        return 2

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from handcam.bundle import bundled_models_dir, default_model_path
    from handcam.realtime import LatestSlot
    from handcam.sources import list_cameras
    from handcam.ui.main_window import MainWindow
    from handcam.ui.qt_env import clean_qt_environment
    from handcam.ui.record_panel import attach_record_panel
    from handcam.ui.settings import open_settings
    from handcam.ui.worker import RecognitionWorker

    clean_qt_environment()  # importing cv2 (above) points Qt at OpenCV's own plugins
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("handcam")
    settings = open_settings()
    data_dir = user_data_dir(args.data_dir)
    results: LatestSlot = LatestSlot()
    worker = RecognitionWorker(results, log_path=args.log_predictions)
    cameras = [] if args.source else list_cameras()
    window = MainWindow(
        settings,
        worker,
        results,
        model_dirs=[bundled_models_dir(), data_dir / "models"],
        cameras=cameras,
        data_dir=data_dir,
    )
    attach_record_panel(window, data_dir)
    state = settings.value("window/state")
    if state is not None:
        window.restoreState(state)  # e.g. the record panel stays open
    if args.no_mirror:
        window.mirror_action.setChecked(False)
    window.populate_sources()
    window.populate_models()
    model = args.model or settings.value("model/path") or default_model_path()
    if not Path(model).is_dir():
        model = default_model_path()
    window.set_model(str(model))
    source = args.source or _remembered_source(settings, cameras)
    if source is not None:
        window.set_source(str(source))
    else:
        window.show_no_camera()
    worker.start()
    window.show()

    def finish() -> None:
        if args.snapshot:
            args.snapshot.parent.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(args.snapshot))
        window.close()

    if args.exit_after is not None:
        QTimer.singleShot(int(args.exit_after * 1000), finish)
    elif args.snapshot:
        app.aboutToQuit.connect(lambda: window.grab().save(str(args.snapshot)))
    code = app.exec()
    worker.stop()
    if args.exit_after is not None or args.verbose:  # figures for benchmarks and scripts
        print("handcam: display " + json.dumps(window.display_stats()), file=sys.stderr)
    return code


def _remembered_source(settings, cameras: list[int]) -> str | None:
    spec = settings.value("source/spec") or ""
    if spec and (spec.isdigit() and int(spec) in cameras or Path(spec).exists()):
        return spec
    return str(cameras[0]) if cameras else None
