"""Fingertip paths for the motion signs: resampling, smoothing, templates, template matching.

A path is a fingertip's track over the last second or so, in palm lengths. It is put on
a regular time grid (any frame rate, dropped frames) and smoothed; the candidate segments
cut from it (:mod:`handcam.signs.motion_candidates`) are resampled to ``n`` points evenly
spaced along their length (so speed and pauses do not matter), centred and scaled to unit
size. :class:`TemplateBank` compares them with a letter's template
paths point by point (the $1 recogniser's distance) after fitting each template by the
best linear map in closed form: turned by up to 30 degrees and stretched or sheared
within a limit, with templates of several proportions and their mirror images (a left
hand, an unmirrored camera).
"""

from __future__ import annotations

import numpy as np


def normalise(paths: np.ndarray) -> np.ndarray:
    """(..., n, 2) -> centred on their mean point, root-mean-square radius 1."""
    centred = paths - paths.mean(axis=-2, keepdims=True)
    rms = np.sqrt((centred**2).sum(axis=-1).mean(axis=-1))
    return centred / np.maximum(rms, 1e-9)[..., None, None]


def resample(points: np.ndarray, n: int) -> np.ndarray:
    """A polyline (m, 2) -> n points evenly spaced along its length."""
    cum = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))])
    cum += np.arange(len(cum)) * 1e-9  # strictly increasing for np.interp
    s = np.linspace(0.0, cum[-1], n)
    return np.stack([np.interp(s, cum, points[:, 0]), np.interp(s, cum, points[:, 1])], axis=1)


def hermite(grid: np.ndarray, t: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Points at times ``grid`` on the cubic (Catmull-Rom-like) curve through ``xy`` at ``t``:
    a hook seen in a few frames at 15 fps keeps its curve instead of straight chords."""
    if len(t) < 3:
        return np.stack([np.interp(grid, t, xy[:, 0]), np.interp(grid, t, xy[:, 1])], axis=1)
    slope = np.empty_like(xy)
    slope[1:-1] = (xy[2:] - xy[:-2]) / (t[2:] - t[:-2])[:, None]
    slope[0] = (xy[1] - xy[0]) / (t[1] - t[0])
    slope[-1] = (xy[-1] - xy[-2]) / (t[-1] - t[-2])
    i = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(t) - 2)
    h = (t[i + 1] - t[i])[:, None]
    s = np.clip((grid - t[i])[:, None] / h, 0.0, 1.0)
    h00, h01 = 2 * s**3 - 3 * s**2 + 1, 3 * s**2 - 2 * s**3
    h10, h11 = s**3 - 2 * s**2 + s, s**3 - s**2
    return h00 * xy[i] + h10 * h * slope[i] + h01 * xy[i + 1] + h11 * h * slope[i + 1]


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing along axis 0 (edges held), sigma in samples."""
    if sigma < 0.3:
        return x
    r = int(np.ceil(2.5 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.concatenate([np.repeat(x[:1], r, 0), x, np.repeat(x[-1:], r, 0)])
    return np.stack([np.convolve(padded[:, j], k, mode="valid") for j in range(x.shape[1])], 1)


class TemplateBank:
    """Template paths of one sign; :meth:`distance` to the nearest.

    ``sides``: the templates as drawn (False: signer's view of a right hand, which is how
    a mirrored camera shows it), their mirror images (True: a left hand, or an unmirrored
    camera), or both.

    Each template is fitted to a path by the linear map (least squares, closed form) that
    turns it by at most ``max_tilt`` degrees and stretches or shears it by at most
    ``max_stretch`` (ratio of its singular values); where the best map breaks those
    limits, by the best rotation within ``max_tilt`` alone (the Protractor recogniser's
    closed form). ``max_stretch`` 1 allows rotation only.
    """

    def __init__(
        self,
        label: str,
        shapes: list[np.ndarray],
        max_tilt: float = 30.0,
        max_stretch: float = 2.0,
        sides: tuple[bool, ...] = (False, True),
        n: int = 32,
    ) -> None:
        self.label, self.max_tilt, self.max_stretch = label, np.radians(max_tilt), max_stretch
        flips = [(-1.0 if side else 1.0, 1.0) for side in sides]  # True: the mirror image
        variants = [resample(p * f, n) for p in shapes for f in flips]
        self.paths = paths = normalise(np.array(variants))  # (T, n, 2)
        self._flat = paths.reshape(len(paths), -1) / np.sqrt(n)  # unit vectors
        self._turned = (paths @ np.array([[0.0, 1.0], [-1.0, 0.0]])).reshape(len(paths), -1)
        self._turned /= np.sqrt(n)
        inv = np.linalg.inv(np.einsum("tni,tnj->tij", paths, paths))  # (T, 2, 2)
        self._inv = (inv[:, 0, 0], inv[:, 0, 1], inv[:, 1, 0], inv[:, 1, 1])
        self._cols = np.ascontiguousarray(paths.transpose(0, 2, 1).reshape(-1, n))  # (2T, n)

    def distance(self, paths: np.ndarray) -> np.ndarray:
        """(K, n, 2) normalised paths -> (K,) root-mean-square point distance (in path radii)
        to the nearest template after its best allowed map."""
        k, n = paths.shape[:2]
        flat = paths.reshape(k, -1) / np.sqrt(n)
        a, b = flat @ self._flat.T, flat @ self._turned.T  # (K, T): cos and sin parts
        angle = np.clip(np.arctan2(b, a), -self.max_tilt, self.max_tilt)
        d2 = 2.0 - 2.0 * (a * np.cos(angle) + b * np.sin(angle))
        if self.max_stretch > 1.0:
            t = len(self.paths)  # c[k, t] = template_t.T @ path_k, as one matrix product
            c = (self._cols @ paths.transpose(1, 0, 2).reshape(n, 2 * k)).reshape(t, 2, k, 2)
            c00, c01, c10, c11 = c[:, 0, :, 0].T, c[:, 0, :, 1].T, c[:, 1, :, 0].T, c[:, 1, :, 1].T
            i00, i01, i10, i11 = self._inv  # the map m = inv(template.T @ template) @ c
            m00, m01 = i00 * c00 + i01 * c10, i00 * c01 + i01 * c11
            m10, m11 = i10 * c00 + i11 * c10, i10 * c01 + i11 * c11
            e, h = (m00 + m11) / 2, (m01 - m10) / 2  # its rotation-and-scale part
            f, g = (m00 - m11) / 2, (m01 + m10) / 2  # its stretch-and-shear part
            q, r = np.hypot(e, h), np.hypot(f, g)  # singular values q + r, q - r
            ok = (q - r) * self.max_stretch >= q + r  # keeps orientation, stretch in limit
            ok &= np.abs(np.arctan2(h, e)) <= self.max_tilt
            fitted = 1.0 - (m00 * c00 + m01 * c01 + m10 * c10 + m11 * c11) / n
            d2 = np.where(ok, np.minimum(d2, fitted), d2)
        return np.sqrt(np.maximum(d2.min(axis=1), 0.0))
