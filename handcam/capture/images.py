"""Reading, encoding and recognising image and video files (RGB uint8 arrays)."""

from __future__ import annotations

import os
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
