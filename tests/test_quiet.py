import os

from handcam.system.native_logs import native_quiet


def test_native_writes_are_silenced_only_inside(capfd, monkeypatch):
    monkeypatch.delenv("HANDCAM_NATIVE_LOGS", raising=False)
    with native_quiet():
        os.write(2, b"native chatter\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "native chatter" not in err and "after" in err


def test_verbose_shows_native_logs(capfd, monkeypatch):
    monkeypatch.setenv("HANDCAM_NATIVE_LOGS", "1")
    with native_quiet():
        os.write(2, b"native chatter\n")
    assert "native chatter" in capfd.readouterr().err


def run_handcam(*args, env_extra=None, timeout=120):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("HANDCAM_NATIVE_LOGS",)}
    env.update({"QT_QPA_PLATFORM": "offscreen", **(env_extra or {})})
    return subprocess.run(
        [sys.executable, "-m", "handcam", *args],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


def test_a_truncated_video_is_said_once_by_handcam_not_by_ffmpeg(tmp_path):
    from conftest import MODEL, write_video

    video = write_video(tmp_path / "v.mp4", frames=30)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(video.read_bytes()[:2000])  # the index ("moov atom") is at the end
    proc = run_handcam("predict", str(cut), "--model", str(MODEL))
    assert proc.returncode == 1
    assert "not a readable video" in proc.stdout
    assert proc.stderr == ""  # no "moov atom not found" from FFmpeg


def test_a_missing_camera_is_said_by_the_window_not_by_opencv(tmp_path):
    proc = run_handcam(
        "--source", "7", "--exit-after", "3", "--data-dir", str(tmp_path / "data"),
        env_extra={"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # no frame was ever processed (issue 28)
    assert "handcam: camera 7: not found or busy" in proc.stderr  # said by handcam
    noise = [line for line in proc.stderr.splitlines() if not line.startswith("handcam: ")]
    assert noise == []  # no "[ WARN:0@0.2] global cap_v4l.cpp ... can't open camera by index"


def test_qt_messages_go_to_the_log_not_the_terminal(capfd, caplog):
    import logging

    from PySide6.QtCore import qInstallMessageHandler, qWarning

    from handcam.ui.app import _qt_message

    previous = qInstallMessageHandler(_qt_message)
    try:
        with caplog.at_level(logging.INFO, logger="handcam.qt"):
            qWarning("This plugin does not support propagateSizeHints()")
    finally:
        qInstallMessageHandler(previous)
    assert "propagateSizeHints" not in capfd.readouterr().err
    assert any("propagateSizeHints" in r.getMessage() for r in caplog.records)
