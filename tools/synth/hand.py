"""A small kinematic hand for synthetic landmarks: handshapes by finger flexion, rotated,
scaled and projected like MediaPipe's 21 points (pixels, y down, z toward the camera
negative).

Coordinates of :func:`hand_points`: palm units (wrist to middle knuckle about 1), u toward
the thumb side, v along the fingers, n out of the palm's front; a right hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# (mcp u, mcp v), segment lengths, splay (rad): index, middle, ring, little finger.
_FINGERS = (
    ((0.32, 0.95), (0.43, 0.25, 0.20), 0.10),
    ((0.10, 1.00), (0.47, 0.29, 0.21), 0.02),
    ((-0.12, 0.95), (0.44, 0.27, 0.20), -0.06),
    ((-0.32, 0.85), (0.34, 0.20, 0.18), -0.14),
)
_THUMB_CMC, _THUMB_SEGS = np.array([0.22, 0.22, 0.05]), (0.36, 0.30, 0.25)
_FLEX = {"e": (4, 4, 4), "c": (85, 100, 70), "h": (15, 95, 70), "p": (40, 50, 30)}
_THUMBS = {  # segment directions in (u: thumb side, v: along the fingers, n: palm front)
    "across": ((0.25, 0.8, 0.5), (-0.45, 0.6, 0.45), (-0.85, 0.2, 0.1)),
    "out": ((0.8, 0.45, 0.1), (0.9, 0.4, 0.0), (0.9, 0.45, -0.05)),
    "side": ((0.3, 0.9, 0.3), (0.15, 1.0, 0.25), (0.1, 1.0, 0.2)),
}
SHAPES = {  # flexion of index, middle, ring, little finger; thumb
    "I": ("ccce", "across"), "D": ("eccc", "across"), "G": ("eccc", "side"),
    "A": ("cccc", "side"), "S": ("cccc", "across"), "Y": ("ccce", "out"),
    "L": ("eccc", "out"), "V": ("eecc", "across"), "W": ("eeec", "across"),
    "B": ("eeee", "across"), "X": ("hccc", "across"), "E": ("hhhh", "across"),
    "C": ("pppp", "out"), "open": ("eeee", "out"),
}  # fmt: skip


@dataclass(frozen=True)
class Pose:
    flex: np.ndarray  # (4, 3) degrees at MCP, PIP, DIP
    thumb: np.ndarray  # (3, 3) unit segment directions
    spread: float = 1.0

    def mix(self, other: Pose, a: float) -> Pose:
        thumb = (1 - a) * self.thumb + a * other.thumb
        thumb /= np.linalg.norm(thumb, axis=1, keepdims=True)
        return Pose(
            (1 - a) * self.flex + a * other.flex, thumb, (1 - a) * self.spread + a * other.spread
        )


def make_pose(shape: str, rng: np.random.Generator) -> Pose:
    """The handshape ``shape`` (a key of SHAPES) with some anatomical variation."""
    fingers, thumb = SHAPES[shape]
    flex = np.array([_FLEX[c] for c in fingers], float) + rng.normal(0, 6, (4, 3))
    dirs = np.array(_THUMBS[thumb], float) + rng.normal(0, 0.08, (3, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    return Pose(flex, dirs, 2.0 if shape == "open" else 1.0)


def hand_points(pose: Pose) -> np.ndarray:
    """(21, 3) landmarks of a right hand in (u, v, n) palm units, wrist at the origin."""
    pts = np.zeros((21, 3))
    pts[1] = _THUMB_CMC
    for j in range(3):
        pts[2 + j] = pts[1 + j] + _THUMB_SEGS[j] * pose.thumb[j]
    for f, ((u, v), segs, splay) in enumerate(_FINGERS):
        base = 5 + 4 * f
        pts[base] = (u, v, 0.0)
        a = splay * pose.spread
        phi = np.radians(np.cumsum(pose.flex[f]))
        for j in range(3):
            d = np.array([np.sin(a) * np.cos(phi[j]), np.cos(a) * np.cos(phi[j]), np.sin(phi[j])])
            pts[base + 1 + j] = pts[base + j] + segs[j] * d
    return pts


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Rotation (degrees) about the fingers' axis v, then the palm's width u, then the normal n."""
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rp = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rr = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rr @ rp @ ry


def render(pose: Pose, angles: tuple[float, float, float], scale: float) -> np.ndarray:
    """Signer's-view image offsets (pixels, y down) of a right hand, wrist at (0, 0)."""
    # Palm facing the camera in a mirrored image: u -> -x, v -> -y (up), n -> -z (closer).
    return -scale * (hand_points(pose) @ rotation(*angles).T)
