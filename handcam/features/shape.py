"""The "shape" feature set: what a hand sign is made of, in numbers that do not depend on
whose hand it is or where it stands in the picture.

From the 21 MediaPipe landmarks (image, and world where known), for a hand mirrored to a
right hand (handedness "Left" has x negated):

- 210 distances between every pair of world landmarks / palm size: the hand's shape,
  unchanged by rotation, position, scale and mirroring;
- 30 fingertip order and crossing terms: tanh(4 * difference) of the x, y, z of every pair
  of fingertips in a palm-aligned frame of the image landmarks (R's crossed fingers, the
  thumb over or under the fingers in A / S / E / T / M / N);
- 24 orientation terms: the palm's axes (9) and each finger's pointing direction (15) in
  camera coordinates (H vs U, P vs K, Q vs G differ only by where the hand points);
- 19 joint-angle cosines (15 flexions, 4 spreads between neighbouring fingers);
- 100 fingertip-to-landmark world distances / palm size;
- 6 finger-lane positions of the index and middle finger joints (how far each crosses
  into its neighbour's lane).

Measured on the shared letters (8 signers, leave-one-signer-out) with bone-length
augmentation and a linear classifier: 0.974 against 0.901 for the "coords" set; digits
unchanged (0.997). Without world landmarks the image landmarks stand in for them.
"""

from __future__ import annotations

import numpy as np

TIPS = np.array([4, 8, 12, 16, 20])
BASES = np.array([2, 5, 9, 13, 17])
_PAIRS = np.triu_indices(21, 1)
_TIP_PAIRS = np.triu_indices(5, 1)
_CHAINS = ((0, 1, 2, 3, 4), (0, 5, 6, 7, 8), (0, 9, 10, 11, 12), (0, 13, 14, 15, 16),
           (0, 17, 18, 19, 20))  # fmt: skip
_JA = np.array([c[i] for c in _CHAINS for i in range(3)])
_JB = np.array([c[i + 1] for c in _CHAINS for i in range(3)])
_JC = np.array([c[i + 2] for c in _CHAINS for i in range(3)])
_PROXIMAL = np.array([1, 5, 9, 13, 17])  # first bone of each finger: spreads between them
_TIP_ROWS = np.array([t for t in TIPS for j in range(21) if j != t])
_TIP_COLS = np.array([j for t in TIPS for j in range(21) if j != t])
_LANE_JOINTS = np.array([8, 7, 6, 12, 11, 10])  # index tip, DIP, PIP; middle tip, DIP, PIP
_LANE_OWN = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
SHAPE_FEATURES = 210 + 30 + 24 + 19 + 100 + 6


def _norm(v: np.ndarray) -> np.ndarray:
    return np.sqrt((v * v).sum(-1))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (_norm(v)[..., None] + 1e-9)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a[..., [1, 2, 0]] * b[..., [2, 0, 1]] - a[..., [2, 0, 1]] * b[..., [1, 2, 0]]


