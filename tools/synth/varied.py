"""Varied J / Z motion and look-alikes on real hand shapes, independent of the templates.

Scenes are built in the signer's view of a right hand (a mirrored camera image), in camera
coordinates (metres; x right, y down, z away from the camera), from real hands of the
carried letters set (:mod:`tools.synth.realhands`), then projected, flipped for a left
hand and for an unmirrored camera, rolled (a tilted camera or signer), sampled at 15-60 fps
with jitter, dropped frames, frames without a hand, landmark noise and glitches.

Paths are sums of minimum-jerk submovements between random via-points (Flash & Hogan):
overlapping submovements round a corner, gaps pause at it.

- J: the I hand drops and turns (supination about the forearm) while the little
  fingertip hooks toward the thumb side. Style "tip": the fingertip follows a drawn hook
  (via-points), the turn adds what the wrist does not take back; style "turn": the wrist
  only drops (and may scoop up) and the hook comes from turning the hand.
- Z: the pointing hand's index tip draws three strokes (right, down-left, right) with
  varied lengths, slants, corner rounding (style "round") or pauses (style "sharp"); the
  hand pivots a little toward where the tip goes.
- Context: letters before and after (holds and transitions, real hands of the same
  person), the motion starting straight out of the transition or after a hold, the next
  letter following straight away or after a hold.
- Negatives: fingerspelled letters without J / Z (double letters slide or bounce), I and D
  held still, I turning without a hook, D sliding, I / D wandering, waves, scratching.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from handcam.hands.hand import Hand
from tools.synth.realhands import SIZE, RealHands, euler, project, slerp

POSITIVE = ("J", "Z")
NEGATIVE = ("spell", "I_still", "D_still", "I_turn", "I_drop", "D_slide", "ID_wander",
            "wave", "scratch", "held", "drift")  # fmt: skip
# letters a J or Z starts from or passes through, held still ("held") or drifting slowly
# ("drift"): neither may fire a motion sign
HELD_LETTERS = tuple("QPGHDK")
KINDS = POSITIVE + NEGATIVE
OTHER_LETTERS = tuple("ABCDEFGHIKLMNOPQRSTUVWXY")  # no J, Z
_OTHER = {"Right": "Left", "Left": "Right"}


def min_jerk(x):
    x = np.clip(x, 0.0, 1.0)
    return x**3 * (10 - 15 * x + 6 * x**2)


@dataclass
class State:
    local: np.ndarray  # (21, 3) metres, hand frame
    r: np.ndarray  # (3, 3) camera-from-hand
    wrist: np.ndarray  # (3,) metres, camera frame
    letter: str


@dataclass
class Segment:
    t0: float
    dur: float
    fn: Callable[[float], State]  # tau in [0, 1] -> state

    def at(self, t: float) -> State:
        return self.fn(min(max((t - self.t0) / self.dur, 0.0), 1.0))


def submovements(vias: np.ndarray, starts: np.ndarray, durs: np.ndarray) -> Callable:
    """t (seconds) -> point: vias[0] + sum_k (vias[k+1] - vias[k]) minjerk((t - s_k) / d_k)."""
    steps = np.diff(vias, axis=0)

    def at(t):
        t = np.asarray(t, float)
        e = min_jerk((t[..., None] - starts) / durs)
        return vias[0] + e @ steps

    return at


def schedule(lengths: np.ndarray, rng, style: str, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Start times and durations of submovements (sum to ``total``): durations grow with
    the square root of length; "round" overlaps consecutive ones, "sharp" pauses between."""
    d = np.sqrt(np.maximum(lengths, 1e-3)) * rng.uniform(0.8, 1.25, len(lengths))
    starts = np.zeros(len(d))
    for k in range(1, len(d)):
        if style == "round":
            starts[k] = starts[k - 1] + d[k - 1] * (1 - rng.uniform(0.1, 0.5))
        else:  # sharp corners with a pause of up to a third of the stroke
            starts[k] = starts[k - 1] + d[k - 1] * (1 + rng.uniform(0.0, 0.35))
    end = starts[-1] + d[-1]
    return starts * total / end, d * total / end


