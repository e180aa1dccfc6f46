"""Motion signs a user might teach, made on real people's hands (:mod:`tools.synth.varied`):
each drawn from a seed with its person, speed, size, place, tilt, frame rate and noise.

- hello: the flat hand (B) moves out from the brow, turning outward a little
- circle: the index (D) draws a circle
- yes: the fist (S) nods twice
- open: the fist (S) springs open (B) as it rises
- come: the index (D) hooks (X) twice
- bye: the flat hand (B) waves side to side
- J and Z: as :mod:`tools.synth.varied_scenes` makes them

:func:`teach_clip` is one clip as ``handcam record --clip`` would take it from a video
(the sign between short rests, cut to its motion); :func:`scene` is the sign between other
letters, as a person uses it; both return a :class:`~tools.synth.varied.Sequence`.
"""

from __future__ import annotations

import numpy as np

from tools.synth.realhands import RealHands, rotvec
from tools.synth.varied import Builder, Sequence, State, draw_spec, min_jerk
from tools.synth.varied_scenes import j_motion, random_letters, z_motion

SIGNS = ("hello", "circle", "yes", "open", "come", "bye", "J", "Z")
START = {"hello": "B", "circle": "D", "yes": "S", "open": "S", "come": "D", "bye": "B"}
BASE_S = {
    "hello": 0.7,
    "circle": 1.0,
    "yes": 0.9,
    "open": 0.5,
    "come": 0.9,
    "bye": 1.2,
    "J": 0.8,
    "Z": 1.0,
}


def _draw(b: Builder, sign: str, dur: float, size: float) -> None:
    """Add ``sign`` to the builder's timeline from its current state."""
    s0, rng, u = b.state, b.rng, b.rng.uniform
    if sign == "hello":
        turn = np.radians(u(15, 35))

        def fn(tau):
            e = float(min_jerk(tau))
            xy = np.array([1.3 * e, 0.35 * e + 0.15 * np.sin(np.pi * e)]) * size
            return State(
                s0.local, rotvec([0, 0, turn * e]) @ s0.r, s0.wrist + b._displace(xy), "hello"
            )
    elif sign == "circle":
        radius = 0.6 * size
        tip0 = s0.r @ s0.local[8]

        def fn(tau):
            th = 2 * np.pi * float(min_jerk(tau))
            xy = radius * np.array([np.sin(th), 1 - np.cos(th)])
            return State(s0.local, s0.r, s0.wrist + b._displace(xy) + 0 * tip0, "circle")
    elif sign == "yes":
        amp = np.radians(u(20, 35))
        axis = s0.r[:, 0]

        def fn(tau):
            a = amp * np.sin(2 * np.pi * 2 * tau) * np.sin(np.pi * tau)
            xy = np.array([0.0, 0.25 * size * np.sin(np.pi * tau)])
            return State(s0.local, rotvec(a * axis) @ s0.r, s0.wrist + b._displace(xy), "yes")
    elif sign == "open":
        to = b.hands.shape(b.hands.pick("B", b.spec.signer, rng), b.palm_m)

        def fn(tau):
            e = float(min_jerk(tau))
            ef = float(min_jerk(min(tau * 1.4, 1.0)))
            local = s0.local + (to - s0.local) * ef
            return State(
                local, s0.r, s0.wrist + b._displace(np.array([0.0, -0.6 * size * e])), "open"
            )
    elif sign == "come":
        to = b.hands.shape(b.hands.pick("X", b.spec.signer, rng), b.palm_m)

        def fn(tau):
            a = 0.5 - 0.5 * np.cos(2 * np.pi * 2 * tau)
            xy = np.array([0.0, 0.1 * size * a])
            return State(s0.local + (to - s0.local) * a, s0.r, s0.wrist + b._displace(xy), "come")
    elif sign == "bye":
        amp = np.radians(u(20, 35))
        cycles = u(2.0, 3.0)

        def fn(tau):
            a = amp * np.sin(2 * np.pi * cycles * tau) * min(1.0, 4 * tau, 4 * (1 - tau))
            xy = np.array([0.3 * size * np.sin(a), 0.0])
            return State(s0.local, rotvec([0, 0, a]) @ s0.r, s0.wrist + b._displace(xy), "bye")
    else:
        raise ValueError(f"unknown sign {sign!r}")
    b.motion(sign, dur, fn, 0.0)


