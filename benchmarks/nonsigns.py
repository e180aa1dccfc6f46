"""Hand shapes that are no sign, made from real hands by forward kinematics, and the rule
that drops the made shapes that are a sign after all.

A real hand (image landmarks in pixels and world landmarks in metres; left hands mirrored
to right ones first) is taken apart into its palm frame (x across the knuckles index ->
pinky, y wrist -> middle knuckle, z = x cross y: the palm side), its bone lengths and each
finger bone's direction in that frame. An edit turns finger bones about their joints
(flexion about the palm's x axis, spread about its z axis, the thumb about its base) or
takes bone directions part-way to another hand's; the hand is then rebuilt joint by joint
with its own bone lengths, palm and pose. The same edit is made to the image and the world
landmarks, each in its own palm frame, so every feature set sees it.

Families (``family`` of each shape):
  finger   one finger curled (half or fully) where it was extended, extended (fully or
           half) where it was curled, or spread / closed by 12-25 degrees
  thumb    the thumb turned 20-50 degrees about its base (out, in, across the palm), or
           moved 50-100% of the way to another label's thumb (the same person's if any)
  relaxed  the four fingers loosely bent, the thumb loosened (a resting hand)
  half     the four fingers half closed
  between  every finger and thumb bone 30-70% of the way to a hand of another label

Exclusion (:class:`SignRule`): a joint-angle description of the hand (12 finger flexions,
2 thumb flexions, 4 spreads, thumb tip in the palm frame and its distances to six finger
joints), each dimension divided by its spread within real signs. A shape is a sign of
label L when it lies within r_L of a real hand of L, r_L being the 95% quantile of the
distances from each real L hand to the nearest real L hand of another person: as near as
two people's L are to each other. Made shapes that are a sign of any label are dropped.
Real letters checked against the digits this way: D, O, V, W are digits (1, 0, 2, 6); A,
E, I, M, N, S, T, Y never are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARENT = np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19])
FINGERS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
MOVABLE = np.array([j for j in range(1, 21) if PARENT[j] != 0])  # bones ending here
THUMB_BONES = np.array([2, 3, 4])
FAMILIES = ("finger", "thumb", "relaxed", "half", "between")
SIGN_QUANTILE = 0.95


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-12)


def palm_frame(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3, 3) palm axes as rows and (N,) palm size, as the shape features define them."""
    y = _unit(p[:, 9] - p[:, 0])
    across = p[:, 17] - p[:, 5]
    x = _unit(across - (across * y).sum(-1, keepdims=True) * y)
    edges = (p[:, 9] - p[:, 0], p[:, 5] - p[:, 0], p[:, 17] - p[:, 0], across)
    return np.stack([x, y, np.cross(x, y)], 1), sum(np.linalg.norm(e, axis=-1) for e in edges) / 4


def mirrored(points, handedness) -> np.ndarray:
    """Left hands mirrored to right ones (x negated); its own inverse."""
    p = np.array(points, np.float64)
    p[np.char.lower(np.asarray(handedness, str)) == "left", :, 0] *= -1
    return p


@dataclass
class Pose:
    """Hands taken apart: original points (N, 21, 3), palm frames (N, 3, 3), bone lengths
    (N, 21) and bone directions in the palm frame (N, 21, 3), index = the bone's end."""

    points: np.ndarray
    frame: np.ndarray
    lengths: np.ndarray
    dirs: np.ndarray

    @classmethod
    def of(cls, points: np.ndarray) -> Pose:
        pts = np.asarray(points, np.float64)
        frame, _ = palm_frame(pts)
        bones = pts[:, 1:] - pts[:, PARENT[1:]]
        lengths = np.zeros(pts.shape[:2])
        lengths[:, 1:] = np.linalg.norm(bones, axis=-1)
        dirs = np.zeros_like(pts)
        dirs[:, 1:] = np.einsum("nij,nkj->nki", frame, _unit(bones))
        return cls(pts, frame, lengths, dirs)

    def subset(self, rows: np.ndarray) -> Pose:
        return Pose(self.points[rows], self.frame[rows], self.lengths[rows], self.dirs[rows])

    def rebuild(self, dirs: np.ndarray) -> np.ndarray:
        """Points with the finger bones along ``dirs`` (palm bones kept), parents first."""
        out = self.points.copy()
        along = np.einsum("nji,nkj->nki", self.frame, dirs)
        for j in MOVABLE:
            out[:, j] = out[:, PARENT[j]] + self.lengths[:, j, None] * along[:, j]
        return out