@dataclass
class Spec:
    fps: float
    hand: str
    mirrored: bool
    duration: float  # of the J / Z motion
    size: float  # J: hook scale, Z: width, palm lengths
    tilt: float  # camera roll, degrees
    plane_yaw: float  # the drawing plane turned in depth, degrees
    plane_pitch: float
    palm_px: float
    noise: float  # landmark noise, palm lengths
    jitter: float  # whole-hand jitter per frame, palm lengths
    drift: float  # slow drift amplitude, palm lengths
    drop: float
    miss: float
    gap: float
    glitch: float  # frames with one finger misread
    degrade: float  # fast frames read with fingers curled toward a fist (0: never)
    style: str
    signer: str
    hold_before: float
    hold_after: float
    body: tuple[float, float, float]  # global yaw, pitch, roll of the hand, degrees

    def as_dict(self) -> dict:
        return dict(self.__dict__)


RANGES = {  # "report" ranges; "tune" narrows some (see draw_spec)
    "fps": (15.0, 60.0), "duration": (0.4, 1.5), "tilt": (-30.0, 30.0),
    "plane_yaw": (-40.0, 40.0), "plane_pitch": (-25.0, 25.0), "palm_px": (35.0, 140.0),
}  # fmt: skip
TUNE_RANGES = {
    "fps": (20.0, 50.0), "duration": (0.5, 1.3), "tilt": (-20.0, 20.0),
    "plane_yaw": (-15.0, 15.0), "plane_pitch": (-10.0, 10.0), "palm_px": (45.0, 120.0),
}  # fmt: skip


def draw_spec(kind: str, rng: np.random.Generator, signers, ranges=RANGES, **fixed) -> Spec:
    u = rng.uniform
    r = ranges
    style = {"J": ("tip", "turn"), "Z": ("sharp", "round")}.get(kind, ("-",))
    palm_px = float(np.exp(u(np.log(r["palm_px"][0]), np.log(r["palm_px"][1]))))
    size = u(0.3, 1.5) if kind == "J" else u(0.5, min(3.0, 320.0 / palm_px))
    spec = dict(
        fps=u(*r["fps"]),
        hand=str(rng.choice(["Right", "Left"])),
        mirrored=bool(rng.random() < 0.5),
        duration=u(*r["duration"]),
        size=size,
        tilt=u(*r["tilt"]),
        plane_yaw=u(*r["plane_yaw"]),
        plane_pitch=u(*r["plane_pitch"]),
        palm_px=palm_px,
        noise=u(0.003, 0.02),
        jitter=u(0.0, 0.01),
        drift=u(0.05, 0.5),
        drop=u(0.0, 0.15),
        miss=u(0.0, 0.04),
        gap=u(0.05, 0.25) if rng.random() < 0.25 else 0.0,
        glitch=u(0.0, 0.04),
        degrade=0.0 if rng.random() < 0.5 else u(0.2, 0.9),
        style=str(rng.choice(style)),
        signer=str(rng.choice(signers)),
        hold_before=0.0 if rng.random() < 0.3 else u(0.05, 0.5),
        hold_after=0.0 if rng.random() < 0.3 else u(0.05, 0.5),
        body=(u(-25, 25), u(-20, 15), u(-15, 15)),
    )
    unknown = set(fixed) - set(spec)
    if unknown:
        raise ValueError(f"unknown spec keys {sorted(unknown)}")
    spec.update(fixed)
    return Spec(**spec)


@dataclass
class Sequence:
    kind: str
    frames: list  # (t, Hand | None, letter shown (truth) | None)
    motions: list  # (label, t0, t1)
    spec: Spec
    duration: float
    letters: str = ""
    extent: float = 0.0  # measured fingertip path extent of the motion, palm lengths
    info: dict = field(default_factory=dict)


