"""J and Z from their motion, on the first synthetic landmark sequences (tools/synth/motion):
Z detected at 15-60 fps, with either hand, mirrored or not, fast or slow; never a sign for
still or merely moving hands; once per motion; never from a single frame; robust to
missing frames. These J paths are drawn by the fingertip alone, the hand never turning;
the scorer learned J as people make it (the hand turns and drops: tests/test_motion_varied.py)
and catches 88% of them (``python -m benchmarks.motion_bench -n 200``), so only the mechanics
are checked with them here."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.motion_bench import evaluate, run_sequence
from handcam.hands.hand import Hand
from handcam.signs.motion import MotionConfig, MotionResult, MotionSigns, handshapes
from handcam.signs.motion_candidates import j_small, z_small
from handcam.signs.motion_templates import TemplateBank, normalise, resample
from tools.synth.hand import hand_points, make_pose
from tools.synth.motion import make_sequence

CLEAN = dict(noise=0.005, drop=0.05, miss=0.0, gap=0.0)  # the benchmark varies all of these


def onsets(seq, signs=None, still_labels=False):
    found, _ = run_sequence(seq, signs or MotionSigns(), still_labels)
    return found


def assert_once(seq, label, found):
    t0, t1 = seq.motion
    assert [lab for _, lab in found] == [label], (seq.spec, found)
    assert t0 < found[0][0] <= t1 + 0.5


@pytest.mark.parametrize("fps", [15, 30, 60])
@pytest.mark.parametrize("hand,mirrored", [("Right", True), ("Left", True), ("Right", False)])
@pytest.mark.parametrize("kind", ["Z"])
def test_motion_recognised_once_at_any_rate_and_hand(kind, fps, hand, mirrored):
    for seed in range(2):
        seq = make_sequence(kind, seed, fps=fps, hand=hand, mirrored=mirrored, **CLEAN)
        assert_once(seq, kind, onsets(seq))


@pytest.mark.parametrize("duration", [0.5, 1.0, 1.5])
@pytest.mark.parametrize("kind", ["Z"])
def test_slow_and_fast_motions(kind, duration):
    for seed in range(2):
        seq = make_sequence(kind, 100 + seed, duration=duration, fps=30, **CLEAN)
        assert_once(seq, kind, onsets(seq))


@pytest.mark.parametrize("scale", [40.0, 140.0])
def test_small_and_large_hands(scale):
    for kind in ("J", "Z"):
        seq = make_sequence(kind, 7, scale=scale, fps=30, **CLEAN)
        assert_once(seq, kind, onsets(seq))


@pytest.mark.parametrize("kind", ["I_still", "D_still", "I_move", "D_move", "wave"])
def test_no_sign_for_still_or_merely_moving_hands(kind):
    for seed in range(6):
        seq = make_sequence(kind, 200 + seed)
        assert onsets(seq) == [], seq.spec


def test_missing_frames_and_frames_without_a_hand():
    for kind in ("Z",):
        for seed in range(3):
            seq = make_sequence(kind, 300 + seed, fps=30, noise=0.005, drop=0.3, miss=0.1, gap=0)
            assert_once(seq, kind, onsets(seq))


def test_hand_lost_mid_motion_clears_the_path():
    seq = make_sequence("J", 1, fps=30, duration=1.0, **CLEAN)
    t0, t1 = seq.motion  # the hand lost for the second half of the J and a bit more
    cut = [(t, None if t0 + 0.5 < t < t1 + 0.1 else h, s) for t, h, s in seq.frames]
    found, _ = run_sequence(type(seq)(seq.kind, cut, seq.label, seq.motion), MotionSigns())
    assert found == []


def test_sign_is_held_then_cleared_without_double_trigger():
    seq = make_sequence("Z", 3, fps=60, **CLEAN)
    signs = MotionSigns(MotionConfig(hold_s=0.6))
    results = [(t, signs.update(t, h)) for t, h, _ in seq.frames]
    on = [i for i, (_, r) in enumerate(results) if r.onset]
    assert len(on) == 1
    t_on = results[on[0]][0]
    held = [(t, r) for t, r in results if t_on <= t < t_on + 0.6 - 1e-9]
    assert all(r.label == "Z" and r.remaining_s > 0 for _, r in held)
    assert np.all(np.diff([r.remaining_s for _, r in held]) < 0)
    assert all(r.label is None for t, r in results if t >= t_on + 0.6)


def test_a_single_frame_or_a_still_photo_never_gives_j_or_z():
    seq = make_sequence("J", 0, **CLEAN)
    t, hand, _ = seq.frames[len(seq.frames) // 2]
    assert MotionSigns().update(t, hand, "J") == MotionResult(None)
    signs = MotionSigns()  # the same photo, frame after frame, the still model saying J
    assert all(signs.update(i / 30, hand, "J").label is None for i in range(90))


def test_whole_hand_carried_along_a_z_is_a_z_but_not_with_an_open_hand():
    seq = make_sequence("Z", 4, fps=30, **CLEAN)
    frames = [(t, h) for t, h, _ in seq.frames if h is not None]
    d_hand = next(h for t, h in frames if t >= seq.motion[0])  # the D as the Z begins
    tip0 = d_hand.landmarks[8, :2]
    rng = np.random.default_rng(0)
    open_hand = hand_points(make_pose("open", rng))[:, [0, 1, 2]] * (-60, -60, -60)
    signs, moved = MotionSigns(), MotionSigns()
    for t, h in frames:  # an open hand translated so its index tip follows the Z
        lms = open_hand + np.append(h.landmarks[8, :2] - open_hand[8, :2], 0)
        assert signs.update(t, Hand(lms.astype(np.float32), "Right", 0.9)).label is None
        rigid = d_hand.landmarks + np.append(h.landmarks[8, :2] - tip0, 0)
        found = moved.update(t, Hand(rigid.astype(np.float32), "Right", 0.9))
        if found.onset:
            assert found.label == "Z"
            break
    else:
        pytest.fail("a D hand carried along a Z path was not read as Z")


def test_still_model_must_agree_when_its_labels_are_given():
    seq = make_sequence("J", 5, fps=30, **CLEAN)
    disagree = [(t, h, "A") for t, h, _ in seq.frames]
    found, _ = run_sequence(type(seq)("J", disagree, "J", seq.motion), MotionSigns(), True)
    assert found == []
    agree = [(t, h, "I") for t, h, _ in seq.frames]
    found, _ = run_sequence(type(seq)("J", agree, "J", seq.motion), MotionSigns(), True)
    assert [lab for _, lab in found] == ["J"]
    probs = MotionSigns()
    for t, h, _ in seq.frames:
        if probs.update(t, h, None, {"I": 0.1, "A": 0.9}).onset:
            pytest.fail("J shown although the still model's probabilities said A")


def test_repeated_time_stamps_do_not_break_the_track():
    seq = make_sequence("J", 6, fps=30, **CLEAN)
    signs, labels = MotionSigns(), []
    for t, h, _ in seq.frames:
        signs.update(t, h)
        labels.append(signs.update(t, h).label)  # the same frame twice
    assert "J" in labels


def test_handshapes_of_synthetic_poses():
    rng = np.random.default_rng(1)
    expect = {"I": (True, False), "D": (False, True), "Y": (False, False), "L": (False, False)}
    expect |= {"open": (False, False), "S": (False, False), "V": (False, False)}
    for shape, flags in expect.items():
        assert handshapes(hand_points(make_pose(shape, rng))) == flags, shape


def test_templates_match_themselves_turned_and_mirrored_but_not_a_line():
    for shapes, label, limit in ((j_small(), "J", 0.07), (z_small(), "Z", 0.2)):
        bank = TemplateBank(label, shapes)
        base = resample(shapes[0], 32)
        c, s = np.cos(np.radians(20)), np.sin(np.radians(20))
        turned = normalise(np.stack([base, base * (-1, 1), base @ [[c, s], [-s, c]]]))
        assert np.all(bank.distance(turned) < 1e-6)
        line = normalise(resample(np.array([[0.0, 0.0], [1.0, 0.3]]), 32))[None]
        assert bank.distance(line)[0] > 2 * limit
        only_drawn = TemplateBank(label, shapes, sides=(False,))
        assert only_drawn.distance(turned[1:2])[0] > 0.1  # the mirror image is another path


def test_benchmark_reports_rates_and_cost():
    report = evaluate(2, seed=0, kinds=("J", "I_still"))
    assert set(report["kinds"]) == {"J", "I_still"}
    assert 0.0 <= report["kinds"]["J"]["detected"] <= 1.0
    assert report["update_us"]["mean"] > 0


def test_long_runs_at_high_rates_and_a_clock_that_goes_back():
    seq = make_sequence("I_still", 9, **CLEAN)
    hand = next(h for _, h, _ in seq.frames if h is not None)
    signs = MotionSigns()
    for i in range(1000):  # 4 s at 240 fps: more frames than the track holds
        assert signs.update(i / 240, hand).label is None
    assert len(signs._track) <= 240 * signs.config.window_s + 2
    z = make_sequence("Z", 0, fps=30, **CLEAN)  # a new source whose clock starts again
    assert [lab for _, lab in onsets(z, signs)] == ["Z"]


def test_config_is_checked():
    with pytest.raises(ValueError):
        MotionConfig(hold_s=0)
    with pytest.raises(ValueError):
        MotionConfig(min_motion_s=2.0)
    with pytest.raises(ValueError):
        MotionConfig(j_threshold=0.0)
    with pytest.raises(ValueError):
        MotionConfig(max_motion_s=2.5)


def test_three_frames_in_a_row_start_again_when_the_hand_is_lost(monkeypatch):
    """A sign needs ``confirm`` scored frames in a row with the hand: two high frames
    before the hand left must not count toward the first frames after it returns."""
    import handcam.signs.motion as motion
    from handcam.hands.hand import Hand

    monkeypatch.setattr(motion, "features", lambda v, sign, shape_ok, cfg: {"x": 1})
    level = {"Z": 0.0}

    def scorer(sign, feats):
        return np.array([level.get(sign, 0.0)])

    hand = Hand(np.random.default_rng(0).random((21, 3)).astype(np.float32), "Right", 0.9)

    def first_onset(stale: bool) -> int:
        signs, clock = motion.MotionSigns(scorer=scorer), iter(np.arange(200) / 32)  # exact

        def step(h, p):
            level["Z"] = p
            return signs.update(next(clock), h, "D", {"D": 1.0}).label

        for _ in range(20):
            step(hand, 0.0)
        if stale:
            step(hand, 1.0), step(hand, 1.0)
        for _ in range(15):
            step(None, 0.0)
        return [step(hand, 1.0) for _ in range(20)].index("Z")

    assert first_onset(stale=True) == first_onset(stale=False)
