"""Real hand shapes of the ASL-HG letter photos (`letters_photo_hands.npz`: the hands the
letters model carried before its webcam copies), posed and projected like MediaPipe.

Every photo's world landmarks (metres) are mirrored where MediaPipe called the hand "Left",
so all of them are right hands as a mirrored camera shows them (the signer's view), and
split into a shape in the hand's own frame (``local``: wrist at the origin; axes u toward
the thumb side, v along the fingers, n out of the back of the hand) and the orientation
the person held it in (``orient``: camera-from-hand rotation, columns u, v, n).

A posed hand is ``wrist + local @ R.T`` in camera coordinates (metres; x right, y down,
z away from the camera), projected through a pinhole camera to pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.model.trainset import HandSet

# the hands MediaPipe found in the ASL-HG letter photos (A-Z, P1-P8, one per photo, with
# the split parts of the letters model they were carried by): photos only, no webcam copies
TRAINSET = Path(__file__).resolve().parent / "letters_photo_hands.npz"
F_PX = 550.0  # focal length, pixels (a 640x480 webcam, ~60 degrees across)
SIZE = (640.0, 480.0)


def hand_frame(w: np.ndarray) -> np.ndarray:
    """(3, 3) columns u, v, n of a right hand's world landmarks (21, 3)."""
    v = w[9] - w[0]
    v = v / np.linalg.norm(v)
    u = w[5] - w[17]
    u = u - u.dot(v) * v
    u = u / np.linalg.norm(u)
    return np.stack([u, v, np.cross(u, v)], axis=1)


def rotvec(axis_angle: np.ndarray) -> np.ndarray:
    """Rodrigues: rotation vector (radians) -> (3, 3)."""
    a = np.asarray(axis_angle, float)
    th = np.linalg.norm(a)
    if th < 1e-12:
        return np.eye(3)
    k = a / th
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * kx + (1 - np.cos(th)) * kx @ kx


def logrot(r: np.ndarray) -> np.ndarray:
    """(3, 3) rotation -> rotation vector."""
    c = np.clip((np.trace(r) - 1) / 2, -1.0, 1.0)
    th = np.arccos(c)
    if th < 1e-9:
        return np.zeros(3)
    w = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    if np.pi - th < 1e-6:  # 180 degrees: the axis from the symmetric part
        k = np.sqrt(np.maximum((np.diag(r) + 1) / 2, 0))
        return th * k
    return th * w / (2 * np.sin(th))


def slerp(r0: np.ndarray, r1: np.ndarray, s: float) -> np.ndarray:
    return r0 @ rotvec(s * logrot(r0.T @ r1))


def euler(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Camera-axis rotation (degrees): about y (turn side-on), x (tip toward/away), z (roll)."""
    return (
        rotvec([0, 0, np.radians(roll)])
        @ rotvec([np.radians(pitch), 0, 0])
        @ rotvec([0, np.radians(yaw), 0])
    )


@dataclass(frozen=True)
class Posed:
    image: np.ndarray  # (21, 3) pixels, z in the scale of x relative to the wrist
    world: np.ndarray  # (21, 3) metres about the hand's centre
    palm_px: float


def project(local: np.ndarray, r: np.ndarray, wrist: np.ndarray) -> Posed:
    cam = wrist + local @ r.T
    z = np.maximum(cam[:, 2], 0.05)
    img = np.empty_like(cam)
    img[:, 0] = SIZE[0] / 2 + F_PX * cam[:, 0] / z
    img[:, 1] = SIZE[1] / 2 + F_PX * cam[:, 1] / z
    img[:, 2] = F_PX * (cam[:, 2] - cam[0, 2]) / z[0]
    world = local @ r.T
    world = world - world.mean(axis=0)
    palm = float(np.linalg.norm(img[9, :2] - img[0, :2]))
    return Posed(img, world, palm)


class RealHands:
    """Letter shapes of real people (8 signers, 10 photos of each letter each)."""

    def __init__(self, path: Path = TRAINSET, signers: tuple[str, ...] | None = None) -> None:
        s = HandSet.load(path)
        keep = np.ones(len(s), bool) if signers is None else np.isin(s.groups, signers)
        w = s.world[keep].astype(np.float64).copy()
        left = s.handedness[keep] == "Left"
        w[left, :, 0] *= -1
        self.labels = s.labels[keep]
        self.signers = s.groups[keep]
        self.orient = np.stack([hand_frame(x) for x in w])
        self.local = np.einsum("nkj,nji->nki", w - w[:, :1], self.orient)
        self.palm_m = np.linalg.norm(self.local[:, 9], axis=1)
        self._by: dict[tuple[str, str], np.ndarray] = {}
        for i, (lab, sig) in enumerate(zip(self.labels, self.signers, strict=True)):
            self._by.setdefault((lab, sig), []).append(i)  # type: ignore[arg-type]
        self._by = {k: np.array(v) for k, v in self._by.items()}
        self.people = tuple(sorted(set(self.signers)))
        self.letters = tuple(sorted(set(self.labels)))

    def pick(self, label: str, signer: str, rng: np.random.Generator) -> int:
        rows = self._by.get((label, signer))
        if rows is None:
            rows = np.where(self.labels == label)[0]
        return int(rng.choice(rows))

    def shape(self, i: int, palm_m: float) -> np.ndarray:
        """The local shape of photo ``i`` scaled to a palm of ``palm_m`` metres."""
        return self.local[i] * (palm_m / self.palm_m[i])
