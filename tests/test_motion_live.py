"""J and Z from their motion in the live pipeline, on synthetic landmark sequences: a J or
Z motion through :class:`Pipeline` with a fake still classifier shows J / Z (with its
score) for the hold time; I or D held still, or merely moved, do not; stills never do;
models without J and Z do not look for motion."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import frame
from handcam.capture.sources import Frame
from handcam.features.preprocess import PreprocessConfig
from handcam.recognition.pipeline import Pipeline
from handcam.signs.motion import MotionConfig
from handcam.testing import FakeClassifier, FakeHandDetector
from tools.synth.motion import make_sequence

LABELS = ("A", "D", "I", "J", "Y", "Z")
CLEAN = dict(noise=0.005, drop=0.05, miss=0.0, gap=0.0)
IMAGE = frame()
# The fake still model never says J or Z itself (a still frame of J looks like I, of Z like
# D), so any J / Z shown comes from the motion.
STILL_OF = {"J": "I", "Z": "D"}


def run(seq, stills: bool = False, labels=LABELS, motion="auto"):
    """Feed a synthetic sequence; the fake classifier says what a still model would."""
    now: dict = {"hand": None, "still": None}
    det = FakeHandDetector(lambda img: [] if now["hand"] is None else [now["hand"]])

    def still_probs(_features):
        said = STILL_OF.get(now["still"], now["still"])
        said = said if said in labels else labels[0]
        return [0.9 if lab == said else 0.1 / (len(labels) - 1) for lab in labels]

    clf = FakeClassifier(labels, fn=still_probs)
    pipe = Pipeline(det, clf, PreprocessConfig(), stills=stills, motion=motion)
    out = []
    for i, (t, hand, still) in enumerate(seq.frames):
        now["hand"], now["still"] = hand, still
        out.append((t, pipe.process(Frame(i, IMAGE, 0.0, "synth", None, t))))
    return out


def shown(results) -> list[tuple[float, str | None]]:
    return [(t, r.smoothed.label) for t, r in results if r.per_hand]


def onsets(results) -> list[tuple[float, str]]:
    return [
        (t, r.per_hand[0].motion.label)
        for t, r in results
        if r.per_hand and r.per_hand[0].motion is not None and r.per_hand[0].motion.onset
    ]


# Z only: these synthetic J are drawn by the fingertip alone, the hand never turning, and
# the scorer learned J as people make it (tests/test_motion_varied.py)
@pytest.mark.parametrize("kind", ["Z"])
@pytest.mark.parametrize("fps", [15, 30, 60])
def test_motion_shows_j_and_z_for_their_hold(kind, fps):
    hold = MotionConfig().hold_s
    for seed in range(2):
        seq = make_sequence(kind, seed, fps=fps, **CLEAN)
        results = run(seq)
        found = onsets(results)
        assert [lab for _, lab in found] == [kind], (seq.spec, found)
        t_on = found[0][0]
        t0, t1 = seq.motion
        assert t0 < t_on <= t1 + 0.5
        during = [lab for t, lab in shown(results) if t_on <= t < t_on + hold - 1e-6]
        assert during and set(during) == {kind}
        onset = next(r for t, r in results if t == t_on).per_hand[0]
        assert onset.smoothed.state == "label" and 0.5 <= onset.smoothed.confidence <= 1.0
        after = [r.per_hand[0] for t, r in results if r.per_hand and t >= t_on + hold + 0.05]
        assert all(h.motion.label is None for h in after)  # back to the still model


@pytest.mark.parametrize("kind", ["I_still", "D_still", "I_move", "D_move", "wave"])
def test_i_or_d_held_still_or_moved_never_show_j_or_z(kind):
    for seed in range(4):
        seq = make_sequence(kind, 200 + seed)
        labels = {lab for _, lab in shown(run(seq))}
        assert not labels & {"J", "Z"}, (kind, seed, labels)


def test_a_held_i_shows_the_still_models_i():
    seq = make_sequence("I_still", 5, fps=30, **CLEAN)
    results = run(seq)
    stills = [s for _, _, s in seq.frames if s is not None]
    if stills.count("I") > len(stills) / 2:
        assert shown(results)[-1][1] == "I"


def test_stills_never_use_motion():
    seq = make_sequence("Z", 3, fps=30, **CLEAN)
    results = run(seq, stills=True)
    assert all(r.per_hand[0].motion is None for _, r in results if r.per_hand)
    assert "Z" not in {lab for _, lab in shown(results)}


def test_no_motion_without_j_and_z_labels():
    seq = make_sequence("J", 0, fps=30, **CLEAN)
    results = run(seq, labels=("A", "D", "I", "Y"))
    assert all(r.per_hand[0].motion is None for _, r in results if r.per_hand)
    assert "J" not in {lab for _, lab in shown(results)}
    off = run(seq, motion=None)  # or when turned off
    assert onsets(off) == [] and "J" not in {lab for _, lab in shown(off)}


def test_each_track_has_its_own_motion():
    """A J drawn by hand 1 while hand 2 holds an I: only hand 1 shows J."""
    from handcam.hands.hand import Hand

    seq = make_sequence("J", 1, fps=30, **CLEAN)
    still_i = make_sequence("I_still", 1, fps=30, **CLEAN)
    holder = next(h for _, h, _ in still_i.frames if h is not None)
    now: dict = {"hands": []}
    det = FakeHandDetector(lambda img: now["hands"])
    pipe = Pipeline(
        det, FakeClassifier(LABELS, fn=lambda f: np.eye(len(LABELS))[2] + 0.01), PreprocessConfig()
    )
    by_track: dict[int, set] = {1: set(), 2: set()}
    for i, (t, hand, _) in enumerate(seq.frames):
        other = Hand(holder.landmarks, holder.handedness, 0.9, None, 2)
        drawn = [] if hand is None else [Hand(hand.landmarks, hand.handedness, 0.9, None, 1)]
        now["hands"] = [other, *drawn]
        r = pipe.process(Frame(i, IMAGE, 0.0, "synth", None, t))
        for h in r.per_hand:
            by_track[h.track_id].add(h.smoothed.label)
    assert "J" in by_track[1] and "J" not in by_track[2]
