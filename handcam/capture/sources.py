"""Frame sources behind one interface: webcam, video file, image folder, and a fake.

Every source yields :class:`Frame` objects with RGB images. ``read()`` returns None
when a finite source is exhausted. Failures raise :class:`SourceError` naming the source.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handcam.capture.images import is_image_path, is_video_path, read_image
from handcam.errors import ImageReadError, SourceError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Frame:
    """One image from a source. ``t_read`` is ``time.perf_counter()`` when it was read;
    ``time`` is the frame's own time in seconds (a video's position, a camera's read
    time), which smoothing follows."""

    index: int
    image: np.ndarray = field(repr=False)
    t_read: float
    source: str
    path: str | None = None  # the file it came from, for folder sources
    time: float | None = None  # None: use t_read

    @property
    def seconds(self) -> float:
        return self.t_read if self.time is None else self.time


class FrameSource:
    """Base class. Subclasses implement ``_read`` and may override ``close``."""

    name: str = "source"
    is_live: bool = False  # a camera: frames keep coming and old ones are worthless
    fps: float | None = None  # nominal rate, when the source knows it
    every_frame: bool = False  # each frame matters (stills): a reader never drops one

    def __init__(self) -> None:
        self._index = 0

    def read(self) -> Frame | None:
        image, path = self._read()
        if image is None:
            return None
        t_read = time.perf_counter()
        frame = Frame(self._index, image, t_read, self.name, path, self._media_time(t_read))
        self._index += 1
        return frame

    def _media_time(self, t_read: float) -> float | None:
        """The frame's time in the source: its position for files played at ``fps``."""
        return None if self.is_live or not self.fps else self._index / self.fps

    def _read(self) -> tuple[np.ndarray | None, str | None]:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device or file. Safe to call twice."""

    def __iter__(self) -> Iterator[Frame]:
        while (frame := self.read()) is not None:
            yield frame

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CameraSource(FrameSource):
    """A webcam by index, with a one-frame driver buffer so frames are fresh."""

    is_live = True

    def __init__(self, index: int, width: int = 640, height: int = 480) -> None:
        super().__init__()
        import cv2

        self.name = f"camera {index}"
        self._cap = cv2.VideoCapture(index, camera_backend())
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f"camera {index}: not found or busy (is another app using it?)")
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self._cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or None
        self._failures = 0

    def _read(self) -> tuple[np.ndarray | None, str | None]:
        import cv2

        ok, bgr = self._cap.read()
        if not ok or bgr is None:
            raise SourceError(f"{self.name}: stopped delivering frames (unplugged?)")
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), None

    def close(self) -> None:
        self._cap.release()


class VideoFileSource(FrameSource):
    """A video file, frame by frame. ``loop`` plays it again from the start at its end
    (soak runs); frame indexes and times keep increasing across loops."""

    def __init__(self, path: str | os.PathLike, loop: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.name = self.path.name
        self.loop = loop
        self.loops = 0  # times it started again from the beginning
        if not self.path.is_file():
            raise SourceError(f"{self.path}: no such video file")
        self._cap = self._open()
        import cv2

        self.fps = self._cap.get(cv2.CAP_PROP_FPS) or None
        self.frame_count = int(self._cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)

    def _open(self):
        import cv2

        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self.path}: not a readable video")
        return cap

    def _read(self) -> tuple[np.ndarray | None, str | None]:
        import cv2

        ok, bgr = self._cap.read()
        if (not ok or bgr is None) and self.loop and self._index > 0:
            self._cap.release()  # reopening is more reliable than seeking in every codec
            self._cap = self._open()
            self.loops += 1
            ok, bgr = self._cap.read()
        if not ok or bgr is None:
            return None, None
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), str(self.path)

    def close(self) -> None:
        self._cap.release()


class ImageFolderSource(FrameSource):
    """The images of a folder (recursive, sorted), or an explicit list of image files.

    Unreadable files are skipped with a warning and counted in ``skipped``. Played in
    real time (the app), images come as a slideshow at ``fps`` at most, and never faster
    than they are read: none is dropped (``every_frame``).
    """

    fps = 2.0
    every_frame = True

    def __init__(self, paths: str | os.PathLike | Sequence[str | os.PathLike]) -> None:
        super().__init__()
        if isinstance(paths, (str, os.PathLike)):
            root = Path(paths)
            if not root.is_dir():
                raise SourceError(f"{root}: no such folder")
            self.name = root.name or str(root)
            self.paths = list_images(root)
            if not self.paths:
                raise SourceError(f"{root}: contains no images")
        else:
            self.paths = [Path(p) for p in paths]
            self.name = "images"
        self._pos = 0
        self.skipped: list[str] = []

    def _read(self) -> tuple[np.ndarray | None, str | None]:
        while self._pos < len(self.paths):
            path = self.paths[self._pos]
            self._pos += 1
            try:
                return read_image(path), str(path)
            except ImageReadError as exc:
                log.warning("skipping %s", exc)
                self.skipped.append(str(path))
        return None, None


def frame_problem(image: object) -> str | None:
    """Why ``image`` is not a usable RGB frame (height x width x 3, uint8), or None.

    A driver or decoder can hand over garbage (an empty array, a grey or 16-bit image);
    the app skips such a frame instead of failing deep inside detection."""
    if not isinstance(image, np.ndarray):
        return f"not an image ({type(image).__name__})"
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        return f"shape {image.shape} is not height x width x 3"
    if image.dtype != np.uint8:
        return f"pixels are {image.dtype}, not uint8"
    return None


def detection_kind(source: FrameSource | type[FrameSource] | None) -> str:
    """How hands are found in a source's frames: "image" for unrelated stills (an image
    folder: each detected on its own), "video" for a stream (tracked)."""
    kind = source if isinstance(source, type) else type(source)
    return "image" if issubclass(kind, ImageFolderSource) else "video"


def list_images(root: Path) -> list[Path]:
    """All image files under ``root`` (recursive, sorted, hidden files excluded)."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and is_image_path(p) and not p.name.startswith(".")
    )


