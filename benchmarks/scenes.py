"""Synthetic scenes for composite test videos: clutter, rooms, gradients, noise, dark.

Each scene is an RGB uint8 image drawn from a seeded generator, so a video can be
rebuilt exactly from its seed.
"""

from __future__ import annotations

import numpy as np

SCENE_KINDS = ("clutter", "room", "gradient", "noise", "dark", "texture")


def _colour(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(lo, hi, 3))  # type: ignore[return-value]


def _shapes(img: np.ndarray, rng: np.random.Generator, count: int, lo: int, hi: int) -> None:
    """Draw ``count`` random rectangles, ellipses, lines and polygons in place."""
    import cv2

    h, w = img.shape[:2]
    for _ in range(count):
        kind = rng.integers(0, 4)
        colour = _colour(rng, lo, hi)
        x, y = int(rng.integers(-50, w)), int(rng.integers(-50, h))
        if kind == 0:
            cv2.rectangle(
                img, (x, y), (x + int(rng.integers(20, 260)), y + int(rng.integers(20, 200))),
                colour, -1 if rng.random() < 0.7 else int(rng.integers(2, 8)),
            )  # fmt: skip
        elif kind == 1:
            axes = (int(rng.integers(8, 120)), int(rng.integers(8, 120)))
            cv2.ellipse(img, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        elif kind == 2:
            end = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, (x, y), end, colour, int(rng.integers(1, 12)))
        else:
            pts = rng.integers(-40, max(w, h), (int(rng.integers(3, 6)), 2)).astype(np.int32)
            cv2.fillPoly(img, [pts], colour)


def _noise(shape: tuple[int, int], rng: np.random.Generator, scale: int) -> np.ndarray:
    """Smooth coloured noise in [0, 1] with blobs about ``scale`` pixels wide."""
    import cv2

    h, w = shape
    small = rng.random((max(2, h // scale), max(2, w // scale), 3)).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def make_scene(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """One background of ``kind`` (see SCENE_KINDS), shape (H, W)."""
    import cv2

    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "clutter":
        img = np.full((h, w, 3), _colour(rng, 40, 220), np.uint8)
        _shapes(img, rng, int(rng.integers(40, 90)), 0, 256)
        img = cv2.GaussianBlur(img, (3, 3), 0)
    elif kind == "room":
        img = np.empty((h, w, 3), np.uint8)
        floor = int(h * rng.uniform(0.55, 0.85))
        img[:floor] = _colour(rng, 90, 230)
        img[floor:] = _colour(rng, 30, 150)
        _shapes(img, rng, int(rng.integers(8, 20)), 20, 240)  # furniture, frames, doors
        light = np.exp(-(((xx - rng.uniform(0, w)) ** 2 + (yy - rng.uniform(0, h / 2)) ** 2)
                         / (2 * (w * rng.uniform(0.3, 0.7)) ** 2)))  # fmt: skip
        img = (img * (0.55 + 0.6 * light[..., None])).clip(0, 255).astype(np.uint8)
    elif kind == "gradient":
        a, b = np.array(_colour(rng), np.float32), np.array(_colour(rng), np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1) / 2
        img = (a + (b - a) * t[..., None]).clip(0, 255).astype(np.uint8)
    elif kind == "noise":
        mix = sum(_noise((h, w), rng, s) for s in (int(rng.integers(4, 12)), 40, 120)) / 3
        img = (mix * 255).astype(np.uint8)
    elif kind == "dark":
        img = np.full((h, w, 3), _colour(rng, 10, 45), np.uint8)
        _shapes(img, rng, int(rng.integers(5, 15)), 0, 70)
        glow = np.exp(-(((xx - rng.uniform(0, w)) ** 2 + (yy - rng.uniform(0, h)) ** 2)
                        / (2 * (w * 0.25) ** 2)))  # fmt: skip
        img = (img + 40 * glow[..., None] * rng.uniform(0.3, 1.0)).clip(0, 255).astype(np.uint8)
    elif kind == "texture":
        fx, fy = rng.uniform(2, 9), rng.uniform(2, 9)
        wave = np.sin(xx / fx + rng.uniform(0, 6)) * np.cos(yy / fy + 3 * np.sin(xx / 50))
        tint = np.array(_colour(rng, 60, 256), np.float32) / 255
        img = ((wave[..., None] + 1) * 110 * tint + 20).clip(0, 255).astype(np.uint8)
    else:
        raise ValueError(f"unknown scene kind {kind!r}; choose from {SCENE_KINDS}")
    grain = rng.normal(0, rng.uniform(2, 8), (h, w, 3))
    return (img.astype(np.float32) + grain).clip(0, 255).astype(np.uint8)
