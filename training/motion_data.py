"""What the motion model learns from: a few clips a sign, made into many by augmentation,
and what is no sign (held, drifting and sliding hands, half motions).

A clip becomes a :class:`Seq` (times, landmarks, handedness, where its motion is). Each
augmented copy (:func:`augment`) changes what differs between people and sittings: speed
(0.55-1.8x, unevenly through the motion), amplitude of the path, tilt, how the hand is
turned in depth, finger lengths, how curled each finger is held, pauses before and after,
frame rate, dropped frames, landmark noise. :func:`windows` cuts training windows from it
the way the spotter reads: windows ending as the motion ends (the sign), ending halfway or
starting late (none).
:func:`negatives` makes sequences of no sign from hands: held still with a tremor,
drifting slowly, sliding in a line (in and out of view).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handcam.recording.clips import Clip, motion_span
from handcam.signs.motion_features import frame_rows, windows_features


@dataclass(frozen=True)
class Seq:
    times: np.ndarray  # (T,) seconds
    lms: np.ndarray  # (T, 21, 3) pixels
    handedness: str
    span: tuple[float, float] | None  # the motion's (start, end); None: no sign

    def rows(self) -> np.ndarray:
        return frame_rows(self.lms, self.handedness)


def clip_seq(clip: Clip) -> Seq:
    """A recorded clip as a sequence of the frames with a hand, its motion located."""
    times, hands = clip.present()
    span = motion_span(clip)
    hand = max({h.handedness for h in hands}, key=[h.handedness for h in hands].count)
    return Seq(times, np.stack([h.landmarks for h in hands]).astype(np.float64), hand, span)


def _rot3(yaw: float, pitch: float, roll: float) -> np.ndarray:
    cy, sy, cp, sp, cr, sr = (
        f(np.radians(a)) for a in (yaw, pitch, roll) for f in (np.cos, np.sin)
    )
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return rz @ rx @ ry


def _palm(lms: np.ndarray) -> float:
    return float(np.median(np.linalg.norm(lms[:, [5, 9, 17]] - lms[:, :1], axis=2).mean(axis=1)))


def augment(
    seq: Seq,
    rng: np.random.Generator,
    speed=(0.55, 1.8),
    amp=(0.65, 1.5),
    context: list[tuple[np.ndarray, str]] | None = None,
) -> Seq:
    """One varied copy of ``seq`` (its motion span moved with it); ``context``: still hands,
    one of which may come before it and another after it (the letters around a sign)."""
    t, lms = seq.times - seq.times[0], seq.lms.copy()
    palm = _palm(lms)
    # the hand turned in depth and its fingers a little longer or shorter (another person)
    r = _rot3(*rng.normal(0, [18.0, 14.0, 0.0]))
    wrist = lms[:, :1]
    lms = wrist + (lms - wrist) @ r.T
    for f in range(5):
        chain = [1 + 4 * f + k for k in range(4)]
        base = lms[:, chain[:1]]
        lms[:, chain] = base + (lms[:, chain] - base) * rng.uniform(0.88, 1.12)
    # each finger held a little more or less curled all through (another person's way)
    centre = lms[:, 9:10].copy()
    for f in range(5):
        chain = [2 + 4 * f, 3 + 4 * f, 4 + 4 * f]
        c = rng.uniform(-0.15, 0.25)
        lms[:, chain] += (centre - lms[:, chain]) * (c * np.array([0.4, 0.7, 1.0]))[None, :, None]
    # the path: larger or smaller, drawn on a plane turned in depth, tilted
    centre = lms[:, 9, :2]
    mean = centre.mean(axis=0)
    gain = rng.uniform(*amp) * rng.uniform(0.75, 1.0, 2)
    lms[:, :, :2] += ((gain - 1) * (centre - mean))[:, None]
    a = np.radians(rng.uniform(-30, 30))
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    lms[:, :, :2] = (lms[:, :, :2] - mean) @ rot.T + mean
    # time: faster or slower, unevenly; pauses (or letters) before and after
    s = float(np.exp(rng.uniform(*np.log(speed))))
    dur = max(t[-1], 1e-3)
    bend = rng.uniform(-0.12, 0.12)
    warp = (t + bend * dur * np.sin(np.pi * t / dur)) / s
    span = None
    if seq.span is not None:
        m = (np.asarray(seq.span) - seq.times[0]).clip(0, dur)
        span = (m + bend * dur * np.sin(np.pi * m / dur)) / s
    kt: list = []
    kl: list = []
    cursor = 0.0
    if context and rng.random() < 0.6:  # a letter held before, the hand moving into the sign
        hold = rng.uniform(0.2, 0.8)
        kt.append([0.0, hold])
        kl.append(np.repeat(_near(lms[0], context, rng, palm)[None], 2, axis=0))
        cursor = hold + rng.uniform(0.12, 0.35)
    kt.append([cursor])
    kl.append(lms[:1])
    offset = cursor + rng.uniform(0, 0.6)
    kt.append(warp + offset)
    kl.append(lms)
    end = offset + warp[-1] + rng.uniform(0, 0.6)
    kt.append([end])
    kl.append(lms[-1:])
    if context and rng.random() < 0.6:  # a letter after
        lead = end + rng.uniform(0.12, 0.35)
        kt.append([lead, lead + rng.uniform(0.3, 1.0)])
        kl.append(np.repeat(_near(lms[-1], context, rng, palm)[None], 2, axis=0))
    kt, kl = np.concatenate(kt), np.concatenate(kl)
    if span is not None:
        span = span + offset
    fps = rng.uniform(15, 60)
    total = kt[-1]
    grid = np.cumsum(rng.uniform(0.85, 1.15, int(total * fps) + 2) / fps)
    grid = grid[grid <= total]
    grid = grid[rng.random(len(grid)) >= rng.uniform(0, 0.1)]
    if len(grid) < 4:
        grid = np.linspace(0, total, 4)
    out = _sample(kt, kl, grid)
    if rng.random() < 0.5:
        _blurred_fingers(grid, out, rng.uniform(0.2, 0.9), palm)
    _noisy(out, rng, palm)
    return Seq(
        grid, out, seq.handedness, None if span is None else (float(span[0]), float(span[1]))
    )


def _blurred_fingers(t: np.ndarray, lms: np.ndarray, level: float, palm: float) -> None:
    """In place: fingers read curled toward the palm on fast frames (motion blur), the more
    the faster the hand goes (``level``: how much at full speed)."""
    tips = lms[:, [8, 20], :2]
    v = np.zeros(len(t))
    v[1:] = np.linalg.norm(np.diff(tips, axis=0), axis=2).max(axis=1) / np.maximum(np.diff(t), 1e-3)
    amount = level * np.clip((v / palm - 1.5) / 3.0, 0, 1)
    amount = np.convolve(amount, [0.5, 0.5], mode="same")
    centre = lms[:, 9:10].copy()
    for f in range(4):
        chain = [6 + 4 * f, 7 + 4 * f, 8 + 4 * f]
        lms[:, chain] += (centre - lms[:, chain]) * (amount * (0.4 + 0.6 * (f == 0)))[:, None, None]


def _noisy(lms: np.ndarray, rng: np.random.Generator, palm: float) -> None:
    """What a tracker adds, in place: landmark noise, the whole hand jittering, and now and
    then a frame with one finger misread toward the palm."""
    lms[:, :, :2] += rng.normal(0, rng.uniform(0.005, 0.025) * palm, lms[:, :, :2].shape)
    lms[:, :, :2] += rng.normal(0, rng.uniform(0, 0.01) * palm, (len(lms), 1, 2))
    for i in np.where(rng.random(len(lms)) < rng.uniform(0, 0.04))[0]:
        chain = [5 + 4 * int(rng.integers(4)) + k for k in range(4)]
        lms[i, chain[1:]] += (lms[i, chain[:1]] - lms[i, chain[1:]]) * rng.uniform(0.3, 0.8)


def _near(ref: np.ndarray, hands, rng: np.random.Generator, palm: float) -> np.ndarray:
    """One of ``hands`` placed near the hand ``ref`` at its size."""
    lms, _ = hands[int(rng.integers(len(hands)))]
    return _placed(lms, ref[9, :2] + rng.normal(0, 0.4, 2) * palm, palm * rng.uniform(0.9, 1.1))


def _sample(times: np.ndarray, lms: np.ndarray, at: np.ndarray) -> np.ndarray:
    j = np.clip(np.searchsorted(times, at, side="right") - 1, 0, len(times) - 2)
    w = np.clip((at - times[j]) / np.maximum(times[j + 1] - times[j], 1e-9), 0, 1)
    return lms[j] * (1 - w)[:, None, None] + lms[j + 1] * w[:, None, None]


def windows(seq: Seq, durations: np.ndarray, rng: np.random.Generator, n: int = 6):
    """(features, is_sign) of windows of ``seq``: ``n`` ending as its motion ends (the sign)
    and ``n`` that hold only part of it (none); for a sequence of no sign, ``2n`` anywhere."""
    rows = seq.rows()
    t = seq.times
    starts, ends, pos = [], [], []
    if seq.span is None:
        for _ in range(2 * n):
            d = float(rng.choice(durations))
            e = rng.uniform(min(t[0] + d, t[-1]), t[-1])  # the whole window where it fits
            starts.append(max(e - d, t[0]))
            ends.append(e)
            pos.append(False)
    else:
        m0, m1 = seq.span
        dm = max(m1 - m0, 0.1)
        fits = durations[(durations >= 0.85 * dm) & (durations <= 1.7 * dm + 0.3)]
        fits = fits if len(fits) else durations[[int(np.argmin(abs(durations - dm)))]]
        for _ in range(n):
            d = float(rng.choice(fits))
            e = min(m1 + rng.uniform(-0.03, 0.25) * dm + rng.uniform(0, 0.1), t[-1])
            starts.append(max(e - d, t[0]))
            ends.append(e)
            pos.append(True)
        for _ in range(n):
            d = float(rng.choice(durations))
            if rng.random() < 0.7:  # the motion not finished yet
                e = m0 + rng.uniform(0.1, 0.6) * dm
            else:  # the end of it only
                e = m1 + rng.uniform(0, 0.2) * dm
                d = min(d, (e - m0) * rng.uniform(0.2, 0.55))
            starts.append(max(e - d, t[0]))
            ends.append(max(e, starts[-1] + 0.05))
            pos.append(False)
    feats = windows_features(t, rows, np.array(starts), np.array(ends))
    return feats, np.array(pos)


def _placed(lms: np.ndarray, centre: np.ndarray, palm: float) -> np.ndarray:
    """A hand moved so its middle knuckle is at ``centre`` and scaled to a palm of ``palm``."""
    lms = np.asarray(lms, np.float64)
    return (lms - lms[9]) * (palm / _palm(lms[None])) + np.append(centre, 0.0)


def _spelled(hands, rng: np.random.Generator, fps: float) -> tuple[np.ndarray, np.ndarray, str]:
    """Still hands one after another, each held, the hand moving and changing between them."""
    first, hand = hands[int(rng.integers(len(hands)))]
    palm, centre = _palm(np.asarray(first, np.float64)[None]), np.asarray(first)[9, :2]
    keys_t, keys = [0.0], [_placed(first, centre, palm)]
    for _ in range(int(rng.integers(3, 8))):
        hold = rng.uniform(0.2, 1.0)
        keys_t.append(keys_t[-1] + hold)
        keys.append(keys[-1])
        nxt = centre + rng.normal(0, 0.4, 2) * palm
        lms, _ = hands[int(rng.integers(len(hands)))]
        keys_t.append(keys_t[-1] + rng.uniform(0.12, 0.4))
        keys.append(_placed(lms, nxt, palm * rng.uniform(0.9, 1.1)))
        centre = nxt
    keys_t.append(keys_t[-1] + rng.uniform(0.2, 1.0))
    keys.append(keys[-1])
    t = np.arange(0, keys_t[-1], 1 / fps)
    return t, _sample(np.array(keys_t), np.stack(keys), t), hand


def negatives(hands: list[tuple[np.ndarray, str]], rng: np.random.Generator, n: int) -> list[Seq]:
    """``n`` sequences of no sign from still hands ((21, 3) pixels, handedness): held with a
    tremor, drifting slowly, sliding in a line, turning a little, or spelled one after
    another (the hand moving and changing shape between them)."""
    out = []
    kinds = ["held", "drift", "slide", "turn", "spell"]
    for _ in range(n):
        kind = rng.choice(kinds, p=[0.2, 0.2, 0.15, 0.1, 0.35])
        fps = rng.uniform(15, 60)
        if kind == "spell":
            t, seq, hand = _spelled(hands, rng, fps)
            _noisy(seq, rng, _palm(seq[:1]))
            out.append(Seq(t, seq, hand, None))
            continue
        lms0, hand = hands[int(rng.integers(len(hands)))]
        lms0 = np.asarray(lms0, np.float64)
        palm = _palm(lms0[None])
        dur = rng.uniform(1.5, 5.0)
        t = np.arange(0, dur, 1 / fps)
        off = np.zeros((len(t), 2))
        ang = np.zeros(len(t))
        if kind == "drift":
            for _ in range(3):
                f, ph = rng.uniform(0.1, 0.8), rng.uniform(0, 2 * np.pi)
                wave = np.sin(2 * np.pi * f * t[:, None] + ph) * rng.normal(0, 1, 2)
                off += rng.uniform(0.1, 0.5) * palm * wave
        elif kind == "slide":
            d = rng.normal(0, 1, 2)
            d /= np.linalg.norm(d)
            t0, length = rng.uniform(0, dur / 2), rng.uniform(1, 6) * palm
            go = np.clip((t - t0) / rng.uniform(0.15, 0.6), 0, 1)
            off += d * length * (go**3 * (10 - 15 * go + 6 * go**2))[:, None]
        elif kind == "turn":
            ang = np.radians(rng.uniform(-30, 30)) * np.sin(np.pi * np.clip(t / dur, 0, 1))
        c = lms0[9, :2]
        seq = np.repeat(lms0[None], len(t), axis=0)
        cs, sn = np.cos(ang), np.sin(ang)
        xy = seq[:, :, :2] - c
        seq[:, :, 0] = c[0] + cs[:, None] * xy[:, :, 0] - sn[:, None] * xy[:, :, 1]
        seq[:, :, 1] = c[1] + sn[:, None] * xy[:, :, 0] + cs[:, None] * xy[:, :, 1]
        seq[:, :, :2] += off[:, None]
        _noisy(seq, rng, palm)
        out.append(Seq(t, seq, hand, None))
    return out
