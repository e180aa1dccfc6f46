"""Re-posing hands in 3-D: what a person's sign looks like from another camera angle or
distance (the research spec shared for angle-robust work, ported here for the "not a
sign" gate and its benchmark).

Conventions (MediaPipe): image landmarks (N, 21, 3) in pixels, x right, y down, z depth in
the scale of x (smaller = nearer the camera); world landmarks (N, 21, 3) in metres, same
axis directions. Turning a hand turns both point sets about their centroids; a new
distance changes only the image landmarks (the pinhole camera's perspective).
"""

from __future__ import annotations

import numpy as np

AXES = {"x": 0, "y": 1, "z": 2}  # x: pitch, y: yaw (turns side-on), z: roll (in the image)
DEGREES = (15, 30, 45)
NEAR_M, FAR_M, SEEN_AT_M = 0.25, 1.5, 0.5
FAR_NOISE = 0.01  # landmark noise of a far, small hand, of its size


def rotation(axis: str, degrees: float) -> np.ndarray:
    """(3, 3) rotation by ``degrees`` about one camera axis."""
    fixed = AXES[axis]
    i, j = [k for k in range(3) if k != fixed]
    a = np.radians(degrees)
    m = np.eye(3)
    m[i, i] = m[j, j] = np.cos(a)
    m[i, j], m[j, i] = -np.sin(a), np.sin(a)
    return m


def rotate(landmarks, world, rot) -> tuple[np.ndarray, np.ndarray]:
    """The same rotation (``rot``: (3, 3) or (N, 3, 3)) applied to image and world
    landmarks, each about its centroid."""
    rot = np.broadcast_to(rot, (len(landmarks), 3, 3))
    out = []
    for pts in (np.asarray(landmarks, np.float64), np.asarray(world, np.float64)):
        c = np.nanmean(pts, axis=1, keepdims=True)
        out.append((np.einsum("nij,nkj->nki", rot, pts - c) + c).astype(np.float32))
    return out[0], out[1]


def at_distance(
    landmarks,
    world,
    metres: float,
    seen_at: float = SEEN_AT_M,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Image landmarks of the hand seen from ``metres`` instead of ``seen_at`` (perspective
    from the world landmarks' depth), plus Gaussian noise of ``noise`` times the hand's
    size. World landmarks are metric and do not change."""
    lm = np.asarray(landmarks, np.float64).copy()
    z = np.asarray(world, np.float64)[:, :, 2]
    z = np.where(np.isfinite(z), z, 0.0)
    c = lm[:, :, :2].mean(axis=1, keepdims=True)
    factor = (seen_at + z) / (metres + z) * (metres / seen_at)
    lm[:, :, :2] = c + (lm[:, :, :2] - c) * factor[:, :, None]
    if noise:
        rng = rng or np.random.default_rng(0)
        size = np.ptp(lm[:, :, :2], axis=1).max(axis=1)[:, None, None]
        lm += rng.normal(0, 1, lm.shape) * noise * size
    return lm.astype(np.float32)


def view_names(degrees=DEGREES) -> list[str]:
    """ "frontal", "x+15" ... "z-45" (each axis and sign), "near", "far"."""
    turns = [f"{a}{s}{d}" for d in degrees for a in "xyz" for s in "+-"]
    return ["frontal", *turns, "near", "far"]


def up_to(degrees: int) -> list[str]:
    """The views turned at most ``degrees``, with frontal, near and far."""
    return [v for v in view_names() if v in ("frontal", "near", "far") or int(v[2:]) <= degrees]


def view(landmarks, world, name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Image and world landmarks of the hands seen as ``name`` (see :func:`view_names`)."""
    lm, w = np.asarray(landmarks, np.float32), np.asarray(world, np.float32)
    if name == "frontal":
        return lm, w
    if name == "near":
        return at_distance(lm, w, NEAR_M), w
    if name == "far":
        return at_distance(lm, w, FAR_M, noise=FAR_NOISE, rng=np.random.default_rng(seed)), w
    return rotate(lm, w, rotation(name[0], float(name[1:])))


def random_pose(
    landmarks, world, rng: np.random.Generator, max_deg: float = 30.0, moved: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Each hand turned about x, y and z (uniform +-``max_deg`` each) and, for a share
    ``moved`` of them, seen from a random distance of 0.25-1.5 m with 0.5% landmark noise:
    augmentation for fitting the gate."""
    n = len(landmarks)
    angles = rng.uniform(-max_deg, max_deg, (n, 3))
    rots = np.empty((n, 3, 3))
    for i in range(n):
        rots[i] = (
            rotation("z", angles[i, 2]) @ rotation("y", angles[i, 1]) @ rotation("x", angles[i, 0])
        )
    lm, w = rotate(landmarks, world, rots)
    rows = np.flatnonzero(rng.random(n) < moved)
    metres = np.round(rng.uniform(NEAR_M, FAR_M, len(rows)) / 0.05) * 0.05
    for m in np.unique(metres):
        sel = rows[metres == m]
        lm[sel] = at_distance(lm[sel], w[sel], float(m), noise=0.005, rng=rng)
    return lm, w
