"""Candidate J / Z segments of a fingertip's path and what the scorer reads of each.

The path (palm lengths, x flipped for a hand MediaPipe calls "Left") is put on a 30 Hz grid
through the frames (:func:`~handcam.signs.motion_templates.hermite`, any frame rate or
dropped frames) and smoothed. A candidate is a segment of 0.3-1.7 s that ends at any of
the last ``end_span_s`` (a J or Z that runs straight into the next letter is still seen
whole), held the handshape for most of its time and is big enough. Of each, the features:
its distance to small J and Z template banks (turned, stretched; a J bank for each
drawing direction), extent, duration, how long ago it ended, the share of its time with the
handshape and with the still model's look-alike labels, the fingertip's speed at its ends
and after it over its peak, straightness and turning of the path, the hand's turn in the
image (angle) and toward or away from the camera (facing), and 8 of its resampled points.
:class:`MLPScorer` rates them (numpy only: weights from ``tools/motion_scorer.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handcam.signs.motion_templates import TemplateBank, _smooth, hermite, normalise

HZ = 30.0  # the grid the path is put on
STEP = 2  # grid samples between candidate starts and ends
N_POINTS = 24  # points of a resampled path
J_FAMILY = ("I", "J", "Y")  # still labels of the hand a J is made with
Z_FAMILY = ("D", "1", "Z", "G", "X", "Q", "P", "L")
SCORER = Path(__file__).with_name("motion_scorer.npz")


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> np.ndarray:
    a = np.radians(np.linspace(a0, a1, 24))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def j_small() -> list[np.ndarray]:
    """J hooks: drops of 0.15-1, hooks 0.2-0.45 wide turning 140-200 degrees."""
    out = []
    for drop in (0.15, 0.5, 1.0):
        for rx in (0.2, 0.45):
            for sweep in (140.0, 200.0):
                out.append(np.concatenate([[[0.0, 0.0]], _arc(-rx, drop, rx, 0.3, 0.0, sweep)]))
    return out


def z_small() -> list[np.ndarray]:
    """Z: three strokes, top and bottom of equal or unequal length, level or slanted."""
    out = []
    for top, bottom in ((1.0, 1.0), (1.0, 0.6), (0.6, 1.0)):
        for h in (0.4, 0.7, 1.1):
            for a_top, a_bottom in ((0.0, 0.0), (12.0, -12.0)):
                at, ab = np.radians(a_top), np.radians(a_bottom)
                start = np.array([1.0 - top * np.cos(at), -top * np.sin(at)])
                end = np.array([bottom * np.cos(ab), h + bottom * np.sin(ab)])
                out.append(np.array([start, [1.0, 0.0], [0.0, h], end]))
    return out


_BANKS: dict[str, TemplateBank] = {}


def banks() -> dict[str, TemplateBank]:
    if not _BANKS:
        _BANKS["J"] = TemplateBank("J", j_small(), max_stretch=1.5, sides=(False,), n=N_POINTS)
        _BANKS["Jm"] = TemplateBank("J", j_small(), max_stretch=1.5, sides=(True,), n=N_POINTS)
        _BANKS["Z"] = TemplateBank("Z", z_small(), max_stretch=2.0, sides=(False, True), n=N_POINTS)
    return _BANKS


def hand_pose(lms: np.ndarray, right: bool) -> tuple[float, float]:
    """(in-plane angle of wrist -> middle knuckle, palm facing in [-1, 1]) in the
    right-hand view (x flipped for a hand called "Left")."""
    p = lms[:, :3]
    if not right:
        p = p * np.array([-1.0, 1.0, 1.0])
    v = p[9] - p[0]
    u = p[5] - p[17]
    ang = float(np.arctan2(v[0], -v[1]))
    cross = u[0] * v[1] - u[1] * v[0]
    return ang, float(cross / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))


def family(probs: dict[str, float] | None, labels: tuple[str, ...]) -> float:
    """The still model's probability of any of ``labels`` (nan: no probabilities)."""
    if not probs:
        return np.nan
    return float(sum(probs.get(k, 0.0) for k in labels))


