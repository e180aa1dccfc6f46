"""Keep native libraries' own logs off the terminal (``handcam -v`` shows them).

- TensorFlow, XLA and MediaPipe write warnings straight to file descriptor 2 while they
  load (CUDA factories registered twice, ``cuInit`` failing without a GPU, absl notices),
  which Python's logging cannot filter: ``native_quiet()`` points fd 2 at /dev/null for
  the duration of a load; Python exceptions still propagate and are shown.
- OpenCV logs a warning for every camera index it cannot open and FFmpeg one for every
  broken video ("moov atom not found"): their log levels are set to silent; handcam says
  what went wrong itself.
- Qt's messages go to Python's logging (see ``handcam.ui.app``).

Set ``HANDCAM_NATIVE_LOGS=1`` (``handcam -v`` does) to see everything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def configure_native_logging() -> None:
    """Environment settings that quieten native logs (call before the imports)."""
    if os.environ.get("HANDCAM_NATIVE_LOGS") == "1":
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")  # read when cv2 loads
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    cv2 = sys.modules.get("cv2")
    if cv2 is not None and hasattr(cv2, "setLogLevel"):  # already loaded: tell it now
        cv2.setLogLevel(0)


@contextmanager
def native_quiet() -> Iterator[None]:
    """Redirect fd 2 to /dev/null inside the block (unless HANDCAM_NATIVE_LOGS=1)."""
    if os.environ.get("HANDCAM_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (some embedded consoles)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