def open_source(spec: str | int) -> FrameSource:
    """Open a source from a command-line spec: a camera index, a video, a folder, an image."""
    text = str(spec)
    if text.isdigit():
        return CameraSource(int(text))
    path = Path(text).expanduser()
    if path.is_dir():
        return ImageFolderSource(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file, folder or camera")
    if is_image_path(path):
        return ImageFolderSource([path])
    if is_video_path(path):
        return VideoFileSource(path)
    # Unknown extension: let OpenCV try it as a video.
    return VideoFileSource(path)


def camera_backend() -> int:
    """The OpenCV capture backend for this system (cameras open faster and more reliably
    with the native one than with OpenCV's guess)."""
    import sys

    import cv2

    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    if sys.platform.startswith("win"):
        return cv2.CAP_DSHOW
    return cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY


def camera_candidates(max_index: int = 5, dev: Path = Path("/dev")) -> list[int]:
    """Indexes worth probing: the ``dev``/video* devices on Linux (below 64), 0..max_index-1
    elsewhere (macOS and Windows have no device files; they number cameras from 0)."""
    import sys

    if sys.platform.startswith("linux") and dev.is_dir():
        found = sorted(int(p.name[5:]) for p in dev.glob("video*") if p.name[5:].isdigit())
        return [i for i in found if i < 64]
    return list(range(max_index))


def list_cameras(max_index: int = 5) -> list[int]:
    """Indexes of the cameras that open. Slow (each probe can take a second): call it off
    the GUI thread."""
    import cv2

    cameras = []
    backend = camera_backend()
    for index in camera_candidates(max_index):
        cap = cv2.VideoCapture(index, backend)
        if cap.isOpened():
            cameras.append(index)
        cap.release()
    return cameras