def _sign(
    b: Builder, sign: str, dur: float, size: float, hold_before: float, hold_after: float
) -> None:
    spec = b.spec
    if sign in ("J", "Z"):
        spec.duration, spec.size = dur, size * (0.8 if sign == "J" else 1.2)
        spec.hold_before, spec.hold_after = hold_before, hold_after
        j_motion(b) if sign == "J" else z_motion(b)
        return
    if b.state is None:
        b.letter(START[sign], hold=hold_before)
    else:
        b.letter(START[sign], hold=hold_before)
    b.letters = b.letters[:-1]  # the shape it starts from is not a letter written
    _draw(b, sign, dur, size)
    b.hold(hold_after)


def teach_clip(
    sign: str,
    seed: int,
    hands: RealHands,
    person: str,
    speed: float = 1.0,
    size: float = 1.0,
    ranges=None,
) -> Sequence:
    """One teaching clip: the sign's start shape held, the sign, a rest."""
    rng = np.random.default_rng(seed)
    kw = {} if ranges is None else {"ranges": ranges}
    spec = draw_spec(sign if sign in ("J", "Z") else "Z", rng, [person], **kw)
    spec.drift, spec.drop, spec.miss, spec.gap, spec.glitch, spec.degrade = (
        0.05,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
    )
    b = Builder(hands, spec, rng)
    dur = BASE_S[sign] * rng.uniform(0.9, 1.1) / speed
    _sign(b, sign, dur, size * rng.uniform(0.9, 1.1), rng.uniform(0.4, 0.8), rng.uniform(0.4, 0.8))
    return b.render(sign)


def scene(
    sign: str, seed: int, hands: RealHands, people, speed=(0.7, 1.4), size=(0.7, 1.4), ranges=None
) -> Sequence:
    """The sign as a person uses it: letters before and after it, at their own speed and
    size (``speed`` and ``size``: ranges, times the teacher's)."""
    rng = np.random.default_rng(seed)
    kw = {} if ranges is None else {"ranges": ranges}
    spec = draw_spec(sign if sign in ("J", "Z") else "Z", rng, list(people), **kw)
    b = Builder(hands, spec, rng)
    for ch in random_letters(rng, int(rng.integers(1, 3))):
        b.letter(ch)
    dur = BASE_S[sign] / rng.uniform(*speed)
    hold_before = 0.0 if rng.random() < 0.3 else rng.uniform(0.1, 0.5)
    _sign(b, sign, dur, rng.uniform(*size), hold_before, rng.uniform(0.2, 0.6))
    for ch in random_letters(rng, int(rng.integers(1, 3))):
        b.letter(ch)
    return b.render(sign)


def write_clips(out, signs, people, clips: int, seed: int = 0) -> dict[str, int]:
    """Each of ``people`` teaches each of ``signs`` ``clips`` times, written under ``out``
    as ``handcam record --clip`` writes them (one recording sitting a person)."""
    from handcam.recording.clips import Clip, ClipStore

    hands, counts = RealHands(), {}
    for p, person in enumerate(people):
        store = ClipStore(out)
        for k, sign in enumerate(signs):
            for i in range(clips):
                seq = teach_clip(sign, seed + 10_000 * p + 100 * k + i, hands, person)
                frames = seq.frames
                store.save_clip(
                    Clip(sign, np.array([f[0] for f in frames]), tuple(f[1] for f in frames))
                )
                counts[sign] = counts.get(sign, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """``python -m tools.synth.taught OUT [--signs J,Z] [--people P1,P3] [--clips 6]``: write
    taught clips as ``handcam record --clip`` would, for ``handcam-train``."""
    import argparse

    p = argparse.ArgumentParser(prog="python -m tools.synth.taught", description=main.__doc__)
    p.add_argument("out")
    p.add_argument("--signs", default=",".join(SIGNS))
    p.add_argument("--people", default="P1", help="whose real hands teach (letters photos)")
    p.add_argument("--clips", type=int, default=3, help="clips of each sign each person makes")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    counts = write_clips(a.out, a.signs.split(","), a.people.split(","), a.clips, a.seed)
    print(", ".join(f"{k}: {v} clips" for k, v in counts.items()), "in", a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