def _rot(axis: int, radians: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations about a palm axis; +angle about x takes +y toward +z (flexion
    toward the palm)."""
    n = len(radians)
    i, j = [(1, 2), (2, 0), (0, 1)][axis]
    m = np.zeros((n, 3, 3))
    m[:, axis, axis] = 1
    c, s = np.cos(radians), np.sin(radians)
    m[:, i, i], m[:, j, j], m[:, i, j], m[:, j, i] = c, c, -s, s
    return m


def _apply(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("nij,nj->ni", m, v)


def joint_angles(dirs: np.ndarray) -> np.ndarray:
    """(N, 5, 3) flexion in degrees at each finger's three joints (thumb: CMC, MCP, IP)."""
    out = np.zeros((len(dirs), 5, 3))
    for f, chain in enumerate(FINGERS):
        for k in range(3):
            a, b = dirs[:, chain[k]], dirs[:, chain[k + 1]]
            out[:, f, k] = np.degrees(np.arccos(np.clip((a * b).sum(-1), -1, 1)))
    return out


def set_finger(dirs: np.ndarray, f: int, flex: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Finger ``f`` (1-4) rebuilt from its metacarpal with flexions ``flex`` (N, 3) degrees
    and its own spread changed by ``spread`` (N,) radians."""
    mcp, pip, dip, tip = FINGERS[f]
    meta, prox = dirs[:, mcp], dirs[:, pip]
    own = np.arctan2(
        meta[:, 0] * prox[:, 1] - meta[:, 1] * prox[:, 0], (meta[:, :2] * prox[:, :2]).sum(-1)
    )
    base = _apply(_rot(2, own + spread), meta)
    a = np.radians(flex).cumsum(axis=1)
    out = dirs.copy()
    for k, j in enumerate((pip, dip, tip)):
        out[:, j] = _apply(_rot(0, a[:, k]), base)
    return out


def turn_thumb(dirs: np.ndarray, axis: int, degrees: np.ndarray) -> np.ndarray:
    """The thumb's three movable bones turned about its base by ``degrees`` about a palm axis."""
    m = _rot(axis, np.radians(degrees))
    out = dirs.copy()
    for j in THUMB_BONES:
        out[:, j] = _apply(m, dirs[:, j])
    return out


def slerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Row-wise spherical interpolation of unit vectors; ``t`` (N,) or a number."""
    t = np.asarray(t, np.float64).reshape(-1, *([1] * (a.ndim - 1)))
    om = np.arccos(np.clip((a * b).sum(-1, keepdims=True), -1, 1))
    so = np.sin(om)
    small = so < 1e-6
    safe = np.where(small, 1.0, so)
    w0 = np.where(small, 1 - t, np.sin((1 - t) * om) / safe)
    w1 = np.where(small, t, np.sin(t * om) / safe)
    return _unit(w0 * a + w1 * b)


def _partner(idx, labels, groups, rng) -> np.ndarray:
    """For each row, a random row of another label: the same person's when there is one."""
    out = np.empty(len(idx), int)
    for n, i in enumerate(idx):
        other = labels != labels[i]
        cand = np.flatnonzero(other & (groups == groups[i]))
        out[n] = rng.choice(cand if len(cand) else np.flatnonzero(other))
    return out


def _u(rng, n, lo, hi):
    return rng.uniform(lo, hi, n)


def _finger_edit(new, ang, idx, rng):
    n = len(idx)
    finger = rng.integers(1, 5, n)
    kind, half = rng.random(n), rng.random(n) < 0.5
    for f in range(1, 5):
        rows = np.flatnonzero(finger == f)
        m = len(rows)
        if not m:
            continue
        ext = ang[idx[rows], f, 1] < 45  # extended: the middle joint under 45 degrees
        k, h = kind[rows], half[rows]
        flex = ang[idx[rows], f].copy()
        spread = np.zeros(m)
        choices = (
            (ext & (k < 0.7) & h, (15, 50), (40, 80), (15, 45)),  # curl half
            (ext & (k < 0.7) & ~h, (50, 90), (80, 110), (30, 70)),  # curl fully
            (~ext & h, (10, 40), (20, 50), (5, 30)),  # extend half
            (~ext & ~h, (0, 15), (0, 15), (0, 10)),  # extend fully
        )
        for sel, r1, r2, r3 in choices:
            flex[sel] = np.c_[_u(rng, m, *r1), _u(rng, m, *r2), _u(rng, m, *r3)][sel]
        turn = ext & (k >= 0.7)  # spread or close the extended finger
        spread[turn] = np.radians(_u(rng, turn.sum(), 12, 25) * rng.choice([-1, 1], turn.sum()))
        for s in range(2):
            new[s][rows] = set_finger(new[s][rows], f, flex, spread)


def generate(
    landmarks,
    world,
    handedness,
    labels,
    groups,
    seed: int,
    per_family: int = 400,
    families: tuple[str, ...] = FAMILIES,
) -> dict[str, np.ndarray]:
    """Candidate non-signs made from the given real hands (``seed`` sets every random
    choice): "landmarks", "world", "handedness" (the base hand's), "family", "base" (row of
    the base hand) and "partner" (row of the other hand, -1 where none). Drop the ones
    that are signs with :class:`SignRule`."""
    rng = np.random.default_rng(seed)
    labels, groups = np.asarray(labels, str), np.asarray(groups, str)
    handedness = np.asarray(handedness, str)
    poses = [Pose.of(mirrored(p, handedness)) for p in (landmarks, world)]
    ang = joint_angles(poses[1].dirs)
    out: dict[str, list] = {k: [] for k in ("landmarks", "world", "family", "base", "partner")}
    for fam in families:
        n = per_family
        idx = rng.integers(0, len(labels), n)
        partner = np.full(n, -1)
        new = [p.dirs[idx].copy() for p in poses]
        if fam == "finger":
            _finger_edit(new, ang, idx, rng)
        elif fam == "thumb":
            turn = rng.random(n) < 0.5
            axis = np.where(rng.random(n) < 0.5, 1, 2)  # y: across / in front; z: in / out
            deg = _u(rng, n, 20, 50) * rng.choice([-1, 1], n)
            deg = np.where((axis == 1) & (deg < 0), deg * 0.5, deg)  # behind the palm: less
            for ax in (1, 2):
                rows = np.flatnonzero(turn & (axis == ax))
                for s in range(2):
                    new[s][rows] = turn_thumb(new[s][rows], ax, deg[rows])
            rows = np.flatnonzero(~turn)
            partner[rows] = _partner(idx[rows], labels, groups, rng)
            t = _u(rng, len(rows), 0.5, 1.0)
            for s in range(2):
                for j in THUMB_BONES:
                    new[s][rows, j] = slerp(new[s][rows, j], poses[s].dirs[partner[rows], j], t)
        elif fam in ("relaxed", "half"):
            lo = (
                ((5, 35), (15, 50), (5, 30)) if fam == "relaxed" else ((30, 65), (45, 90), (20, 55))
            )
            for f in range(1, 5):
                cascade = (f - 1) * _u(rng, n, 0, 6)  # the little finger bends most
                flex = np.c_[
                    _u(rng, n, *lo[0]) + cascade, _u(rng, n, *lo[1]) + cascade, _u(rng, n, *lo[2])
                ]
                spread = np.radians(rng.normal(0, 4, n))
                for s in range(2):
                    new[s] = set_finger(new[s], f, flex, spread)
            dy, dz = _u(rng, n, -10, 30), _u(rng, n, -25, 25)
            for s in range(2):
                new[s] = turn_thumb(turn_thumb(new[s], 1, dy), 2, dz)
        elif fam == "between":
            partner = _partner(idx, labels, groups, rng)
            t = _u(rng, n, 0.3, 0.7)
            for s in range(2):
                for j in MOVABLE:
                    new[s][:, j] = slerp(new[s][:, j], poses[s].dirs[partner, j], t)
        else:
            raise ValueError(f"unknown family {fam!r}; known: {FAMILIES}")
        for s, key in enumerate(("landmarks", "world")):
            out[key].append(mirrored(poses[s].subset(idx).rebuild(new[s]), handedness[idx]))
        out["family"].append(np.array([fam] * n))
        out["base"].append(idx)
        out["partner"].append(partner)
    res = {k: np.concatenate(v) for k, v in out.items()}
    res["landmarks"] = res["landmarks"].astype(np.float32)
    res["world"] = res["world"].astype(np.float32)
    res["handedness"] = handedness[res["base"]]
    return res


def descriptor(world, handedness) -> np.ndarray:
    """(N, 27) joint-angle description of hand shapes from world landmarks: 12 finger
    flexions, the thumb's MCP and IP flexion, 4 spreads (degrees), thumb tip in the palm
    frame (3) and its distances to the index knuckle, PIP and tip, middle PIP and tip and
    ring PIP (6), over the palm size."""
    p = mirrored(world, handedness)
    pose = Pose.of(p)
    ang = joint_angles(pose.dirs)
    prox = pose.dirs[:, [6, 10, 14, 18], :2]
    spread = np.degrees(
        np.arctan2(
            prox[:, :-1, 0] * prox[:, 1:, 1] - prox[:, :-1, 1] * prox[:, 1:, 0],
            (prox[:, :-1] * prox[:, 1:]).sum(-1),
        )
    )
    frame, size = palm_frame(p)
    tip = np.einsum("nij,nj->ni", frame, p[:, 4] - p[:, 0]) / size[:, None]
    reach = np.linalg.norm(p[:, [5, 6, 8, 10, 12, 14]] - p[:, 4:5], axis=-1) / size[:, None]
    return np.concatenate([ang[:, 1:].reshape(len(p), 12), ang[:, 0, 1:], spread, tip, reach], 1)


class SignRule:
    """Is a hand shape a sign of these labels? Nearest real hands in :func:`descriptor`
    space, each dimension over its pooled within-label spread; radius per label from the
    distances between different people's hands of that label (see the module)."""

    def __init__(self, world, handedness, labels, groups, quantile: float = SIGN_QUANTILE):
        d = descriptor(world, handedness)
        self.labels = np.asarray(labels, str)
        groups = np.asarray(groups, str)
        names = sorted(set(self.labels.tolist()))
        resid = np.concatenate([d[self.labels == n] - d[self.labels == n].mean(0) for n in names])
        self.scale = resid.std(0) + 1e-6
        self.z = d / self.scale
        self.radius: dict[str, float] = {}
        for name in names:
            rows = np.flatnonzero(self.labels == name)
            zz = self.z[rows]
            dd = np.sqrt(((zz[:, None] - zz[None]) ** 2).sum(-1))
            dd[groups[rows][:, None] == groups[rows][None]] = np.inf
            nn = dd.min(1)
            nn = nn[np.isfinite(nn)]  # a label of one person has no radius: none is "its sign"
            self.radius[name] = float(np.quantile(nn, quantile)) if len(nn) else 0.0

    def nearest(self, world, handedness) -> tuple[np.ndarray, np.ndarray]:
        """(N,) nearest label relative to its radius and (N,) that ratio: <= 1 is its sign."""
        z = descriptor(world, handedness) / self.scale
        best = np.full(len(z), np.inf)
        which = np.full(len(z), "", dtype=object)
        for name, r in self.radius.items():
            zz = self.z[self.labels == name]
            sq = (z * z).sum(1)[:, None] - 2 * z @ zz.T + (zz * zz).sum(1)[None]
            d = np.sqrt(np.maximum(sq, 0)).min(1) / max(r, 1e-9)
            better = d < best
            best[better], which[better] = d[better], name
        return which.astype(str), best

    def is_sign(self, world, handedness) -> np.ndarray:
        return self.nearest(world, handedness)[1] <= 1.0


def non_signs(hands, rule_hands, seed: int, per_family: int = 400) -> dict[str, np.ndarray]:
    """Made non-signs from ``hands`` (a HandSet) minus those that :class:`SignRule` of
    ``rule_hands`` (the real signs known) calls a sign; adds "kept_share" per family."""
    g = generate(
        hands.landmarks, hands.world, hands.handedness, hands.labels, hands.groups, seed, per_family
    )
    rule = SignRule(rule_hands.world, rule_hands.handedness, rule_hands.labels, rule_hands.groups)
    keep = ~rule.is_sign(g["world"], g["handedness"])
    out = {k: v[keep] for k, v in g.items()}
    out["kept_share"] = np.array([keep[g["family"] == f].mean() for f in FAMILIES])
    return out
