"""The command line's edges: no display, a source that never gives a frame, an empty
folder, the remembered model, too few images to record, and the help texts."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REPO


def handcam(*args, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handcam", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env=env,
    )


def test_the_window_without_a_display_says_so_before_qt_starts_and_exits_3():
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}  # fmt: skip
    code = (
        "import sys; from handcam.cli.main import main; rc = main([]); "
        "print('qt loaded' if 'PySide6' in sys.modules else 'qt not loaded'); sys.exit(rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert proc.returncode == 3, proc.stderr[-2000:]
    assert "no display" in proc.stderr and "QT_QPA_PLATFORM=offscreen" in proc.stderr
    assert "qt not loaded" in proc.stdout


def test_a_window_whose_source_never_gives_a_frame_says_why_on_stderr_and_exits_1(tmp_path):
    shot = tmp_path / "x.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = handcam("--source", "/nope.mp4", "--exit-after", "4", "--snapshot", str(shot), env=env)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "handcam: /nope.mp4: no such file, folder or camera" in proc.stderr
    assert "no frame was processed in 4 s (/nope.mp4)" in proc.stderr
    assert shot.is_file()  # the picture is still taken
    said = r"^handcam: model /.+ \((the default|the model used last; --model BUNDLE)"
    assert re.search(said, proc.stderr, re.M), proc.stderr


def test_the_window_says_on_stderr_which_model_it_starts_with_and_why(tmp_path):
    from handcam.model.bundle import default_model_path
    from handcam.ui.app import startup_model_line
    from handcam.ui.settings import open_settings

    settings = open_settings(str(tmp_path / "s.ini"))
    assert startup_model_line(None, settings).endswith(f"{default_model_path()} (the default)")
    settings.setValue("model/path", str(tmp_path))
    line = startup_model_line(None, settings)
    assert line == f"model {tmp_path.resolve()} (the model used last; --model BUNDLE picks another)"
    assert startup_model_line(tmp_path / "m", settings).endswith("m (--model)")


def test_help_says_the_window_uses_the_model_used_last():
    from handcam.cli.main import build_parser
    from handcam.model.bundle import default_model_path

    text = " ".join(build_parser().format_help().split())
    assert f"(default: the model used last, else {default_model_path()};" in text


def test_predict_on_an_empty_folder_says_so_and_exits_1(tmp_path):
    (tmp_path / "notes.txt").write_text("not an image")
    proc = handcam("predict", str(tmp_path))
    assert proc.returncode == 1
    assert f"{tmp_path}: no images or videos in it" in proc.stderr
    assert proc.stdout == ""


def test_record_from_a_folder_of_fewer_images_than_asked_says_how_many_there_were(tmp_path, capsys):
    import cv2
    import numpy as np

    from handcam.cli.record import run_record
    from handcam.hands.hand import Hand

    class OneHand:  # every image holds a hand
        def detect(self, image):
            points = np.linspace((40, 40, 0), (80, 100, 0), 21).astype(np.float32)
            return [Hand(points, "Right", 0.9)]

        def close(self):
            pass

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(5):
        cv2.imwrite(str(photos / f"{i}.png"), np.full((120, 160, 3), 40 * i, np.uint8))
    code = run_record(str(photos), "A", 15, tmp_path / "out", detector=OneHand())
    err = capsys.readouterr().err
    assert code == 1
    assert f"only 5 of 15 samples: {photos} has only 5 images; saved in" in err
    assert "no hand" not in err


def test_predict_path_bench_frames_and_train_epochs_have_help_that_is_true():
    from handcam.cli.main import build_parser
    from training.cli import build_parser as train_parser

    def help_of(parser, dest: str) -> str:
        return next(a.help for a in parser._actions if a.dest == dest)

    sub = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert help_of(sub["predict"], "paths").startswith("an image, a video, or a folder")
    assert help_of(sub["bench"], "frames").startswith("frames (or images) to time")
    epochs = help_of(train_parser(), "epochs")
    assert "Landmark models (the default kind)" in epochs and "no early stopping" in epochs
    assert "Crop models: at most this many" in epochs
    assert "early stopping may end sooner" not in epochs
