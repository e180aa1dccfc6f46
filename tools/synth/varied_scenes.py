"""The motions and scenes of :mod:`tools.synth.varied`: J and Z as people make them, the
look-alikes, and ``make(kind, seed, ...)``, one sequence of a kind from a seed."""

from __future__ import annotations

import numpy as np

from tools.synth.realhands import RealHands, rotvec
from tools.synth.varied import (
    HELD_LETTERS,
    OTHER_LETTERS,
    POSITIVE,
    RANGES,
    Builder,
    Sequence,
    State,
    draw_spec,
    min_jerk,
    schedule,
    submovements,
)


def j_motion(b) -> None:
    rng, spec, u = b.rng, b.spec, b.rng.uniform
    if b.state is None or b.state.letter != "I":
        b.letter("I", hold=spec.hold_before)
        b.letters = b.letters[:-1]  # the I that the J starts from
    else:
        b.hold(spec.hold_before)
    s0, S, T = b.state, spec.size, spec.duration
    if spec.style == "tip":
        d, side = S * u(0.55, 1.0), S * u(-0.1, 0.2)
        w, up = S * u(0.3, 0.8), S * u(0.0, 0.55)
        vias = [(0, 0), (-side, d), (-side - w, d - up)]
        if rng.random() < 0.5:  # a rounder hook through a point below
            vias.insert(2, (-side - w * u(0.3, 0.6), d + S * u(0.0, 0.25)))
        theta, alpha = u(20, 100), u(0.6, 1.0)
        flex, dev = u(-10, 15), u(-10, 10)
    else:  # "turn": the wrist drops (and may scoop), turning the hand draws the hook
        d = S * u(0.3, 0.9)
        vias = [(0, 0), (S * u(-0.15, 0.15), d)]
        if rng.random() < 0.6:
            vias.append((vias[-1][0] - S * u(0.0, 0.3), d - S * u(0.0, 0.35)))
        theta, alpha = u(50, 120), u(0.0, 0.3)
        flex, dev = u(0, 25), u(-10, 15)
    vias = np.array(vias, float)
    starts, durs = schedule(np.linalg.norm(np.diff(vias, axis=0), axis=1), rng, "round", T)
    path = submovements(vias, starts, durs)
    r_on = (starts[1] if len(starts) > 1 else 0.3 * T) * u(0.2, 1.0)  # the turn starts
    r_off = T * u(0.8, 1.0)
    axis = s0.r[:, 1] + rng.normal(0, 0.15, 3)  # about the forearm (elbow -> hand)
    axis /= np.linalg.norm(axis)
    ax_u, ax_n = s0.r[:, 0], s0.r[:, 2]
    tip0 = s0.r @ s0.local[20]

    def orient(tt):
        g = float(min_jerk((tt - r_on) / max(r_off - r_on, 1e-3)))
        turn = rotvec(-np.radians(theta) * g * axis)  # supination of a right hand
        bend = rotvec(np.radians(flex) * g * ax_u) @ rotvec(np.radians(dev) * g * ax_n)
        return turn @ bend @ s0.r

    def fn(tau):
        tt = tau * T
        r = orient(tt)
        delta = r @ s0.local[20] - tip0
        wrist = s0.wrist + b._displace(path(tt)) - alpha * delta
        return State(s0.local, r, wrist, "J")

    b.motion("J", T, fn, spec.hold_after)


def z_motion(b) -> None:
    rng, spec, u = b.rng, b.spec, b.rng.uniform
    if b.state is None or b.state.letter not in ("D", "Z"):
        b.letter(str(rng.choice(["D", "Z"], p=[0.4, 0.6])), hold=spec.hold_before)
        b.letters = b.letters[:-1]  # the D that the Z starts from
    else:
        b.hold(spec.hold_before)
    s0, S, T = b.state, spec.size, spec.duration
    w1, w2, h = S * u(0.7, 1.0), S * u(0.6, 1.1), S * u(0.45, 1.1)
    a1, a2 = np.radians(u(-15, 15, 2))
    p1 = np.array([w1 * np.cos(a1), w1 * np.sin(a1)])
    p2 = np.array([S * u(-0.25, 0.2), h])
    p3 = p2 + np.array([w2 * np.cos(a2), w2 * np.sin(a2)])
    vias = np.array([[0.0, 0.0], p1, p2, p3])
    vias[1:] += rng.normal(0, 0.04 * S, (3, 2))
    starts, durs = schedule(np.linalg.norm(np.diff(vias, axis=0), axis=1), rng, spec.style, T)
    path = submovements(vias, starts, durs)
    k, alpha = np.radians(u(0, 20)), u(0.5, 1.0)  # pivot per palm length; tip-driven share
    tip0 = s0.r @ s0.local[8]

    def fn(tau):
        tt = tau * T
        p = path(tt)
        r = rotvec([0, k * p[0], 0]) @ rotvec([-k * p[1], 0, 0]) @ s0.r
        delta = r @ s0.local[8] - tip0
        wrist = s0.wrist + b._displace(p) - alpha * delta
        return State(s0.local, r, wrist, "Z")

    b.motion("Z", T, fn, spec.hold_after)


