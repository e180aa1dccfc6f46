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
