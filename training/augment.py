"""Augmentation. Landmarks: applied to the raw 21x3 points (image and world landmarks
alike) before features are computed, so every feature set sees a plausible other hand:
bone lengths of another person, the hand seen from another camera angle and distance,
detector jitter, and the other hand. Crops: training.crop_augment (on the device, outside
the saved model)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from training.repose import SEEN_AT, at_distance, axis_rotations, turn_rescaled

# Each landmark's parent joint (the bone that carries it), and the finger it belongs to.
PARENT = np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19])
FINGER = np.array([-1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4])


@dataclass(frozen=True)
class LandmarkAugment:
    """How much the random changes vary (saved in a bundle's config.json as ``augment``).

    Bone lengths: +0.5 points leave-one-signer-out on the letters with a linear model, +2
    with the MLP. Views (turns about the camera's axes, distance, jitter): chosen by the
    re-posing benchmark (``python -m benchmarks.angles``) on held-out signers of the letters
    and digits; roll is kept small because some letters differ by it alone (I and the
    still J lie about 30 degrees apart in the image plane; H and U, G and Q, K and P by
    where the hand points)."""

    bone: float = 0.08  # s.d. of each bone's length factor (another person's hand)
    finger: float = 0.06  # s.d. of a whole finger's length factor
    palm: float = 0.05  # s.d. of each palm bone's (wrist -> knuckle) length factor
    pitch_deg: float = 30.0  # uniform +- about the camera's x axis (top toward / away)
    yaw_deg: float = 45.0  # uniform +- about the camera's y axis (turned side-on)
    roll_deg: float = 15.0  # uniform +- about the camera's z axis (in the image plane)
    near_m: float = 0.25  # camera distances (log-uniform) for the perspective ...
    far_m: float = 1.5
    distance_prob: float = 0.5  # ... of this share of the hands (the others stay at 0.5 m)
    jitter: float = 0.01  # Gaussian noise of the image landmarks, of the hand's size
    mirror_prob: float = 0.5  # the other hand (landmark indices are anatomical)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> LandmarkAugment:
        """The defaults with ``data``'s values over them; ValueError naming unknown keys."""
        data = dict(data or {})
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown landmark augmentation settings: {sorted(unknown)}")
        return cls(**data)

    def without_views(self) -> LandmarkAugment:
        """Bone lengths and mirroring only: the recipe before the views were taught."""
        return replace(
            self, pitch_deg=0.0, yaw_deg=0.0, roll_deg=0.0, distance_prob=0.0, jitter=0.0
        )


NO_VIEWS = LandmarkAugment().without_views().to_dict()  # --no-view-augment


def landmark_augment(cfg, spec) -> LandmarkAugment:
    """A run's landmark augmentation: its ``augment`` settings over the defaults, without
    mirroring where the run says so (or where crops are trained beside the landmarks)."""
    aug = LandmarkAugment.from_dict(cfg.augment)
    if not cfg.mirror_augment or "crop" in spec.inputs:
        aug = replace(aug, mirror_prob=0.0)
    return aug


def augment_hands(
    landmarks: np.ndarray,
    world: np.ndarray,
    handedness: np.ndarray,
    rng: np.random.Generator,
    cfg: LandmarkAugment | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Randomly changed copies of (N, 21, 3) image and world landmarks, and handedness.

    Every bone is rescaled (its own factor times its finger's; palm bones their own),
    the same for image and world points, moving the joints beyond it along. The hand is
    then turned about the camera's z, x and y axes (image and world landmarks alike,
    see :func:`training.repose.turn_rescaled`), seen from another distance, and its image
    landmarks jittered. Mirroring flips the handedness: the shared preprocessing then
    mirrors the hand (or stops mirroring it), which is what the same sign made with the
    other hand looks like.
    """
    cfg = cfg or LandmarkAugment()
    n = len(landmarks)
    factors = _bone_factors(n, rng, cfg)
    lms = _scale_bones(np.asarray(landmarks, np.float64), factors)
    wld = _scale_bones(np.asarray(world, np.float64), factors)
    if n and (cfg.pitch_deg or cfg.yaw_deg or cfg.roll_deg):
        lms, wld = turn_rescaled(lms, wld, _rotations(n, rng, cfg))
    if n and cfg.distance_prob:
        lo, hi = np.log(cfg.near_m), np.log(cfg.far_m)
        metres = np.exp(rng.uniform(lo, hi, n))
        metres[rng.random(n) >= cfg.distance_prob] = SEEN_AT
        lms = at_distance(lms, wld, metres)
    if n and cfg.jitter:
        lms = np.asarray(lms, np.float64)
        size = np.ptp(lms[:, :, :2], axis=1).max(axis=1)[:, None, None]
        lms = lms + rng.normal(0, 1, lms.shape) * cfg.jitter * size
    hand = np.asarray(handedness, dtype=str).copy()
    flip = rng.random(n) < cfg.mirror_prob
    lower = np.char.lower(hand)
    hand[flip & (lower == "left")] = "Right"
    hand[flip & (lower != "left")] = "Left"
    return np.asarray(lms, np.float32), np.asarray(wld, np.float32), hand


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
    """(N, 3, 3) rotations: roll (z) after pitch (x) after yaw (y), each uniform within
    its range."""

    def angle(deg: float) -> np.ndarray:
        return np.radians(rng.uniform(-deg, deg, n))

    return (
        axis_rotations(2, angle(cfg.roll_deg))
        @ axis_rotations(0, angle(cfg.pitch_deg))
        @ axis_rotations(1, angle(cfg.yaw_deg))
    )