class Builder:
    """A timeline of segments, each starting where the last one ended."""

    def __init__(self, hands: RealHands, spec: Spec, rng: np.random.Generator) -> None:
        self.hands, self.spec, self.rng = hands, spec, rng
        self.palm_m = rng.uniform(0.085, 0.11)
        self.body = euler(*spec.body)
        depth = 550.0 * self.palm_m / spec.palm_px  # F_PX * palm / palm_px
        x = rng.uniform(-0.15, 0.15) * SIZE[0] * depth / 550.0
        y = rng.uniform(-0.1, 0.2) * SIZE[1] * depth / 550.0
        self.home = np.array([x, y, depth])
        self.segments: list[Segment] = []
        self.t = 0.0
        self.state: State | None = None
        self.motions: list = []
        self.letters = ""
        self.plane = euler(spec.plane_yaw, spec.plane_pitch, 0.0)
        fist = hands.pick(str(rng.choice(["S", "M", "A", "E"])), spec.signer, rng)
        self.fist = hands.shape(fist, self.palm_m)
        self.finger_w = rng.uniform(0.0, 0.6, 4)  # index, middle, ring, little
        self.finger_w[int(rng.integers(0, 4))] = 1.0

    # -- shapes -------------------------------------------------------------------------
    def letter_state(self, letter: str, near: np.ndarray | None = None) -> State:
        h, rng = self.hands, self.rng
        i = h.pick(letter, self.spec.signer, rng)
        r = self.body @ euler(*rng.normal(0, 5, 3)) @ h.orient[i]
        base = self.home if near is None else near
        wrist = base + rng.normal(0, 0.08, 3) * self.palm_m * np.array([1, 1, 0.5])
        wrist = self.home + np.clip(wrist - self.home, -1.5 * self.palm_m, 1.5 * self.palm_m)
        return State(h.shape(i, self.palm_m), r, wrist, letter)

    def add(self, dur: float, fn: Callable[[float], State]) -> None:
        self.segments.append(Segment(self.t, dur, fn))
        self.t += dur
        self.state = fn(1.0)

    def motion(self, sign: str, dur: float, fn: Callable[[float], State], after: float) -> None:
        """A J or Z drawn by ``fn`` for ``dur`` s (recorded as ground truth), then a hold."""
        t0 = self.t
        self.add(dur, fn)
        self.motions.append((sign, t0, self.t))
        self.letters += sign
        self.hold(after)

    def hold(self, dur: float) -> None:
        s = self.state
        if dur > 0:
            self.add(dur, lambda tau: s)

    def move_to(self, target: State, dur: float, arc: float = 0.0) -> None:
        a, b = self.state, target
        bump = np.array([0.0, -1.0, 0.0]) * arc * self.palm_m

        def fn(tau):
            e = float(min_jerk(tau))
            ef = float(min_jerk(tau * 1.15))  # fingers lead the arm a little
            wrist = a.wrist + (b.wrist - a.wrist) * e + bump * np.sin(np.pi * e)
            return State(a.local + (b.local - a.local) * ef, slerp(a.r, b.r, e), wrist,
                         a.letter if e < 0.5 else b.letter)  # fmt: skip

        self.add(dur, fn)

    def letter(self, letter: str, hold: float | None = None) -> None:
        rng = self.rng
        if self.state is None:
            self.state = self.letter_state(letter)
            self.hold(rng.uniform(0.3, 0.8) if hold is None else hold)
        else:
            target = self.letter_state(letter, self.state.wrist)
            self.move_to(target, rng.uniform(0.15, 0.35), arc=rng.uniform(-0.1, 0.2))
            self.hold(rng.uniform(0.3, 0.9) if hold is None else hold)
        self.letters += letter

    # -- motions --------------------------------------------------------------------------
    def _displace(self, xy: np.ndarray) -> np.ndarray:
        """Palm-unit image-plane displacement -> metres in the (turned) drawing plane."""
        return self.plane @ np.array([xy[0], xy[1], 0.0]) * self.palm_m

    # -- sampling -------------------------------------------------------------------------
    def state_at(self, t: float) -> State:
        starts = [s.t0 for s in self.segments]
        k = int(np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1))
        return self.segments[k].at(t)

    def render(self, kind: str) -> Sequence:
        spec, rng = self.spec, self.rng
        f = rng.uniform(0.1, 1.0, (3, 3))
        ph = rng.uniform(0, 2 * np.pi, (3, 3))
        amp = rng.uniform(0.3, 1.0, (3, 3)) * spec.drift / 3 * np.array([1, 1, 0.3])
        trem_hz, trem = rng.uniform(6, 11), rng.uniform(0.0, 0.01)
        flip = (spec.hand == "Left") != (not spec.mirrored)  # the image shows a left hand
        seen = spec.hand if spec.mirrored else _OTHER[spec.hand]
        c, s = np.cos(np.radians(spec.tilt)), np.sin(np.radians(spec.tilt))
        roll = np.array([[c, -s], [s, c]])
        centre = np.array(SIZE) / 2
        gap_at = rng.uniform(0, self.t)
        frames, t = [], 0.0
        prev_tip = None
        tips = []
        level, amount, prev_clean, prev_t = spec.degrade, 0.0, None, None
        chains = [np.arange(6 + 4 * f, 9 + 4 * f) for f in range(4)]  # PIP, DIP, tip
        in_motion = [(t0, t1) for _, t0, t1 in self.motions]
        while t <= self.t:
            st = self.state_at(t)
            drift = (amp * np.sin(2 * np.pi * f * t + ph)).sum(0) * self.palm_m
            drift[:2] += trem * np.sin(2 * np.pi * trem_hz * t) * self.palm_m
            clean = project(st.local, st.r, st.wrist + drift)
            if level > 0 and prev_clean is not None:
                v = np.linalg.norm(clean.image[[8, 20], :2] - prev_clean, axis=1).max()
                v = v / clean.palm_px / max(t - prev_t, 1e-3)  # palm lengths per second
                amount = 0.5 * amount + 0.5 * level * float(np.clip((v - 1.5) / 3.0, 0, 1))
            prev_clean, prev_t = clean.image[[8, 20], :2].copy(), t
            local = st.local
            if amount > 0.02:
                local = local.copy()
                for f, idx in enumerate(chains):
                    a = amount * self.finger_w[f]
                    local[idx] += (self.fist[idx] - local[idx]) * a
            posed = clean if local is st.local else project(local, st.r, st.wrist + drift)
            img, world, palm = posed.image.copy(), posed.world.copy(), posed.palm_px
            tip_idx = 20 if any(lab == "J" for lab, *_ in self.motions) else 8
            if any(t0 <= t <= t1 for t0, t1 in in_motion):
                tips.append(img[tip_idx, :2] / palm)
            keep = rng.random() >= spec.drop
            if keep:
                box = posed.image[:, :2]
                outside = (box.mean(0) < 0).any() or (box.mean(0) > SIZE).any()
                if outside or rng.random() < spec.miss or gap_at <= t < gap_at + spec.gap:
                    frames.append((t, None, None))
                else:
                    speed = 0.0
                    if prev_tip is not None:
                        speed = np.linalg.norm(img[[8, 20], :2] - prev_tip, axis=1).max() / palm
                    prev_tip = img[[8, 20], :2].copy()
                    sd = (spec.noise + 0.15 * speed) * palm  # blur: fast frames are noisier
                    img += rng.normal(0, sd, img.shape) * (1, 1, 2)
                    img[:, :2] += rng.normal(0, spec.jitter * palm, 2)
                    world += rng.normal(0, spec.noise * self.palm_m, world.shape)
                    if rng.random() < spec.glitch:  # one finger misread toward the palm
                        fing = int(rng.integers(0, 4))
                        chain = [5 + 4 * fing + j for j in range(4)]
                        a = rng.uniform(0.3, 0.8)
                        img[chain[1:]] += (img[chain[0]] - img[chain[1:]]) * a
                        world[chain[1:]] += (world[chain[0]] - world[chain[1:]]) * a
                    xy = (img[:, :2] - centre) @ roll.T + centre
                    img[:, :2] = xy
                    world[:, :2] = world[:, :2] @ roll.T
                    if flip:
                        img[:, 0] = SIZE[0] - img[:, 0]
                        world[:, 0] = -world[:, 0]
                    label = seen if rng.random() > 0.03 else _OTHER[seen]
                    hand = Hand(img.astype(np.float32), label, 0.95, world.astype(np.float32))
                    frames.append((t, hand, st.letter))
            t += rng.uniform(0.85, 1.15) / spec.fps
        extent = float(np.ptp(np.array(tips), axis=0).max()) if tips else 0.0
        return Sequence(kind, frames, self.motions, spec, self.t, self.letters, extent)