def range_max(x: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """max(x[s_k : e_k + 1]) for every k (a sparse table: O(m log m) + O(1) per query)."""
    table = [x]
    w = 1
    while 2 * w <= len(x):
        prev = table[-1]
        table.append(np.maximum(prev[:-w], prev[w:]))
        w *= 2
    k = np.floor(np.log2(e - s + 1)).astype(int)
    out = np.empty(len(s))
    for level in np.unique(k):
        sel = k == level
        out[sel] = np.maximum(table[level][s[sel]], table[level][e[sel] - (1 << level) + 1])
    return out


def _grid_sums(x: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(x)])


def features(v: dict, sign: str, shape_ok: np.ndarray, cfg) -> dict | None:
    """Features of every candidate segment of ``sign``'s fingertip in the track view ``v``
    (columns t, unit, tips, still, right, angle, facing); None when there is none."""
    t = v["t"]
    m = int((t[-1] - t[0]) * HZ) + 1
    base = 3
    if m < base + 3:
        return None
    grid = t[-1] - np.arange(m)[::-1] / HZ
    unit = max(float(np.median(v["unit"])), 1e-6)
    xy = v["tips"][:, 1 if sign == "J" else 0] / unit
    if v["right"].mean() < 0.5:
        xy = xy * np.array([-1.0, 1.0])
    pts = _smooth(hermite(grid, t, xy), 0.04 * HZ)
    sp = np.zeros(m)
    sp[base:] = np.linalg.norm(pts[base:] - pts[:-base], axis=1) * (HZ / base)
    sp[:base] = sp[base]
    sp = np.concatenate([sp[base // 2 :], np.repeat(sp[-1], base // 2)])  # centred
    cum = _grid_sums(np.linalg.norm(np.diff(pts, axis=0), axis=1))
    cum += np.arange(m) * 1e-9
    cfit = _grid_sums(np.interp(grid, t, shape_ok.astype(float)))
    k = 0 if sign == "J" else 1
    known = ~np.isnan(v["still"][:, k])
    if known.any():
        cst = _grid_sums(np.interp(grid, t[known], v["still"][known, k]))
        cot = _grid_sums(np.interp(grid, t[known], v["still"][known, 1 - k]))
    ang = np.interp(grid, t, np.unwrap(v["angle"]))
    fac = np.interp(grid, t, v["facing"])
    lo_len, hi_len = int(round(cfg.min_motion_s * HZ)), int(round(cfg.max_motion_s * HZ))
    ends = np.arange(m - 1, max(m - 1 - int(cfg.end_span_s * HZ), lo_len) - 1, -STEP)
    starts = [np.arange(max(0, e - hi_len), e - lo_len + 1, STEP) for e in ends]
    if not starts:
        return None
    s = np.concatenate(starts)
    e = np.concatenate([np.full(len(st), en) for st, en in zip(starts, ends, strict=True)])
    n_in = (e - s + 1).astype(float)
    shape_frac = (cfit[e + 1] - cfit[s]) / n_in
    keep = shape_frac >= cfg.shape_fraction
    s, e, n_in, shape_frac = s[keep], e[keep], n_in[keep], shape_frac[keep]
    if not len(s):
        return None
    u = np.linspace(0.0, 1.0, N_POINTS)
    at = cum[s, None] + u * (cum[e] - cum[s])[:, None]
    paths = np.stack([np.interp(at, cum, pts[:, 0]), np.interp(at, cum, pts[:, 1])], -1)
    extent = np.ptp(paths, axis=1).max(axis=1)
    keep = extent >= (cfg.j_min_extent if sign == "J" else cfg.z_min_extent)
    if not keep.any():
        return None
    s, e, n_in, shape_frac = s[keep], e[keep], n_in[keep], shape_frac[keep]
    paths, extent = paths[keep], extent[keep]
    peak = np.maximum(range_max(sp, s, e), 1e-6)
    after = np.maximum.accumulate(sp[::-1])[::-1][e]
    norm = normalise(paths)
    bk = banks()
    if sign == "J":
        d_main, d_alt, d_other = (bk[b].distance(norm) for b in ("J", "Jm", "Z"))
    else:
        d_main = d_alt = bk["Z"].distance(norm)
        d_other = bk["J"].distance(norm)
    chord = np.linalg.norm(pts[e] - pts[s], axis=1)
    head = np.diff(paths, axis=1)
    hd = np.arctan2(head[..., 1], head[..., 0])
    turn = np.angle(np.exp(1j * np.diff(hd, axis=1)))
    nan = np.full(len(s), np.nan)
    return {
        "start": grid[s], "end": grid[e], "dur": (e - s) / HZ, "age": (m - 1 - e) / HZ,
        "extent": extent, "shape": shape_frac,
        "still": (cst[e + 1] - cst[s]) / n_in if known.any() else nan,
        "still_other": (cot[e + 1] - cot[s]) / n_in if known.any() else nan,
        "rest0": sp[s] / peak, "rest1": sp[e] / peak, "after": after / peak,
        "d_main": d_main, "d_alt": d_alt, "d_other": d_other,
        "straight": chord / np.maximum(cum[e] - cum[s], 1e-9),
        "tot_turn": np.abs(turn).sum(axis=1), "net_turn": turn.sum(axis=1),
        "sharp": (np.abs(turn) > np.radians(50)).sum(axis=1).astype(float),
        "d_angle": ang[e] - ang[s], "d_facing": fac[e] - fac[s],
        "fac_min": -range_max(-fac, s, e), "fac0": fac[s], "paths": norm,
    }  # fmt: skip


FEATURES = ("d_main", "d_alt", "d_other", "extent", "dur", "age", "shape", "still", "still_known",
            "still_other", "rest0", "rest1", "after", "straight", "tot_turn", "net_turn", "sharp",
            "d_angle", "d_facing", "fac_min", "fac0")  # fmt: skip
PATH_POINTS = np.round(np.linspace(0, N_POINTS - 1, 8)).astype(int)


def vectorize(f: dict) -> np.ndarray:
    """(K, 37) scorer inputs of a candidate feature dict."""
    k = len(f["dur"])
    known = ~np.isnan(f["still"])
    cols = []
    for name in FEATURES:
        if name == "extent":
            cols.append(np.log(f["extent"]))
        elif name in ("still", "still_other"):
            cols.append(np.where(known, f[name], 0.5))
        elif name == "still_known":
            cols.append(known.astype(float))
        else:
            cols.append(np.broadcast_to(np.asarray(f[name], float), (k,)))
    return np.column_stack(cols + [f["paths"][:, PATH_POINTS].reshape(k, -1)])


class MLPScorer:
    """Small MLPs per sign (standardise, ReLU layers, a logit), in numpy; with several
    members (``members`` in the file, keys prefixed ``m0/``, ``m1/``, ...) their logits are
    averaged before the sigmoid, so one net's stray certainty is not enough."""

    def __init__(self, path: Path = SCORER) -> None:
        with np.load(path) as data:
            prefixes = (
                [f"m{m}/" for m in range(int(data["members"]))] if "members" in data else [""]
            )
            self.nets: dict[str, list] = {"J": [], "Z": []}
            for pre in prefixes:
                for sign in ("J", "Z"):
                    n = int(data[f"{pre}{sign}_layers"])
                    layers = [
                        (data[f"{pre}{sign}_W{i}"], data[f"{pre}{sign}_b{i}"]) for i in range(n)
                    ]
                    self.nets[sign].append(
                        (data[f"{pre}{sign}_mean"], data[f"{pre}{sign}_scale"], layers)
                    )

    def __call__(self, sign: str, f: dict) -> np.ndarray:
        """(K,) probability that each candidate is the whole motion of ``sign``."""
        v = vectorize(f)
        logit = np.zeros(len(v))
        for mean, scale, layers in self.nets[sign]:
            x = (v - mean) / scale
            for i, (w, b) in enumerate(layers):
                x = x @ w + b
                if i < len(layers) - 1:
                    x = np.maximum(x, 0.0)
            logit += x[:, -1]
        return 1.0 / (1.0 + np.exp(-logit / len(self.nets[sign])))
