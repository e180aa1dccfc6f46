"""Augmentation. Landmarks: applied to the raw 21x3 points (image and world landmarks
alike) before features are computed, so every feature set sees a plausible other hand:
bone lengths of another person, a camera at another angle, detector jitter, and the
other hand. Crops: training.crop_augment (on the device, outside the saved model)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Each landmark's parent joint (the bone that carries it), and the finger it belongs to.
PARENT = np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19])
FINGER = np.array([-1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])


@dataclass(frozen=True)
class LandmarkAugment:
    """How much the random changes vary. Measured on the letters (leave-one-signer-out):
    bone lengths helped (+0.5 points with a linear model, +2 with the MLP); rotation and
    jitter did not, so they are off by default."""

    bone: float = 0.08  # s.d. of each bone's length factor (another person's hand)
    finger: float = 0.06  # s.d. of a whole finger's length factor
    palm: float = 0.05  # s.d. of each palm bone's (wrist -> knuckle) length factor
    rotate_deg: float = 0.0  # uniform +- in the image plane
    tilt_deg: float = 0.0  # uniform +- about the two other axes (camera angle)
    jitter: float = 0.0  # Gaussian, of the hand size
    mirror_prob: float = 0.5  # the other hand (landmark indices are anatomical)


def augment_hands(
    landmarks: np.ndarray,
    world: np.ndarray,
    handedness: np.ndarray,
    rng: np.random.Generator,
    cfg: LandmarkAugment | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Randomly changed copies of (N, 21, 3) image and world landmarks, and handedness.

    Every bone is rescaled (its own factor times its finger's; palm bones their own),
    the same for image and world points, moving the joints beyond it along. Mirroring
    flips the handedness: the shared preprocessing then mirrors the hand (or stops
    mirroring it), which is what the same sign made with the other hand looks like.
    """
    cfg = cfg or LandmarkAugment()
    n = len(landmarks)
    factors = _bone_factors(n, rng, cfg)
    rot = _rotations(n, rng, cfg) if (cfg.rotate_deg or cfg.tilt_deg) else None
    noise = rng.normal(0, 1, (n, 21, 3)) if cfg.jitter else None
    out = []
    for pts in (landmarks, world):
        p = _scale_bones(np.asarray(pts, np.float64), factors)
        if rot is not None:
            origin = p[:, :1]
            p = np.einsum("nij,nkj->nki", rot, p - origin) + origin
        if noise is not None:
            size = np.ptp(p[:, :, :2], axis=1).max(axis=1)[:, None, None]
            p = p + noise * cfg.jitter * size
        out.append(p.astype(np.float32))
    hand = np.asarray(handedness, dtype=str).copy()
    flip = rng.random(n) < cfg.mirror_prob
    lower = np.char.lower(hand)
    hand[flip & (lower == "left")] = "Right"
    hand[flip & (lower != "left")] = "Left"
    return out[0], out[1], hand


def _bone_factors(n: int, rng: np.random.Generator, cfg: LandmarkAugment) -> np.ndarray:
    """(N, 21) length factor of the bone ending at each landmark (index 0 unused)."""
    fac = 1 + cfg.bone * rng.normal(size=(n, 21))
    finger = 1 + cfg.finger * rng.normal(size=(n, 5))
    palm = 1 + cfg.palm * rng.normal(size=(n, 21))
    in_finger = PARENT > 0
    fac[:, in_finger] *= finger[:, FINGER[in_finger]]
    from_wrist = PARENT == 0
    fac[:, from_wrist] = palm[:, from_wrist]
    return np.clip(fac, 0.7, 1.3)


def _scale_bones(pts: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Rescale every bone, moving the joints beyond it along (parents come first)."""
    out = np.empty_like(pts)
    out[:, 0] = pts[:, 0]
    for j in range(1, 21):
        p = PARENT[j]
        out[:, j] = out[:, p] + factors[:, j, None] * (pts[:, j] - pts[:, p])
    return out


def _rotations(n: int, rng: np.random.Generator, cfg: LandmarkAugment) -> np.ndarray:
    """(N, 3, 3) rotation matrices: in-plane, then tilts about x and y."""

    def angle(deg: float) -> np.ndarray:
        return np.radians(rng.uniform(-deg, deg, n))

    def rot(fixed: int, a: np.ndarray) -> np.ndarray:
        """Rotation by ``a`` about coordinate axis ``fixed`` (0 x, 1 y, 2 z)."""
        i, j = [k for k in range(3) if k != fixed]
        c, s = np.cos(a), np.sin(a)
        m = np.zeros((n, 3, 3))
        m[:, fixed, fixed] = 1.0
        m[:, i, i], m[:, j, j] = c, c
        m[:, i, j], m[:, j, i] = -s, s
        return m

    return rot(2, angle(cfg.rotate_deg)) @ rot(0, angle(cfg.tilt_deg)) @ rot(1, angle(cfg.tilt_deg))
