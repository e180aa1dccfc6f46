"""Synthetic landmark sequences for the motion signs J and Z and their look-alikes.

A small kinematic hand (palm length 1, fingers flexed per handshape) is rotated, scaled
and placed in a 640x480 image, then sampled at a random frame rate with timing jitter,
dropped frames, frames without a hand and landmark noise. Positives trace the J with the
little fingertip (the hand turning as it does) or the Z with the index fingertip (the
whole hand carried along); negatives hold, move, wave or morph the hand without them.

Scenes are built in the signer's view of a right hand (a mirrored camera image) and
flipped left-right for a left hand and for an unmirrored camera (both flips cancel).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from handcam.hands.hand import Hand
from tools.synth.hand import SHAPES, Pose, make_pose, render
from tools.synth.paths import j_path, line_path, min_jerk, rotate2, smooth_noise, trace, z_path

KINDS = ("J", "Z", "I_still", "D_still", "I_move", "D_move", "wave", "wiggle", "transition")
NEGATIVES = KINDS[2:]
_OTHER = {"Right": "Left", "Left": "Right"}
_OTHERS = [s for s in SHAPES if s not in ("I", "D")]  # handshapes before and after


@dataclass(frozen=True)
class SynthSequence:
    kind: str
    frames: list[tuple[float, Hand | None, str | None]]  # t, hand, what a still model says
    label: str | None  # "J" / "Z" for positives
    motion: tuple[float, float] | None  # start and end time of the J / Z motion
    spec: dict = field(default_factory=dict)


@dataclass
class _Part:
    dur: float
    pose0: Pose
    pose1: Pose
    ang0: tuple[float, float, float]
    ang1: tuple[float, float, float]
    anchor: int = 9  # the landmark that ``path`` moves (palm units, from where it began)
    path: Callable = field(default=lambda tau: np.zeros(2))
    names: tuple[str, str] = ("", "")  # the shapes morphed from and to (for still labels)
    start: np.ndarray = field(default_factory=lambda: np.zeros(2))  # the anchor's, pixels


class _Scene:
    """A timeline of parts; each morphs the pose and angles and moves one anchored landmark."""

    def __init__(self, parts: list[_Part], scale: float, origin: np.ndarray) -> None:
        self.parts, self.scale = parts, scale
        at, prev = origin, None
        self.starts = [0.0]
        for part in parts:
            if prev is not None:  # the new anchor starts where the last part left it
                end = render(prev.pose1, prev.ang1, scale)
                at = at - end[prev.anchor, :2] + end[part.anchor, :2]
            part.start = at
            at = at + scale * np.asarray(part.path(np.array(1.0)), float)
            prev = part
            self.starts.append(self.starts[-1] + part.dur)

    @property
    def duration(self) -> float:
        return self.starts[-1]

    def _part(self, t: float) -> int:
        return int(
            np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, len(self.parts) - 1)
        )

    def shape_name(self, t: float) -> str:
        """The handshape shown at ``t`` (the target of a morph from its middle on)."""
        k = self._part(t)
        return self.parts[k].names[int(t - self.starts[k] > self.parts[k].dur / 2)]

    def landmarks(self, t: float) -> np.ndarray:
        k = self._part(t)
        part = self.parts[k]
        tau = np.array(min(max((t - self.starts[k]) / part.dur, 0.0), 1.0))
        e = float(min_jerk(tau))
        ang = tuple(np.array(part.ang0) + (np.array(part.ang1) - np.array(part.ang0)) * e)
        lms = render(part.pose0.mix(part.pose1, e), ang, self.scale)
        here = part.start + self.scale * np.asarray(part.path(tau), float)
        return lms + np.append(here - lms[part.anchor, :2], 0.0)


def _still_label(name: str, rng: np.random.Generator) -> str | None:
    """What a per-frame still classifier might say for the handshape ``name``."""
    if rng.random() < 0.1:
        return str(rng.choice(["A", "S", "Y", "X", "1", "I", "D"]))
    options = {"I": ["I", "I", "J"], "D": ["D", "1", "Z"], "open": ["B", "5"]}.get(name, [name])
    return str(rng.choice(options))


def _hold(dur, pose, ang, name, anchor=9) -> _Part:
    return _Part(dur, pose, pose, ang, ang, anchor, names=(name, name))


def _motion_parts(kind: str, rng: np.random.Generator, spec: dict) -> tuple[list[_Part], int]:
    """A J or Z: maybe forming the handshape, a hold, the motion, a hold, maybe moving on;
    and the index of the motion part."""
    u = rng.uniform
    name, tip = ("I", 20) if kind == "J" else ("D", 8)
    ang = (u(-40, 20), u(-15, 15), u(-15, 15))
    pose, parts = make_pose(name, rng), []
    if rng.random() < 0.5:
        other = str(rng.choice(_OTHERS))
        parts.append(_Part(u(0.2, 0.4), make_pose(other, rng), pose, ang, ang, names=(other, name)))
    parts.append(_hold(u(0.2, 0.6), pose, ang, name))
    path, breaks = (j_path(rng), ()) if kind == "J" else z_path(rng)
    path = rotate2(path - path[0], spec["tilt"]) * spec["size"] / np.ptp(path, axis=0).max()
    turn = (u(30, 70), u(-10, 10), u(-5, 10)) if kind == "J" else tuple(u(-8, 8, 3))
    end = tuple(np.add(ang, turn))  # a J turns the palm toward the signer
    motion = len(parts)
    parts.append(_Part(spec["duration"], pose, pose, ang, end, tip, trace(path, rng, breaks)))
    parts[-1].names = (name, name)
    parts.append(_hold(u(0.4, 0.8), pose, end, name, tip))
    if rng.random() < 0.4:
        other = str(rng.choice(_OTHERS))
        parts.append(_Part(0.3, pose, make_pose(other, rng), end, end, names=(name, other)))
    return parts, motion


def _negative_parts(kind: str, rng: np.random.Generator) -> list[_Part]:
    u = rng.uniform
    ang = (u(-40, 20), u(-15, 15), u(-15, 15))
    name = kind.split("_")[0]
    if kind in ("I_still", "D_still"):
        return [_hold(u(1.5, 3.0), make_pose(name, rng), ang, name)]
    if kind in ("I_move", "D_move"):  # the whole hand carried along a line or an arc
        pose = make_pose(name, rng)
        move = _Part(
            u(0.5, 1.5), pose, pose, ang, ang, 9, line_path(u(1, 4), u(0, 360), u(-60, 60))
        )
        move.names = (name, name)
        return [_hold(0.3, pose, ang, name), move, _hold(0.5, pose, ang, name)]
    if kind == "wave":  # an open hand swinging about the wrist, sliding a little
        pose, amp, half = make_pose("open", rng), u(15, 35), u(0.17, 0.33)
        parts, side = [_hold(0.2, pose, ang, "open", 0)], 1.0
        for _ in range(int(u(1.5, 2.5) / half)):
            a0, a1 = [(ang[0], ang[1], ang[2] + s * side * amp) for s in (-1, 1)]
            shift = line_path(u(0.1, 0.5), 0.0 if side > 0 else 180.0, 0.0)
            parts.append(_Part(half, pose, pose, a0, a1, 0, shift, ("open", "open")))
            side = -side
        return parts
    if kind == "wiggle":  # an I or D hand wandering on a smooth random path
        name = str(rng.choice(["I", "D"]))
        pose, dur = make_pose(name, rng), u(1.5, 2.5)
        wobble = smooth_noise(rng, u(0.3, 1.2), 2.5)
        path = lambda tau: wobble(tau * dur) - wobble(0.0)  # noqa: E731
        return [_Part(dur, pose, pose, ang, ang, 9, path, (name, name))]
    if kind == "transition":  # letters one after another, moving a little between them
        names = [str(rng.choice(["I", "D", *_OTHERS])) for _ in range(int(u(3, 5)))]
        poses = [make_pose(n, rng) for n in names]
        parts = [_hold(u(0.3, 0.7), poses[0], ang, names[0])]
        for k in range(1, len(names)):
            move = line_path(u(0.2, 1.0), u(0, 360), u(-40, 40))
            parts.append(_Part(u(0.2, 0.4), poses[k - 1], poses[k], ang, ang, 9, move))
            parts[-1].names = (names[k - 1], names[k])
            parts.append(_hold(u(0.3, 0.7), poses[k], ang, names[k]))
        return parts
    raise ValueError(f"unknown kind {kind!r}; known: {KINDS}")


def draw_spec(rng: np.random.Generator, **fixed) -> dict:
    """Random recording conditions; any of them can be fixed by keyword."""
    spec = {
        "fps": rng.uniform(15, 60),
        "hand": str(rng.choice(["Right", "Left"])),
        "mirrored": bool(rng.random() < 0.5),
        "duration": rng.uniform(0.5, 1.5),  # of the J / Z motion, seconds
        "size": rng.uniform(0.5, 1.3),  # of the path, palm lengths (a Z gets 1.6x more)
        "tilt": rng.uniform(-20, 20),  # of the path, degrees
        "scale": rng.uniform(40, 140),  # palm length, pixels
        "noise": rng.uniform(0.003, 0.015),  # landmark jitter, palm lengths
        "drift": rng.uniform(0.02, 0.15),  # slow hand drift, palm lengths
        "drop": rng.uniform(0.0, 0.1),  # frames never processed
        "miss": rng.uniform(0.0, 0.05),  # frames without a hand
        "gap": rng.uniform(0.05, 0.2) if rng.random() < 0.3 else 0.0,  # a burst without hand
    }
    unknown = set(fixed) - set(spec)
    if unknown:
        raise ValueError(f"unknown spec keys {sorted(unknown)}")
    spec.update(fixed)
    return spec


def make_sequence(kind: str, seed: int, **fixed) -> SynthSequence:
    """One synthetic sequence of ``kind`` (see KINDS), reproducible from ``seed``; ``fixed``
    sets any recording condition of :func:`draw_spec`."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; known: {KINDS}")
    rng = np.random.default_rng(seed)
    spec = draw_spec(rng, **fixed)
    if kind == "Z" and "size" not in fixed:
        spec["size"] *= 1.6  # the forearm draws a Z bigger than the wrist draws a J
    motion_part = None
    if kind in ("J", "Z"):
        parts, motion_part = _motion_parts(kind, rng, spec)
    else:
        parts = _negative_parts(kind, rng)
    scene = _Scene(parts, spec["scale"], np.array([rng.uniform(200, 440), rng.uniform(150, 330)]))
    drift = smooth_noise(rng, spec["drift"], 1.0)
    flip = (spec["hand"] == "Left") == spec["mirrored"]  # the image shows a left hand
    seen = spec["hand"] if spec["mirrored"] else _OTHER[spec["hand"]]  # MediaPipe's label
    gap_at = rng.uniform(0, scene.duration)
    frames, t = [], 0.0
    while t <= scene.duration:
        if rng.random() >= spec["drop"]:
            if rng.random() < spec["miss"] or gap_at <= t < gap_at + spec["gap"]:
                frames.append((t, None, None))
            else:
                lms = scene.landmarks(t)
                lms[:, :2] += spec["scale"] * drift(t)
                lms += rng.normal(0, spec["noise"] * spec["scale"], lms.shape) * (1, 1, 2)
                if flip:
                    lms[:, 0] = 640.0 - lms[:, 0]
                label = seen if rng.random() > 0.05 else _OTHER[seen]  # sometimes wrong
                hand = Hand(lms.astype(np.float32), label, 0.95)
                frames.append((t, hand, _still_label(scene.shape_name(t), rng)))
        t += rng.uniform(0.85, 1.15) / spec["fps"]
    motion = None
    if motion_part is not None:
        motion = (scene.starts[motion_part], scene.starts[motion_part + 1])
    return SynthSequence(kind, frames, kind if motion else None, motion, spec)
