"""What a learned motion sign is read from: the one preprocessing of moving hands, shared by
training (:mod:`training.motion`) and the live spotter (:mod:`handcam.signs.motion_spotter`).

Each frame of a hand gives one row (:func:`frame_row`): its palm length, where its middle
knuckle, index tip and little tip are (pixels), and its shape: the five fingertips relative
to the wrist in palm lengths, turned so the hand points up (x, y and depth), and the
hand's turn in the image and toward the camera. A hand MediaPipe calls "Left" is mirrored
first, so either hand, and a mirrored or unmirrored camera, give the same rows.

A window of rows (:func:`window_features`) is resampled to ``STEPS`` instants evenly spread
over its time, whatever the frame rate: the three points' paths relative to their mean over
the window in palm lengths (scale-free: a small hand far away draws the same path), the
shape at each instant, the shape at each instant less its mean over the window (how the
hand's shape moves, apart from how this person holds it), and the window's length (log
seconds).
"""

from __future__ import annotations

import numpy as np

STEPS = 12
_TIPS = [4, 8, 12, 16, 20]
POINTS = [9, 8, 20]  # middle knuckle, index tip, little tip
ROW = 1 + 2 * len(POINTS) + 3 * len(_TIPS) + 3  # palm, points, tips (x, y, z), pose
FEATURES = STEPS * (2 * len(POINTS) + 2 * (3 * len(_TIPS) + 3)) + 3


# a row of a hand seen mirrored (the other hand): every x, the turn's sine and the facing
# change sign; its palm, y and depth do not
MIRROR = np.concatenate(
    [[1.0], np.tile([-1.0, 1.0], len(POINTS)), -np.ones(len(_TIPS)), np.ones(2 * len(_TIPS)),
     [1.0, -1.0, -1.0]]
)  # fmt: skip


def frame_row(landmarks: np.ndarray, handedness: str) -> np.ndarray:
    """(ROW,) the row of one hand (``landmarks``: (21, 3) pixels, z in x's scale)."""
    return frame_rows(np.asarray(landmarks)[None], handedness)[0]


def frame_rows(landmarks: np.ndarray, handedness: str) -> np.ndarray:
    """(T, ROW) rows of one hand's frames (``landmarks``: (T, 21, 3) pixels)."""
    p = np.asarray(landmarks, dtype=np.float64)[:, :, :3].copy()
    if handedness.lower() == "left":
        p[:, :, 0] = -p[:, :, 0]
    palm = np.linalg.norm(p[:, [5, 9, 17]] - p[:, :1], axis=2).mean(axis=1)
    palm = np.maximum(palm, 1e-6)
    up = p[:, 9, :2] - p[:, 0, :2]
    angle = np.arctan2(up[:, 0], -up[:, 1])  # 0: fingers up
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    rel = (p[:, _TIPS] - p[:, :1]) / palm[:, None, None]
    x = c * rel[:, :, 0] + s * rel[:, :, 1]
    y = -s * rel[:, :, 0] + c * rel[:, :, 1]
    across = p[:, 5, :2] - p[:, 17, :2]
    cross = across[:, 0] * up[:, 1] - across[:, 1] * up[:, 0]
    norms = np.linalg.norm(across, axis=1) * np.linalg.norm(up, axis=1)
    facing = cross / np.maximum(norms, 1e-9)
    pose = np.stack([c[:, 0], s[:, 0], facing], axis=1)
    points = p[:, POINTS, :2].reshape(len(p), -1)
    return np.concatenate([palm[:, None], points, x, y, rel[:, :, 2], pose], axis=1)


def window_features(times: np.ndarray, rows: np.ndarray, start: float, end: float) -> np.ndarray:
    """(FEATURES,) of the rows from ``start`` to ``end`` seconds (``times`` ascending, at
    least two rows; instants outside them take the nearest row)."""
    return windows_features(times, rows, np.array([start]), np.array([end]))[0]


