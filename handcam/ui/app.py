"""Starting the window: QApplication, worker, startup source, automation options.

Cameras are listed off the GUI thread (:mod:`handcam.ui.camera_lister`): the window comes
up at once and fills its source picker when the listing arrives. This module imports no
Qt at load (``handcam --help`` stays quick)."""

from __future__ import annotations

import json
import logging
import os
import sys
from argparse import Namespace
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

log = logging.getLogger(__name__)


def user_data_dir(override: Path | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir as _udd

    return Path(_udd("handcam"))


def startup_model(asked: Path | str | None, remembered: str | None) -> str:
    """The model to load at start: the one asked for with ``--model`` as it is (if it is
    not a model, the window says why and offers the others), else the one used last if it
    is still there, else the default."""
    from handcam.model.bundle import default_model_path

    if asked:
        return str(asked)
    if remembered and Path(remembered).is_dir():
        return str(remembered)
    return str(default_model_path())


def startup_model_line(asked: Path | str | None, settings) -> str:
    """Which model the window starts with, and why (printed at start)."""
    from handcam.model.bundle import default_model_path

    model = startup_model(asked, settings.value("model/path"))
    if asked:
        why = "--model"
    elif Path(model) == default_model_path():
        why = "the default"
    else:
        why = "the model used last; --model BUNDLE picks another"
    return f"model {Path(model).expanduser().resolve()} ({why})"


def start_window(
    args: Namespace,
    source_factory: Callable | None = None,
    settings_path: str | None = None,
    say: Callable[[str], None] | None = None,
    **worker_kwargs,
):
    """Build the application, worker and window, start the worker, show the window.

    Returns ``(app, window, worker, lister)``. ``source_factory`` opens ``args.source``
    (the soak command loops a video); ``settings_path`` an INI file instead of the
    user's settings; ``say`` also gets what the window says went wrong (the model it
    starts with first); ``worker_kwargs`` go to the worker (tests: fakes).
    """
    from handcam.system.allocator import tune_allocator
    from handcam.system.native_logs import configure_native_logging

    tune_allocator()  # before the grabber and worker threads make their heaps
    configure_native_logging()
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    qInstallMessageHandler(_qt_message)

    from handcam.model.bundle import bundled_models_dir
    from handcam.ui.camera_lister import CameraLister
    from handcam.ui.main_window import MainWindow
    from handcam.ui.qt_env import clean_qt_environment
    from handcam.ui.settings import open_settings
    from handcam.ui.worker import RecognitionWorker

    clean_qt_environment()  # importing cv2 (above) points Qt at OpenCV's own plugins
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("handcam")
    settings = open_settings(settings_path)
    data_dir = user_data_dir(args.data_dir)
    worker = RecognitionWorker(log_path=args.log_predictions, **worker_kwargs)
    window = MainWindow(
        settings,
        worker,
        model_dirs=[bundled_models_dir(), data_dir / "models"],
        cameras=[],
        data_dir=data_dir,
    )
    window.add_record_dock(data_dir)
    state = settings.value("window/state")
    if state is not None:
        window.restoreState(state)  # e.g. the record panel stays open
    if args.no_mirror:
        window.menus.mirror_action.setChecked(False)
    window.populate_sources()
    window.populate_models()
    window.set_model(str(startup_model(args.model, settings.value("model/path"))))
    lister = CameraLister(window)
    if args.source:
        window.set_source(str(args.source), factory=source_factory)
    else:
        window.video.set_message("Looking for cameras...")
    lister.found.connect(lambda cameras: _cameras_found(window, cameras, not args.source))
    if not str(args.source or "").isdigit():  # probing the camera in use could take it
        lister.start()
    if say is not None:  # connected before the worker runs: nothing is missed
        say(startup_model_line(args.model, settings))
        worker.source_failed.connect(say)
        worker.problem.connect(say)
        worker.model_failed.connect(lambda message: say(f"model not loaded: {message}"))
    worker.start()
    window.show()
    return app, window, worker, lister


def run_app(args: Namespace) -> int:
    from handcam.ui.qt_env import EXIT_NO_WINDOW, missing_system_library, no_display

    problem = no_display() or missing_system_library()  # before Qt aborts on it
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_WINDOW

    from PySide6.QtCore import QTimer

    echo = _StderrEcho()  # what the window says went wrong, for scripts and terminals too
    app, window, worker, _ = start_window(args, say=echo.say)

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
    echo.close()
    if args.exit_after is not None or args.verbose:  # figures for benchmarks and scripts
        print("handcam: display " + json.dumps(window.display_stats()), file=sys.stderr)
    if code == 0 and args.exit_after is not None and not worker.stats().processed:
        source = window.source_spec or "no source"
        print(
            f"handcam: error: no frame was processed in {args.exit_after:g} s ({source})",
            file=sys.stderr,
        )
        return 1
    return code


class _StderrEcho:
    """Prints each message once on stderr (a camera retried every 2 s says it once).

    It writes to its own copy of the terminal's stderr: a model load in the worker
    points fd 2 at /dev/null for a while (:func:`~handcam.system.native_logs.native_quiet`),
    and a message said then must not be lost."""

    def __init__(self) -> None:
        self.last = ""
        self.out: TextIO
        try:
            sys.stderr.flush()
            self.out = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1)
        except (OSError, ValueError, AttributeError):  # no real stderr: use what there is
            self.out = sys.stderr

    def close(self) -> None:
        if self.out is not sys.stderr:
            self.out.close()
            self.out = sys.stderr

    def say(self, message: str) -> None:
        if message != self.last:
            self.last = message
            print(f"handcam: {message}", file=self.out, flush=True)


_QT_LEVELS = {"QtDebugMsg": logging.DEBUG, "QtInfoMsg": logging.INFO}


def _qt_message(kind, context, message: str) -> None:
    """Qt's own messages (e.g. a platform plugin's "does not support propagateSizeHints()")
    go to the log instead of the terminal: shown with ``handcam -v``; critical ones always."""
    name = getattr(kind, "name", str(kind))
    level = _QT_LEVELS.get(name, logging.INFO)
    if name in ("QtCriticalMsg", "QtFatalMsg"):
        level = logging.ERROR
    logging.getLogger("handcam.qt").log(level, "%s", message)


def _cameras_found(window, cameras: list[int], pick_source: bool) -> None:
    """The listing arrived: fill the picker; open a camera unless a source was given."""
    current = window.source_spec
    window.set_cameras(cameras)
    if not pick_source or current:  # a source given, or opened while the listing ran
        if current:  # keep the picker on the source in use
            index = window.toolbar.source_combo.findData(current)
            if index >= 0:
                window.toolbar.source_combo.setCurrentIndex(index)
        return
    source = _remembered_source(window.settings, cameras)
    if source is not None:
        window.set_source(str(source))
    else:
        window.show_no_camera()


def _remembered_source(settings, cameras: list[int]) -> str | None:
    spec = settings.value("source/spec") or ""
    if spec and (spec.isdigit() and int(spec) in cameras or Path(spec).exists()):
        return spec
    return str(cameras[0]) if cameras else None
