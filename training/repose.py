"""Re-posing hands in 3-D: what a sign looks like from another camera angle or distance.

The same turn is applied to a hand's image landmarks (pixels, z in the scale of x, about
their centroid) and to its world landmarks (metres, about their centroid); a new distance
changes the pinhole camera's perspective of the image landmarks, from the world
landmarks' depth. Used by the angle benchmark (:mod:`benchmarks.angles`) to show held-out
people's hands from other views, and by the landmark augmentation
(:mod:`training.augment`) to teach those views.

Conventions (MediaPipe's): x right, y down, z away from the camera. About x: pitch (the
top of the hand tips toward or away from the camera); about y: yaw (turning side-on);
about z: roll (in the image plane).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AXES = {"x": 0, "y": 1, "z": 2}
SEEN_AT = 0.5  # metres: the distance the photos are taken to have been taken from
DEGREES = (15, 30, 45)
NEAR_M, FAR_M = 0.25, 1.5
FAR_NOISE = 0.01  # landmark noise of a far, small hand, of its size


def rotation(axis: str, degrees: float) -> np.ndarray:
    """(3, 3) rotation by ``degrees`` about one camera axis ("x", "y" or "z")."""
    return axis_rotations(AXES[axis], np.array([np.radians(degrees)]))[0]


def axis_rotations(axis: int, radians: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations about camera axis ``axis`` (0 x, 1 y, 2 z) by each angle."""
    i, j = [k for k in range(3) if k != axis]
    c, s = np.cos(radians), np.sin(radians)
    m = np.zeros((len(radians), 3, 3))
    m[:, axis, axis] = 1.0
    m[:, i, i], m[:, j, j] = c, c
    m[:, i, j], m[:, j, i] = -s, s
    return m