def windows_features(
    times: np.ndarray, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """(len(starts), FEATURES): :func:`window_features` of several windows at once."""
    times = np.asarray(times, dtype=np.float64)
    rows = despeckle(np.asarray(rows, dtype=np.float64))
    starts, ends = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    grid = starts[:, None] + (ends - starts)[:, None] * np.linspace(0.0, 1.0, STEPS)[None]
    at = _interp_rows(times, rows, grid)  # (W, STEPS, ROW)
    lo = np.searchsorted(times, starts)
    hi = np.searchsorted(times, ends, side="right")
    palm = np.where(hi > lo, _medians(rows[:, 0], lo, hi), at[:, :, 0].mean(axis=1))
    pts = at[:, :, 1 : 1 + 2 * len(POINTS)]
    pts = (pts - pts.mean(axis=1, keepdims=True)) / np.maximum(palm, 1e-6)[:, None, None]
    pts = np.clip(pts, -8.0, 8.0)
    shape = at[:, :, 1 + 2 * len(POINTS) :]
    dur = np.log(np.maximum(ends - starts, 1e-3))
    step = np.maximum(ends - starts, 1e-3)[:, None] / (STEPS - 1)
    pts_xy = pts.reshape(len(starts), STEPS, len(POINTS), 2)
    tips_xy = shape[:, :, : 2 * len(_TIPS)].reshape(len(starts), STEPS, 2, len(_TIPS))
    # the fastest any of the three points went, and any fingertip against the hand (palm/s)
    extent = (np.linalg.norm(np.diff(pts_xy, axis=1), axis=3).max(axis=2) / step).max(axis=1)
    change = (np.linalg.norm(np.diff(tips_xy, axis=1), axis=2).max(axis=2) / step).max(axis=1)
    n = len(starts)
    parts = [
        pts.reshape(n, -1),
        shape.reshape(n, -1),
        # the shape's change (a nod, a hooking finger), apart from the person's own shape
        (shape - shape.mean(axis=1, keepdims=True)).reshape(n, -1),
        dur[:, None],
        extent[:, None],
        change[:, None],
    ]
    return np.concatenate(parts, axis=1).astype(np.float32)


def _medians(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The median of ``values[a:b]`` for each (a, b) of ``lo``, ``hi`` (NaN where empty),
    with one sort for all of them."""
    n = hi - lo
    width = max(int(n.max(initial=0)), 1)
    idx = lo[:, None] + np.arange(width)[None]
    inside = idx < hi[:, None]
    ranked = np.sort(np.where(inside, values[np.minimum(idx, len(values) - 1)], np.inf), axis=1)
    rows = np.arange(len(lo))
    a = ranked[rows, np.maximum(n - 1, 0) // 2]
    b = ranked[rows, np.maximum(n, 0) // 2]
    return np.where(n > 0, (a + b) / 2, np.nan)


def energy(features: np.ndarray) -> np.ndarray:
    """(N,) how fast a window moved at its fastest, palm lengths a second: a point of the
    hand along its path, or a fingertip against the hand (a held or drifting hand: slow)."""
    f = np.asarray(features)
    return np.maximum(f[..., -2], f[..., -1])


def extent(features: np.ndarray) -> np.ndarray:
    """(N,) how far the hand itself went over a window: the larger side of the box its
    middle knuckle's path fills, palm lengths (a hand turning or curling in place: little)."""
    f = np.asarray(features)
    pts = f[..., : STEPS * 2 * len(POINTS)].reshape(*f.shape[:-1], STEPS, len(POINTS), 2)
    return np.ptp(pts[..., 0, :], axis=-2).max(axis=-1)


def despeckle(rows: np.ndarray) -> np.ndarray:
    """Each row the median of itself and its neighbours: one frame misread by the tracker (a
    finger folded for a frame) is not a motion."""
    if len(rows) < 3:
        return rows
    out = rows.copy()
    out[1:-1] = np.median(np.stack([rows[:-2], rows[1:-1], rows[2:]]), axis=0)
    return out


def _interp_rows(times: np.ndarray, rows: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Rows linearly interpolated at every instant of ``grid`` (any shape)."""
    flat = grid.ravel()
    j = np.clip(np.searchsorted(times, flat) - 1, 0, len(times) - 2) if len(times) > 1 else None
    if j is None:
        return np.broadcast_to(rows[0], (*grid.shape, rows.shape[1])).copy()
    t0, t1 = times[j], times[j + 1]
    w = np.clip((flat - t0) / np.maximum(t1 - t0, 1e-9), 0.0, 1.0)[:, None]
    out = rows[j] * (1 - w) + rows[j + 1] * w
    return out.reshape(*grid.shape, rows.shape[1])
