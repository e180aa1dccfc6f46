"""Augmentation. Landmarks: applied to the raw 21x3 points (image and world landmarks
alike) before features are computed, so every feature set sees a plausible other hand:
bone lengths of another person, a camera at another angle, detector jitter, and the
other hand. Crops: Keras layers inside the model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Finger chains from the wrist: each joint moves with the bone before it.
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))


@dataclass(frozen=True)
class LandmarkAugment:
    """Ranges of the random changes (uniform in +-range unless said otherwise)."""

    rotate_deg: float = 15.0  # in the image plane
    tilt_deg: float = 20.0  # about the two other axes (camera angle)
    scale: float = 0.10  # anisotropic, per axis
    bone: float = 0.08  # per-finger length change (another person's hand)
    bone_each: float = 0.04  # per-bone change on top
    jitter: float = 0.01  # Gaussian, of the hand size
    mirror_prob: float = 0.5  # the other hand (landmark indices are anatomical)


def augment_hands(
    landmarks: np.ndarray,
    world: np.ndarray,
    handedness: np.ndarray,
    rng: np.random.Generator,
    cfg: LandmarkAugment | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Randomly changed copies of (N, 21, 3) image and world landmarks, and handedness.

    Mirroring flips the handedness: the shared preprocessing then mirrors the hand (or
    stops mirroring it), which is exactly what a hand made with the other hand looks like.
    """
    cfg = cfg or LandmarkAugment()
    n = len(landmarks)
    bones = _bone_factors(n, rng, cfg)
    rot = _rotations(n, rng, cfg)
    scale = 1.0 + rng.uniform(-cfg.scale, cfg.scale, (n, 1, 3))
    out = []
    for pts in (landmarks, world):
        p = _scale_bones(np.asarray(pts, np.float32), bones)
        origin = p[:, :1]
        p = np.einsum("nij,nkj->nki", rot, p - origin) * scale + origin
        size = np.ptp(p[:, :, :2], axis=1).max(axis=1)[:, None, None]
        p = p + rng.normal(0, 1, p.shape) * cfg.jitter * size
        out.append(p.astype(np.float32))
    hand = np.asarray(handedness, dtype=str).copy()
    flip = rng.random(n) < cfg.mirror_prob
    lower = np.char.lower(hand)
    hand[flip & (lower == "left")] = "Right"
    hand[flip & (lower != "left")] = "Left"
    return out[0], out[1], hand


def _bone_factors(n: int, rng: np.random.Generator, cfg: LandmarkAugment) -> np.ndarray:
    """(N, 5, 4) length factor of each finger's 4 bones."""
    finger = rng.uniform(-cfg.bone, cfg.bone, (n, 5, 1))
    each = rng.uniform(-cfg.bone_each, cfg.bone_each, (n, 5, 4))
    return 1.0 + finger + each


def _scale_bones(pts: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """Lengthen or shorten each finger bone, moving the joints beyond it along."""
    out = pts.copy()
    for f, chain in enumerate(FINGERS):
        prev_old, prev_new = pts[:, 0], out[:, 0]
        for b, j in enumerate(chain):
            bone = pts[:, j] - prev_old
            prev_old = pts[:, j]
            out[:, j] = prev_new + bone * factors[:, f, b, None]
            prev_new = out[:, j]
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


def crop_augmentation_layers(strength: float = 1.0) -> list:
    """Keras layers that augment (S, S, 3) crops in 0..255 while training only."""
    import keras

    return [
        keras.layers.RandomRotation(0.05 * strength, fill_mode="nearest"),
        keras.layers.RandomZoom(0.12 * strength, fill_mode="nearest"),
        keras.layers.RandomTranslation(0.06 * strength, 0.06 * strength, fill_mode="nearest"),
        keras.layers.RandomBrightness(0.25 * strength, value_range=(0, 255)),
        keras.layers.RandomContrast(0.25 * strength),
    ]