def turn(
    landmarks: np.ndarray, world: np.ndarray, rot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The same rotation applied to (N, 21, 3) image landmarks and world landmarks, each
    about its own centroid. ``rot``: (3, 3) or (N, 3, 3). NaN world rows stay NaN."""
    rot = np.broadcast_to(rot, (len(landmarks), 3, 3))
    out = []
    for pts in (np.asarray(landmarks, np.float64), np.asarray(world, np.float64)):
        finite = np.isfinite(pts)
        count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
        c = np.where(finite, pts, 0.0).sum(axis=1, keepdims=True) / count  # NaN rows: 0
        out.append((np.einsum("nij,nkj->nki", rot, pts - c) + c).astype(np.float32))
    return out[0], out[1]


def depth_ratio(landmarks: np.ndarray, world: np.ndarray) -> np.ndarray:
    """(N,) how much flatter a hand's image landmarks are in depth than its world
    landmarks: the least-squares slope of image z on world z, in the image's pixels per
    metre (fitted on x and y). Median 0.45 on the letters' carried set and 0.39 on the
    digits'; clipped to 0.2-1 (0.45 where the world landmarks are unknown)."""
    li = np.asarray(landmarks, np.float64)
    w = np.asarray(world, np.float64)
    known = np.isfinite(w).all(axis=(1, 2))
    w = np.where(np.isfinite(w), w, 0.0)
    li = li - li.mean(1, keepdims=True)
    w = w - w.mean(1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = (li[:, :, :2] * w[:, :, :2]).sum((1, 2)) / (w[:, :, :2] ** 2).sum((1, 2))
        k = (li[:, :, 2] * w[:, :, 2]).sum(1) / (s * (w[:, :, 2] ** 2).sum(1))
    k = np.where(known & np.isfinite(k), k, 0.45)
    return np.clip(k, 0.2, 1.0)


def turn_rescaled(
    landmarks: np.ndarray, world: np.ndarray, rot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`turn`, but the image landmarks' depth is first brought to the world
    landmarks' depth scale (divided by :func:`depth_ratio`), turned, and flattened back:
    the new image x and y then move as much as the world landmarks say the turned hand's
    depth makes them move. The landmark augmentation turns hands this way."""
    k = depth_ratio(landmarks, world)[:, None]
    lm = np.asarray(landmarks, np.float64).copy()
    lm[:, :, 2] /= k
    lm, w = turn(lm, world, rot)
    lm = lm.astype(np.float64)
    lm[:, :, 2] *= k
    return lm.astype(np.float32), w


def at_distance(
    landmarks: np.ndarray,
    world: np.ndarray,
    metres: float | np.ndarray,
    seen_at: float = SEEN_AT,
    noise: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Image landmarks of the hand seen from ``metres`` (one distance, or one per hand)
    instead of ``seen_at``: the pinhole camera's perspective (parts nearer the camera
    look bigger, the more so the nearer the hand) from the world landmarks' depth, and
    optional Gaussian landmark noise of ``noise`` times the hand's size (a far, small
    hand is located less precisely). World landmarks do not change."""
    lm = np.asarray(landmarks, np.float64).copy()
    z = np.asarray(world, np.float64)[:, :, 2]
    z = np.where(np.isfinite(z), z, 0.0)
    d = np.broadcast_to(np.asarray(metres, np.float64), (len(lm),))[:, None]
    c = lm[:, :, :2].mean(axis=1, keepdims=True)
    factor = (seen_at + z) / (d + z) * (d / seen_at)  # undo, then redo the perspective
    lm[:, :, :2] = c + (lm[:, :, :2] - c) * factor[:, :, None]
    if noise:
        rng = rng or np.random.default_rng(0)
        size = np.ptp(lm[:, :, :2], axis=1).max(axis=1)[:, None, None]
        lm += rng.normal(0, 1, lm.shape) * noise * size
    return lm.astype(np.float32)


@dataclass(frozen=True)
class View:
    """One way of seeing the hands: turned about a camera axis, or from another distance
    (with landmark noise as a fraction of the hand's size), or as they are ("frontal")."""

    name: str
    axis: str | None = None
    degrees: float = 0.0
    metres: float | None = None
    noise: float = 0.0


def views(
    degrees=DEGREES, near: float = NEAR_M, far: float = FAR_M, far_noise: float = FAR_NOISE
) -> list[View]:
    """The benchmark's views: frontal; each axis turned by + and - each angle; near; far."""
    out = [View("frontal")]
    for d in degrees:
        for axis in "xyz":
            for sign in (1, -1):
                out.append(View(f"{axis}{'+' if sign > 0 else '-'}{d:g}", axis, sign * d))
    out.append(View("near", metres=near))
    out.append(View("far", metres=far, noise=far_noise))
    return out


def repose(
    landmarks: np.ndarray, world: np.ndarray, view: View, seed: int = 0, rescale_depth: bool = False
):
    """(image landmarks, world landmarks) of the hands seen from ``view``; turns are rigid
    (:func:`turn`), or with ``rescale_depth`` as the augmentation turns (:func:`turn_rescaled`)."""
    if view.axis is not None:
        how = turn_rescaled if rescale_depth else turn
        return how(landmarks, world, rotation(view.axis, view.degrees))
    if view.metres is not None:
        rng = np.random.default_rng(seed)
        lm = at_distance(landmarks, world, view.metres, noise=view.noise, rng=rng)
        return lm, np.asarray(world, np.float32)
    return np.asarray(landmarks, np.float32), np.asarray(world, np.float32)


def view_names(degrees=DEGREES) -> list[str]:
    """ "frontal", "x+15" ... "z-45" (each axis and sign), "near", "far"."""
    return [v.name for v in views(degrees)]


def up_to(degrees: int) -> list[str]:
    """The views turned at most ``degrees``, with frontal, near and far."""
    return [v.name for v in views() if v.axis is None or abs(v.degrees) <= degrees]


def view(landmarks, world, name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Image and world landmarks of the hands seen as ``name`` (see :func:`view_names`)."""
    by_name = {v.name: v for v in views()}
    return repose(landmarks, world, by_name[name], seed)


def random_pose(
    landmarks, world, rng: np.random.Generator, max_deg: float = 30.0, moved: float = 0.3
) -> tuple[np.ndarray, np.ndarray]:
    """Each hand turned about x, y and z (uniform +-``max_deg`` each) and, for a share
    ``moved`` of them, seen from a random distance of 0.25-1.5 m with 0.5% landmark noise:
    augmentation for fitting the "not a sign" gate (training.gate_fit)."""
    n = len(landmarks)
    a = np.radians(rng.uniform(-max_deg, max_deg, (n, 3)))
    rots = axis_rotations(2, a[:, 2]) @ axis_rotations(1, a[:, 1]) @ axis_rotations(0, a[:, 0])
    lm, w = turn(landmarks, world, rots)
    rows = np.flatnonzero(rng.random(n) < moved)
    metres = np.round(rng.uniform(NEAR_M, FAR_M, len(rows)) / 0.05) * 0.05
    for m in np.unique(metres):
        sel = rows[metres == m]
        lm[sel] = at_distance(lm[sel], w[sel], float(m), noise=0.005, rng=rng)
    return lm, w
