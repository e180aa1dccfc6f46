"""Reading and atomically writing images (RGB uint8 arrays)."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from handcam.errors import ImageReadError, StorageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
VIDEO_EXTENSIONS = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")


def is_image_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def is_video_path(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in VIDEO_EXTENSIONS


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as an RGB uint8 array; raise ImageReadError naming the file."""
    p = Path(path)
    if not p.is_file():
        raise ImageReadError(f"{p}: no such image file")
    data = np.fromfile(str(p), dtype=np.uint8)
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageReadError(f"{p}: not a readable image (corrupt or unsupported format)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def encode_image(image_rgb: np.ndarray, ext: str = ".jpg", quality: int = 95) -> bytes:
    """Encode an RGB image to bytes in the format named by ``ext``."""
    bgr = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext.lower() in (".jpg", ".jpeg") else []
    ok, buf = cv2.imencode(ext, bgr, params)
    if not ok:
        raise StorageError(f"could not encode image as {ext}")
    return buf.tobytes()


def write_bytes_atomic(path: str | os.PathLike, data: bytes, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` via a temporary file and rename; never leaves a partial file.

    With ``overwrite=False`` an existing file is never replaced (StorageError instead).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            _move_no_overwrite(tmp, target)
    except FileExistsError as exc:
        _silent_unlink(tmp)
        raise StorageError(f"{target} already exists; not overwriting it") from exc
    except OSError as exc:
        _silent_unlink(tmp)
        raise StorageError(f"could not write {target}: {exc.strerror or exc}") from exc
    return target


def _move_no_overwrite(tmp: str, target: Path) -> None:
    """Rename ``tmp`` to ``target`` unless ``target`` exists (FileExistsError then)."""
    try:
        # link() fails if the target exists: no silent overwrite, even under a race.
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        # No hard links here (FAT/exFAT drives, some network shares): check, then rename.
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EACCES,
            errno.ENOSYS,
        ):
            raise
        if target.exists():
            raise FileExistsError(str(target)) from exc
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def _silent_unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
