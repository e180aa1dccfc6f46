"""Fingertip paths and timing for synthetic motions: the J and Z as people might draw them
(not the recogniser's templates), strokes with minimum-jerk timing, lines, arcs and
smooth random wandering. Points are (x, y) with y down, in the signer's view."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def min_jerk(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x**2)


def polyline_at(pts: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Points at arc-length fractions ``s`` of a polyline."""
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(pts, axis=0), axis=1))])
    s = np.clip(s, 0, 1) * cum[-1]
    return np.stack([np.interp(s, cum, pts[:, 0]), np.interp(s, cum, pts[:, 1])], axis=-1)


def _bezier(p0, p1, p2, n: int = 12) -> np.ndarray:
    s = np.linspace(0, 1, n)[:, None]
    return (1 - s) ** 2 * p0 + 2 * (1 - s) * s * p1 + s**2 * p2


def j_path(rng: np.random.Generator) -> np.ndarray:
    """Little fingertip J (signer's view, right hand, y down): a drop, slightly bowed, then
    an elliptical hook curving to the thumb side and up. Not the recogniser's templates."""
    u = rng.uniform
    drop, bow = u(0.1, 0.7), u(-0.08, 0.08)
    down = _bezier(np.zeros(2), np.array([bow, drop / 2]), np.array([0.0, drop]))
    rx, ry, tilt = u(0.15, 0.45), u(0.15, 0.45), np.radians(u(-15, 15))
    phi = np.radians(np.linspace(0, u(100, 210), 40))
    hook = np.stack([-rx + rx * np.cos(phi), ry * np.sin(phi)], axis=1)
    hook = hook @ np.array([[np.cos(tilt), np.sin(tilt)], [-np.sin(tilt), np.cos(tilt)]])
    return np.concatenate([down, hook[1:] + down[-1]])


def z_path(rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, ...]]:
    """Index fingertip Z (signer's view, y down): right, down-left, right; strokes of
    random length and slant, corners sharp or rounded."""
    u = rng.uniform
    top, bottom, h = u(0.7, 1.3), u(0.6, 1.3), u(0.5, 1.3)
    a_top, a_bottom = np.radians(u(-12, 12, 2))
    p0 = np.zeros(2)
    p1 = p0 + top * np.array([np.cos(a_top), np.sin(a_top)])
    p2 = np.array([u(-0.2, 0.2), h])
    p3 = p2 + bottom * np.array([np.cos(a_bottom), np.sin(a_bottom)])
    corners = [p0]
    for prev, c, nxt in ((p0, p1, p2), (p1, p2, p3)):
        r = u(0.0, 0.15)  # rounding: cut the corner with a curve
        a = c + r * (prev - c) / np.linalg.norm(prev - c)
        b = c + r * (nxt - c) / np.linalg.norm(nxt - c)
        corners.extend(_bezier(a, c, b, 6) if r > 0.02 else [c])
    path = np.array([*corners, p3])
    return path, _arc_fractions(path, [p1, p2])


def _arc_fractions(path: np.ndarray, points: list) -> tuple[float, ...]:
    """Arc-length fractions of the path's vertices nearest to ``points``."""
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    idx = [int(np.argmin(np.linalg.norm(path - p, axis=1))) for p in points]
    return tuple(cum[idx] / cum[-1])


def trace(path: np.ndarray, rng: np.random.Generator, breaks: tuple = ()) -> Callable:
    """tau in [0, 1] -> point on ``path``, one minimum-jerk stroke between the arc-length
    fractions in ``breaks`` (a Z's corners, each with a short pause)."""
    cuts = np.array([0.0, *breaks, 1.0])
    seg = np.diff(cuts)
    dwell = rng.uniform(0.0, 0.06, len(seg)) if breaks else np.zeros(len(seg))
    share = np.concatenate([[0.0], np.cumsum(seg**0.6 + dwell)])
    share /= share[-1]

    def at(tau: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(share, tau, side="right") - 1, 0, len(seg) - 1)
        local = (tau - share[i]) / (share[i + 1] - share[i])
        local = min_jerk(local * (1 + dwell[i] / (share[i + 1] - share[i])))
        return polyline_at(path, cuts[i] + local * seg[i])

    return at


def line_path(length: float, angle: float, bend: float) -> Callable:
    """tau -> a point on a straight (bend 0) or circular-arc path, min-jerk timing."""
    s = np.linspace(0, 1, 30)
    heading = np.radians(angle + bend * (s - 0.5))
    steps = np.stack([np.cos(heading), np.sin(heading)], axis=1) * length / len(s)
    pts = np.concatenate([[[0.0, 0.0]], np.cumsum(steps, axis=0)])
    return lambda tau: polyline_at(pts, min_jerk(tau))


def rotate2(p: np.ndarray, deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return p @ np.array([[c, s], [-s, c]])


def smooth_noise(rng: np.random.Generator, amp: float, fmax: float) -> Callable:
    """A smooth random 2-D curve of time (sum of three sinusoids per axis)."""
    f = rng.uniform(0.2, fmax, (3, 2))
    ph = rng.uniform(0, 2 * np.pi, (3, 2))
    a = rng.uniform(0.3, 1.0, (3, 2)) * amp / 3
    return lambda t: (a * np.sin(2 * np.pi * f * np.asarray(t)[..., None, None] + ph)).sum(-2)
