import os

from handcam.ui import qt_env


def test_opencv_plugin_path_is_removed(monkeypatch):
    import cv2  # noqa: F401 - importing it is what sets the variables

    monkeypatch.setenv("QT_QPA_PLATFORM_PLUGIN_PATH", f"{os.sep}x{os.sep}cv2{os.sep}qt")
    monkeypatch.setenv("QT_QPA_FONTDIR", "/usr/share/fonts")
    qt_env.clean_qt_environment()
    assert "QT_QPA_PLATFORM_PLUGIN_PATH" not in os.environ
    assert os.environ["QT_QPA_FONTDIR"] == "/usr/share/fonts"  # not OpenCV's: kept


def test_missing_xcb_libraries_are_named(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(qt_env.sys, "platform", "linux")
    monkeypatch.setattr(
        qt_env.ctypes.util,
        "find_library",
        lambda name: None if name == "xcb-cursor" else f"lib{name}.so",
    )
    message = qt_env.missing_system_library()
    assert "sudo apt install libxcb-cursor0" in message and "icccm" not in message
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert qt_env.missing_system_library() is None


def _env(monkeypatch, **values):
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    for var, value in values.items():
        monkeypatch.setenv(var, value)
    monkeypatch.setattr(qt_env.sys, "platform", "linux")


def test_no_display_is_said_only_when_qt_would_need_one(monkeypatch):
    _env(monkeypatch)
    message = qt_env.no_display()
    assert "no display" in message and "QT_QPA_PLATFORM=offscreen" in message
    _env(monkeypatch, QT_QPA_PLATFORM="xcb")
    assert "no display" in qt_env.no_display()
    _env(monkeypatch, QT_QPA_PLATFORM="wayland", DISPLAY=":0")
    assert "no display" in qt_env.no_display()
    fine = [
        {"DISPLAY": ":0"},
        {"WAYLAND_DISPLAY": "wayland-0"},
        {"QT_QPA_PLATFORM": "offscreen"},
        {"QT_QPA_PLATFORM": "wayland;xcb", "DISPLAY": ":1"},
        {"QT_QPA_PLATFORM": "vnc:size=800x600"},
    ]
    for ok in fine:
        _env(monkeypatch, **ok)
        assert qt_env.no_display() is None, ok
    _env(monkeypatch)
    monkeypatch.setattr(qt_env.sys, "platform", "darwin")  # no DISPLAY needed there
    assert qt_env.no_display() is None
