"""Prepare the environment for Qt before a QApplication exists.

OpenCV's wheel points ``QT_QPA_PLATFORM_PLUGIN_PATH`` (and ``QT_QPA_FONTDIR``) at its
own bundled Qt plugins when ``cv2`` is imported; PySide6 would then look for its xcb
plugin there. And Qt 6.5+ needs a few system xcb libraries (libxcb-cursor0 and friends)
to open a window on X11, and a display at all; without them Qt aborts (exit 134) with
"no Qt platform plugin could be initialized. Reinstalling the application may fix this
problem." Both are checked and said first, with :data:`EXIT_NO_WINDOW`.
"""

from __future__ import annotations

import ctypes.util
import os
import sys

EXIT_NO_WINDOW = 3  # handcam's exit status when the window cannot open here

# soname -> Debian/Ubuntu package: what Qt's xcb plugin needs beyond a bare X client.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-render-util": "libxcb-render-util0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "EGL": "libegl1",
    "fontconfig": "libfontconfig1",
}


def clean_qt_environment() -> None:
    """Drop Qt plugin/font paths that other packages (OpenCV) injected."""
    for var in ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR"):
        value = os.environ.get(var, "")
        if f"{os.sep}cv2{os.sep}" in value:
            del os.environ[var]


def _platforms() -> list[str]:
    """The platform plugins Qt will try: QT_QPA_PLATFORM's list, else Linux's default."""
    asked = os.environ.get("QT_QPA_PLATFORM", "").strip()
    return [p.split(":")[0].strip() for p in asked.split(";") if p.strip()] if asked else []


def no_display() -> str | None:
    """A message when Qt would look for a display on Linux and none is set, else None."""
    if not sys.platform.startswith("linux"):
        return None
    platforms = _platforms()
    x11, wayland = bool(os.environ.get("DISPLAY")), bool(os.environ.get("WAYLAND_DISPLAY"))
    if not platforms:  # Qt's default: Wayland where it runs, else X11
        if x11 or wayland:
            return None
    elif any(
        not p.startswith(("xcb", "wayland")) or (x11 if p.startswith("xcb") else wayland)
        for p in platforms
    ):
        return None  # offscreen, eglfs, vnc, ... or a display for one of those asked for
    return (
        "handcam: error: no display: neither DISPLAY nor WAYLAND_DISPLAY is set, so the "
        "window cannot open.\n"
        "  Run handcam in a desktop session (or with ssh -X), or without a screen, for "
        "automation:\n"
        "  QT_QPA_PLATFORM=offscreen handcam --source VIDEO --exit-after 10 --snapshot "
        "window.png\n"
        "  (handcam predict, bench and record need no display.)"
    )


def missing_system_library() -> str | None:
    """A message when the platform Qt will use cannot work here, else None."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    uses_x11 = platform.startswith("xcb") or (
        not platform
        and sys.platform.startswith("linux")
        and os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    )
    if not uses_x11:
        return None
    missing = [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if not missing:
        return None
    return (
        "handcam: error: Qt cannot open a window on X11: system libraries are missing.\n"
        f"  Debian/Ubuntu: sudo apt install {' '.join(missing)}\n"
        "  (Fedora: sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-image "
        "xcb-util-keysyms xcb-util-renderutil libxkbcommon-x11)\n"
        "  Or run without a screen: QT_QPA_PLATFORM=offscreen handcam ..."
    )