def palm_frame(pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3, 3) palm axes as rows (x across the knuckles, y wrist -> middle knuckle, z
    their cross product) and (N,) palm size (mean of four palm edges)."""
    d9, d5, d17 = pts[:, 9] - pts[:, 0], pts[:, 5] - pts[:, 0], pts[:, 17] - pts[:, 0]
    across = pts[:, 17] - pts[:, 5]
    y = _unit(d9)
    x = _unit(across - (across * y).sum(-1, keepdims=True) * y)
    z = _cross(x, y)
    size = (_norm(d9) + _norm(d5) + _norm(d17) + _norm(across)) / 4
    return np.stack([x, y, z], axis=1), size + 1e-9


def shape_features(image: np.ndarray, world: np.ndarray | None, mirror: np.ndarray) -> np.ndarray:
    """(N, 21, 3) image landmarks, (N, 21, 3) world landmarks (or None; NaN rows fall back
    to the image landmarks), (N,) bool mirror -> (N, 389) float32."""
    pi = np.array(image, dtype=np.float64)
    pw = pi.copy() if world is None else np.array(world, dtype=np.float64)
    missing = ~np.isfinite(pw).all(axis=(1, 2))
    pw[missing] = pi[missing]
    pi[mirror, :, 0] *= -1
    pw[mirror, :, 0] *= -1
    n = len(pi)
    if n == 1:  # the live app, every frame: the same numbers, 3x faster
        return _one(pi[0], pw[0])[None]
    rot_w, size_w = palm_frame(pw)
    diff = pw[:, _PAIRS[0]] - pw[:, _PAIRS[1]]
    pairs = _norm(diff) / size_w[:, None]
    rot_i, size_i = palm_frame(pi)
    local = np.matmul(pi - pi[:, :1], rot_i.transpose(0, 2, 1)) / size_i[:, None, None]
    tips = local[:, TIPS]
    cross = np.tanh(4.0 * (tips[:, _TIP_PAIRS[0]] - tips[:, _TIP_PAIRS[1]])).reshape(n, 30)
    pointing = _unit(pw[:, TIPS] - pw[:, BASES]).reshape(n, 15)
    b1, b2 = _unit(pi[:, _JB] - pi[:, _JA]), _unit(pi[:, _JC] - pi[:, _JB])
    prox = _unit(pi[:, _PROXIMAL + 1] - pi[:, _PROXIMAL])
    angles = np.concatenate([(b1 * b2).sum(-1), (prox[:, :4] * prox[:, 1:]).sum(-1)], axis=1)
    tip_dist = _norm(pw[:, _TIP_ROWS] - pw[:, _TIP_COLS]) / size_w[:, None]
    out = np.concatenate(
        [pairs, cross, rot_w.reshape(n, 9), pointing, angles, tip_dist, _lanes(local)], axis=1
    )
    return out.astype(np.float32)


_PAIR_FLAT = _PAIRS[0] * 21 + _PAIRS[1]
_TIP_PAIR_FLAT = _TIP_PAIRS[0] * 5 + _TIP_PAIRS[1]
_TIP_FLAT = _TIP_ROWS * 21 + _TIP_COLS


def _frame_one(p: np.ndarray) -> tuple[np.ndarray, float]:
    d9, d5, d17, across = p[9] - p[0], p[5] - p[0], p[17] - p[0], p[17] - p[5]
    n9 = np.sqrt(d9 @ d9)
    y = d9 / (n9 + 1e-9)
    x = across - (across @ y) * y
    x = x / (np.sqrt(x @ x) + 1e-9)
    z = x[[1, 2, 0]] * y[[2, 0, 1]] - x[[2, 0, 1]] * y[[1, 2, 0]]
    size = (n9 + np.sqrt(d5 @ d5) + np.sqrt(d17 @ d17) + np.sqrt(across @ across)) / 4
    return np.stack([x, y, z]), size + 1e-9


def _one(pi: np.ndarray, pw: np.ndarray) -> np.ndarray:
    """:func:`shape_features` of one (mirrored) hand, with a Gram matrix for distances."""
    rot_w, size_w = _frame_one(pw)
    q = pw - pw[0]
    sq = (q * q).sum(1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * (q @ q.T), 0.0)).ravel()
    rot_i, size_i = _frame_one(pi)
    local = ((pi - pi[0]) @ rot_i.T) / size_i
    tips = local[TIPS]
    cross = np.tanh(4.0 * (tips[:, None, :] - tips[None, :, :]).reshape(25, 3)[_TIP_PAIR_FLAT])
    pointing = pw[TIPS] - pw[BASES]
    pointing /= np.sqrt((pointing * pointing).sum(1))[:, None] + 1e-9
    b1, b2 = pi[_JB] - pi[_JA], pi[_JC] - pi[_JB]
    b1 /= np.sqrt((b1 * b1).sum(1))[:, None] + 1e-9
    b2 /= np.sqrt((b2 * b2).sum(1))[:, None] + 1e-9
    prox = pi[_PROXIMAL + 1] - pi[_PROXIMAL]
    prox /= np.sqrt((prox * prox).sum(1))[:, None] + 1e-9
    angles = np.concatenate([(b1 * b2).sum(1), (prox[:4] * prox[1:]).sum(1)])
    parts = (
        dist[_PAIR_FLAT] / size_w,
        cross.ravel(),
        rot_w.ravel(),
        pointing.ravel(),
        angles,
        dist[_TIP_FLAT] / size_w,
        _lanes(local[None])[0],
    )
    return np.concatenate(parts)


def _lanes(local: np.ndarray) -> np.ndarray:
    """(N, 6): the palm-frame x of the index and middle tip, DIP and PIP mapped onto finger
    lanes (knuckles of index = 0, middle = 1, ring = 2, pinky = 3; linear beyond), minus the
    finger's own lane: ~0 in its own lane, ~+1 for an index finger crossed over the middle."""
    knuckles = local[:, [5, 9, 13, 17], 0]
    order = np.argsort(knuckles, axis=1)
    rows = np.arange(len(local))[:, None]
    knots = knuckles[rows, order]
    lanes = order.astype(np.float64)
    v = local[:, _LANE_JOINTS, 0]
    seg = (v[:, :, None] >= knots[:, None, 1:3]).sum(-1)
    k0, k1 = knots[rows, seg], knots[rows, seg + 1]
    l0, l1 = lanes[rows, seg], lanes[rows, seg + 1]
    return np.clip(l0 + (v - k0) * (l1 - l0) / (k1 - k0 + 1e-9) - _LANE_OWN, -4, 6)