# -- negatives ------------------------------------------------------------------------
def turn_only(b) -> None:
    """The I hand turns (and maybe back) with no drop and no hook."""
    rng, u = b.rng, b.rng.uniform
    s0 = b.state
    theta, back = u(30, 120) * rng.choice([-1, 1]), rng.random() < 0.5
    dur = u(0.4, 1.2)
    axis = s0.r[:, 1] / np.linalg.norm(s0.r[:, 1])

    def fn(tau):
        g = float(min_jerk(tau))
        g = np.sin(np.pi * g) if back else g
        return State(s0.local, rotvec(-np.radians(theta) * g * axis) @ s0.r, s0.wrist, "I")

    b.add(dur, fn)


def slide(b, length: float, angle: float, bend: float, dur: float, letter: str) -> None:
    s0 = b.state
    a = np.radians(angle)
    direction = np.array([np.cos(a), np.sin(a)])
    normal = np.array([-direction[1], direction[0]])

    def fn(tau):
        e = float(min_jerk(tau))
        xy = direction * length * e + normal * bend * length * np.sin(np.pi * e)
        return State(s0.local, s0.r, s0.wrist + b._displace(xy), letter)

    b.add(dur, fn)


def wander(b, dur: float, amp: float, fmax: float, letter: str) -> None:
    s0, rng = b.state, b.rng
    f = rng.uniform(0.2, fmax, (3, 3))
    ph = rng.uniform(0, 2 * np.pi, (3, 3))
    a = rng.uniform(0.3, 1.0, (3, 3)) * amp / 3 * np.array([1, 1, 0.5])
    rot_amp = np.radians(rng.uniform(0, 25))

    def noise(tt):
        return (a * np.sin(2 * np.pi * f * tt + ph)).sum(0)

    def fn(tau):
        tt = tau * dur
        n = noise(tt) - noise(0.0)
        r = rotvec(rot_amp * n / max(amp, 1e-6)) @ s0.r
        return State(s0.local, r, s0.wrist + n * b.palm_m, letter)

    b.add(dur, fn)


def wave(b, dur: float) -> None:
    s0, rng = b.state, b.rng
    amp, hz = np.radians(rng.uniform(15, 40)), rng.uniform(1.2, 3.0)
    slide = rng.uniform(0, 0.4)
    axis = s0.r[:, 2]

    def fn(tau):
        tt = tau * dur
        ang = amp * np.sin(2 * np.pi * hz * tt)
        r = rotvec(ang * axis) @ s0.r
        return State(s0.local, r, s0.wrist + np.array([slide * np.sin(ang), 0, 0]) * b.palm_m,
                     s0.letter)  # fmt: skip

    b.add(dur, fn)


def scratch(b, dur: float) -> None:
    h, rng, s0 = b.hands, b.rng, b.state
    other = h.shape(h.pick(str(rng.choice(["E", "C", "X", "S"])), b.spec.signer, rng),
                    b.palm_m)  # fmt: skip
    hz, move = rng.uniform(2.5, 5.0), rng.uniform(0.05, 0.3)

    def fn(tau):
        tt = tau * dur
        a = 0.5 - 0.5 * np.cos(2 * np.pi * hz * tt)
        local = s0.local + (other - s0.local) * a
        wrist = s0.wrist + np.array([0, move * a, 0]) * b.palm_m
        return State(local, s0.r, wrist, s0.letter)

    b.add(dur, fn)


def _weights() -> np.ndarray:
    w = np.ones(len(OTHER_LETTERS))
    for ch in "ID":
        w[OTHER_LETTERS.index(ch)] = 3.0  # the shapes J and Z move through
    for ch in "GXQPLY":
        w[OTHER_LETTERS.index(ch)] = 1.5  # what the still model reads a Z or J as
    return w / w.sum()


LETTER_P = _weights()


def random_letters(rng, n: int) -> list[str]:
    out = []
    for _ in range(n):
        if out and rng.random() < 0.12:
            out.append(out[-1])  # a double letter
        else:
            out.append(str(rng.choice(OTHER_LETTERS, p=LETTER_P)))
    return out


