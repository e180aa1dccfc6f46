"""J / Z onsets on varied synthetic motion (:mod:`tools.synth.varied`: real people's hands,
minimum-jerk paths of varied speed, size and tilt, either hand, noise, dropped frames,
letters before and after) read by the shipped letters model as in the app: each J and Z
caught exactly once, an I or D held still never; the candidate features, the scorer and
the benchmark's bookkeeping."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import motion_varied
from handcam.signs.motion import MotionConfig, MotionSigns
from handcam.signs.motion_candidates import FEATURES, SCORER, MLPScorer, range_max, vectorize
from tools.synth.realhands import RealHands
from tools.synth.varied_scenes import make

PEOPLE = motion_varied.TUNE_PEOPLE


@pytest.fixture(scope="module")
def hands():
    return RealHands()


@pytest.fixture(scope="module")
def still():
    return motion_varied.StillModel()


def run(kind, seed, hands, still, **fixed):
    seq = make(kind, seed, hands, PEOPLE, motion_varied.RANGES, **fixed)
    seq.info["probs"] = still.probs(seq.frames)
    onsets, costs = motion_varied.feed(seq, MotionSigns())
    return seq, onsets, costs


@pytest.mark.parametrize("kind", ["J", "Z"])
@pytest.mark.parametrize(
    "fixed",
    [
        dict(fps=15.0, duration=0.5, hand="Left", mirrored=False, tilt=-20.0),
        dict(fps=30.0, duration=0.9, hand="Right", mirrored=True, tilt=10.0),
        dict(fps=60.0, duration=1.4, hand="Left", mirrored=True, tilt=25.0),
    ],
)
def test_j_and_z_caught_exactly_once(kind, fixed, hands, still):
    """Fast or slow, either hand, mirrored or not, tilted: of 4 seeds each, at least 3 caught
    exactly once (the benchmark measures the rate: J 85.5%, Z 96.0% on the held-out people),
    and never another sign or the same one twice."""
    caught = 0
    for seed in range(4):
        seq, onsets, costs = run(kind, 700 + seed, hands, still, **fixed)
        (_, t0, t1), *_ = seq.motions
        assert set(lab for _, lab in onsets) <= {kind} and len(onsets) <= 1, (seq.spec, onsets)
        caught += len(onsets) == 1 and t0 < onsets[0][0] <= t1 + motion_varied.LATE_S
        assert np.median(costs) < 0.02  # seconds of CPU per frame: real time
    assert caught >= 3, (kind, fixed, caught)


@pytest.mark.parametrize("kind", ["I_still", "D_still", "held"])
def test_i_d_or_a_letter_a_j_or_z_starts_from_held_still_never_written_as_j_or_z(
    kind, hands, still
):
    """``held``: one of Q, P, G, H, D, K held 3-6 s."""
    for seed in range(4):
        seq, onsets, _ = run(kind, 900 + seed, hands, still, drift=0.5, noise=0.02)
        assert onsets == [], (seq.spec, onsets)


def test_sets_are_split_by_people_and_seeds():
    tune, test = motion_varied.SETS["tune"], motion_varied.SETS["test"]
    assert not set(tune[1]) & set(test[1])
    assert motion_varied.SETS["train"][1] == tune[1]
    assert len({s[0] for s in motion_varied.SETS.values()}) == 3


def test_sequences_repeat_from_their_seed(hands):
    a, b = (make("Z", 5, hands, PEOPLE) for _ in range(2))
    assert a.motions == b.motions and a.letters == b.letters
    assert all(
        (x[1] is None and y[1] is None) or np.array_equal(x[1].landmarks, y[1].landmarks)
        for x, y in zip(a.frames, b.frames, strict=True)
    )


def test_score_counts_catches_doubles_and_false_onsets():
    seq = type("S", (), {"motions": [("J", 1.0, 2.0)], "duration": 10.0})
    assert motion_varied.score(seq, [(1.8, "J")])["hits"] == 1
    twice = motion_varied.score(seq, [(1.8, "J"), (2.9, "J"), (6.0, "Z")])
    assert (twice["hits"], twice["double"], twice["false"]) == (1, 1, 1)
    assert twice["other_s"] == 9.0
    assert motion_varied.score(seq, [(3.5, "J")])["hits"] == 0  # too late


def test_range_max_and_scorer_inputs():
    rng = np.random.default_rng(0)
    x = rng.random(50)
    s = rng.integers(0, 40, 30)
    e = s + rng.integers(0, 10, 30)
    assert np.allclose(range_max(x, s, e), [x[a : b + 1].max() for a, b in zip(s, e, strict=True)])
    k = 5
    f = {name: rng.random(k) for name in ("d_main", "d_alt", "d_other", "dur", "age", "shape")}
    f |= {name: rng.random(k) for name in ("rest0", "rest1", "after", "straight", "tot_turn")}
    f |= {name: rng.random(k) for name in ("net_turn", "sharp", "d_angle", "d_facing")}
    f |= {"fac_min": rng.random(k), "fac0": rng.random(k), "extent": 0.5 + rng.random(k)}
    f |= {"still": np.full(k, np.nan), "still_other": np.full(k, np.nan)}
    f["paths"] = rng.random((k, 24, 2))
    assert vectorize(f).shape == (k, 37)
    p = MLPScorer()("J", f)
    assert p.shape == (k,) and np.all((p >= 0) & (p <= 1))


def test_a_merged_scorer_of_one_net_twice_rates_alike(tmp_path):
    from tools.motion_scorer import main

    out = tmp_path / "two.npz"
    assert main(["merge", str(out), str(SCORER), str(SCORER)]) == 0
    rng = np.random.default_rng(1)
    f = {name: rng.random(3) for name in FEATURES if name not in ("still_known", "extent")}
    f |= {"extent": 0.5 + rng.random(3), "paths": rng.random((3, 24, 2))}
    assert np.allclose(MLPScorer(out)("Z", f), MLPScorer()("Z", f))


def test_no_still_probabilities_and_a_threshold_of_one():
    """Without the still model the landmark test alone carries the handshape; at threshold 1
    nothing is ever recognised."""
    cfg = MotionConfig(j_threshold=1.0, z_threshold=1.0)
    hands = RealHands()
    seq = make("J", 777, hands, PEOPLE)
    signs = MotionSigns(cfg)
    assert not any(signs.update(t, h).onset for t, h, _ in seq.frames)