def make(
    kind: str, seed: int, hands: RealHands, signers, ranges=RANGES, fixed_text=None, **fixed
) -> Sequence:
    """One sequence of ``kind`` from ``seed`` (``fixed_text``: the letters of a word)."""
    rng = np.random.default_rng(seed)
    spec = draw_spec("J" if kind in ("alphabet", "word") else kind, rng, signers, ranges, **fixed)
    b = Builder(hands, spec, rng)
    u = rng.uniform
    if kind in POSITIVE:
        for ch in random_letters(rng, int(rng.integers(1, 4))):
            b.letter(ch)
        j_motion(b) if kind == "J" else z_motion(b)
        for ch in random_letters(rng, int(rng.integers(1, 3))):
            b.letter(ch)
    elif kind in ("alphabet", "word"):
        text = fixed_text or ("ABCDEFGHIJKLMNOPQRSTUVWXYZ" if kind == "alphabet" else "JAZZ")
        for k, ch in enumerate(text):
            if ch == "J":
                spec.size = rng.uniform(0.3, 1.5)
                j_motion(b)
            elif ch == "Z":
                spec.size = rng.uniform(0.5, min(3.0, 320.0 / spec.palm_px))
                z_motion(b)
            elif k and ch == text[k - 1]:
                slide(b, u(0.3, 0.9), u(-20, 20), 0.0, u(0.2, 0.4), ch)
                b.hold(u(0.3, 0.6))
                b.letters += ch
            else:
                b.letter(ch, hold=u(0.5, 1.2))
            if ch in "JZ":  # the next motion of the sequence gets fresh conditions
                spec.duration = rng.uniform(*ranges["duration"])
                spec.style = str(rng.choice(["tip", "turn"] if ch == "Z" else ["sharp", "round"]))
                spec.hold_before = 0.0 if rng.random() < 0.3 else u(0.05, 0.5)
                spec.hold_after = 0.0 if rng.random() < 0.3 else u(0.05, 0.5)
    elif kind == "spell":
        letters = random_letters(rng, int(rng.integers(8, 16)))
        for k, ch in enumerate(letters):
            if k and ch == letters[k - 1] and rng.random() < 0.7:  # double: slide or bounce
                if rng.random() < 0.6:
                    slide(b, u(0.3, 0.9), u(-20, 20), 0.0, u(0.2, 0.4), ch)
                else:
                    slide(b, u(0.15, 0.4), 90.0, 0.0, u(0.1, 0.2), ch)
                    slide(b, u(0.15, 0.4), -90.0, 0.0, u(0.1, 0.2), ch)
                b.hold(u(0.2, 0.6))
                b.letters += ch
            else:
                b.letter(ch)
    elif kind in ("I_still", "D_still"):
        b.letter(kind[0], hold=u(3.0, 6.0))
    elif kind == "I_turn":
        b.letter("I")
        for _ in range(int(rng.integers(1, 3))):
            turn_only(b)
            b.hold(u(0.1, 0.5))
    elif kind == "I_drop":  # the I hand lowered or raised in a line, no turn, no hook
        b.letter("I")
        slide(b, u(0.4, 2.0), u(60, 120) * rng.choice([-1, 1]), u(-0.15, 0.15), u(0.3, 1.0), "I")
        b.hold(u(0.2, 0.6))
    elif kind == "D_slide":
        b.letter(str(rng.choice(["D", "G", "X"], p=[0.6, 0.2, 0.2])))
        ch = b.state.letter
        for _ in range(int(rng.integers(1, 3))):
            slide(b, u(0.5, 3.0), u(-30, 30) + 180 * rng.integers(0, 2), u(-0.3, 0.3),
                    u(0.3, 1.2), ch)  # fmt: skip
            b.hold(u(0.1, 0.5))
    elif kind == "ID_wander":
        b.letter(str(rng.choice(["I", "D"])))
        wander(b, u(2.0, 4.0), u(0.3, 1.5), 2.0, b.state.letter)
    elif kind == "wave":
        b.letter(str(rng.choice(["B", "W", "V"])))
        wave(b, u(1.5, 3.0))
        b.hold(0.3)
    elif kind == "scratch":
        b.letter(str(rng.choice(["B", "D", "I", "A"])))
        scratch(b, u(1.0, 2.5))
        b.hold(0.3)
    elif kind == "held":
        b.letter(str(rng.choice(HELD_LETTERS)), hold=u(3.0, 6.0))
    elif kind == "drift":  # a held letter drifting slowly, a fraction of a palm a second
        b.letter(str(rng.choice(HELD_LETTERS)))
        wander(b, u(2.0, 5.0), u(0.2, 0.8), 0.7, b.state.letter)
    else:
        raise ValueError(f"unknown kind {kind!r}")
    return b.render(kind)
