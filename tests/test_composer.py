"""The composer's rules on synthetic label streams: holds, flicker, repeats, drop-outs,
spaces, multi-character tokens, editing, frame rates and timestamps."""

from __future__ import annotations

import random

import numpy as np
import pytest

from benchmarks.video_score import edit_distance
from handcam.signs.composer import Composer, ComposerConfig
from handcam.signs.motion import MOTION_STILL_LABELS
from handcam.signs.smoothing import SmootherConfig, TemporalSmoother

DIGITS = tuple("0123456789")


def compose_labels(stream, config: ComposerConfig | None = None) -> str:
    """Compose a whole stream of (t, state, label); the final word-ending space dropped."""
    composer = Composer(config)
    for t, state, label in stream:
        composer.update(t, state, label)
    return composer.text.rstrip(" ")


def L(label, seconds):  # noqa: N802 - reads like the stream it writes
    return (seconds, "label", label)


def NH(seconds):  # noqa: N802
    return (seconds, "no_hand", None)


def U(seconds):  # noqa: N802
    return (seconds, "unsure", None)


def NS(seconds):  # noqa: N802
    return (seconds, "not_a_sign", None)


def frames(segments, fps=30.0, t0=0.0, jitter=0.0, seed=0):
    """(t, state, label) per frame for (seconds, state, label) segments; ``jitter`` is the
    relative spread of frame intervals; ``fps`` may be a list, one rate per segment."""
    rng = random.Random(seed)
    rates = fps if isinstance(fps, list) else [fps] * len(segments)
    out, t = [], t0
    for (seconds, state, label), rate in zip(segments, rates, strict=True):
        end = t + seconds
        while t < end - 1e-9:
            out.append((t, state, label))
            t += rng.uniform(1 - jitter, 1 + jitter) / rate
    return out


def run(segments, config=None, **kw):
    composer = Composer(config)
    updates = [composer.update(*f) for f in frames(segments, **kw)]
    return composer, updates


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_held_sign_commits_once_after_commit_time(fps):
    composer, updates = run([NH(0.5), L("7", 4.0)], fps=fps)
    commits = [u for u in updates if u.committed]
    assert [u.committed for u in commits] == ["7"]
    assert 0.5 + 0.4 - 1e-6 <= commits[0].t < 0.5 + 0.4 + 1 / fps
    assert composer.text == "7"


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_flicker_shorter_than_commit_time_never_commits(fps):
    assert compose_labels(frames([L("3", 0.33), NH(1.0)], fps=fps)) == ""
    flicker = [L(DIGITS[i % 3], 0.12) for i in range(30)]
    assert compose_labels(frames(flicker, fps=fps)) == ""


@pytest.mark.parametrize("release", [NH(0.3), NS(0.3), U(0.3), L("5", 0.3)])
def test_repeat_needs_a_release(release):
    assert compose_labels(frames([L("0", 0.6), release, L("0", 0.6)])) == "00"


@pytest.mark.parametrize("fps", [15, 30, 60])
@pytest.mark.parametrize("gap", [NH(0.15), U(0.15), NS(0.15), L("1", 0.15)])
def test_dropout_or_flicker_inside_a_held_sign_is_not_a_repeat(fps, gap):
    assert compose_labels(frames([L("7", 1.0), gap, L("7", 1.0)], fps=fps)) == "7"


def test_release_counts_any_mix_of_other_states():
    mixed = [L("7", 0.6), U(0.1), NH(0.1), L("2", 0.1), L("7", 0.6)]
    assert compose_labels(frames(mixed)) == "77"
    short = [L("7", 0.6), U(0.07), NH(0.07), L("7", 0.6)]
    assert compose_labels(frames(short)) == "7"


@pytest.mark.parametrize("fps", [15, 30, 60])
@pytest.mark.parametrize("gap", [U(0.15), NH(0.15), NS(0.15)])
def test_short_gaps_pause_a_hold_without_ending_it(fps, gap):
    assert compose_labels(frames([L("8", 0.2), gap, L("8", 0.3), NH(1.0)], fps=fps)) == "8"
    # only the time the label is shown counts: 0.2 + 0.1 s of "8" is not enough
    assert compose_labels(frames([L("8", 0.2), gap, L("8", 0.1), NH(1.0)], fps=fps)) == ""
    # a gap as long as the release time ends the hold
    assert compose_labels(frames([L("8", 0.3), U(0.3), L("8", 0.3), NH(1.0)], fps=fps)) == ""
    # another label ends it at once
    assert compose_labels(frames([L("8", 0.3), L("1", 0.1), L("8", 0.3)], fps=fps)) == ""


SCRIPT = [
    L("4", 0.8), NH(0.5), L("2", 0.7), U(0.1), L("2", 0.5),  # brief unsure: one 2
    NH(2.0),  # hand away: the number ends with a space
    L("7", 0.3),  # flicker: nothing
    L("1", 1.0), NS(0.4), L("1", 0.6),  # released by "not a sign": 11
    L("thumbs up", 0.6), L("3", 0.6), NH(0.3),
]  # fmt: skip


@pytest.mark.parametrize(
    "kw",
    [
        {"fps": 15},
        {"fps": 24},
        {"fps": 30},
        {"fps": 60},
        {"fps": 30, "jitter": 0.4, "seed": 1},
        {"fps": 15, "jitter": 0.4, "seed": 2},
        {"fps": [15, 60, 30, 60, 15, 30, 60, 15, 30, 60, 24, 15, 30]},  # rate changes
    ],
)
def test_same_text_at_any_frame_rate_and_spacing(kw):
    assert compose_labels(frames(SCRIPT, **kw)) == "42 11 thumbs up 3"


def test_space_when_the_hand_is_away_long_enough():
    composer, _ = run([L("4", 0.6), L("2", 0.6), NH(1.4)])
    assert composer.text == "42"
    composer, updates = run([L("4", 0.6), L("2", 0.6), NH(3.0), L("1", 0.6)])
    spaces = [u for u in updates if u.space_added]
    assert len(spaces) == 1
    away_from = next(u.t for u in updates if u.t >= 1.2)
    assert 1.5 - 1e-6 <= spaces[0].t - away_from < 1.5 + 1 / 30
    assert composer.text == "42 1"


def test_no_leading_or_double_spaces():
    stream = [NH(3.0), L("4", 0.6), NH(2.0), U(0.1), NH(2.0), NS(3.0), L("5", 0.6), NH(2.0)]
    composer, _ = run(stream)
    assert composer.text == "4 5 "
    assert compose_labels(frames(stream)) == "4 5"


def test_multi_character_labels_are_whole_tokens():
    stream = [L("4", 0.6), L("thumbs up", 0.6), L("2", 0.6), L("3", 0.6), L("ok", 0.6)]
    composer, updates = run(stream)
    assert [u.committed for u in updates if u.committed] == ["4", "thumbs up", "2", "3", "ok"]
    assert composer.text == "4 thumbs up 23 ok"
    assert [composer.backspace() for _ in range(3)] == ["ok", "3", "2"]
    assert composer.text == "4 thumbs up"
    assert composer.backspace() == "thumbs up"
    assert composer.text == "4"
    after_space = [L("4", 0.6), NH(2.0), L("thumbs up", 0.6), L("hello", 0.6)]
    assert compose_labels(frames(after_space)) == "4 thumbs up hello"


def test_backspace_clear_and_history():
    composer, _ = run([L("4", 0.6), L("2", 0.6), NH(2.0), L("1", 0.6), L("7", 0.6), NH(2.0)])
    assert (composer.text, composer.history) == ("42 17 ", ("42", "17"))
    assert composer.backspace() == "7"  # the sign, with the space that ended its number
    assert (composer.text, composer.history) == ("42 1", ("42",))
    composer.clear()
    assert (composer.text, composer.history) == ("", ("42",))  # history survives clear
    assert composer.backspace() is None


def test_history_keeps_the_last_words():
    words = []
    for d in "12345":
        words += [L(d, 0.6), NH(2.0)]
    composer, _ = run(words, ComposerConfig(history_size=3))
    assert composer.history == ("3", "4", "5")


def test_the_text_keeps_its_last_pieces_and_the_oldest_scroll_out(monkeypatch):
    monkeypatch.setattr(Composer, "MAX_PIECES", 6)
    words = []
    for d in "12345":  # each word: a sign and the space that ends it
        words += [L(d, 0.6), NH(2.0)]
    composer, _ = run(words)
    assert composer.text == "3 4 5 "
    assert composer.history == ("1", "2", "3", "4", "5")  # the history has its own size
    assert composer.backspace() == "5" and composer.text == "3 4 "


def test_backspace_while_holding_does_not_recommit():
    composer = Composer()
    stream = frames([L("9", 2.0)])
    for f in stream[:20]:
        composer.update(*f)
    assert composer.text == "9"
    composer.backspace()
    for f in stream[20:]:
        composer.update(*f)
    assert composer.text == ""


def test_progress_holding_and_needs_release():
    _, updates = run([L("7", 1.0)])
    before = [u for u in updates if u.t < 0.4 - 1e-6]
    assert all(u.holding == "7" and not u.needs_release for u in before)
    progress = [u.progress for u in before]
    assert progress[0] == 0.0 and progress == sorted(progress) and progress[-1] < 1.0
    commit = next(u for u in updates if u.committed)
    assert commit.progress == 1.0 and commit.text == "7"
    after = [u for u in updates if u.t > commit.t]
    assert after and all(u.needs_release and u.holding is None for u in after)
    assert all(u.progress == 0.0 for u in after)


def test_timestamps_going_back_count_as_no_time():
    composer = Composer()
    commits = [composer.update(*f).committed for f in frames([L("7", 0.3)], t0=100.0)]
    commits += [composer.update(*f).committed for f in frames([L("7", 0.3)], t0=0.0)]
    assert commits.count("7") == 1
    assert commits.index("7") in range(12, 14)  # 0.4 s of frames at 30 fps, not earlier


def test_rejects_bad_observations_and_settings():
    composer = Composer()
    with pytest.raises(ValueError, match="unknown state"):
        composer.update(0.0, "waving", None)
    with pytest.raises(ValueError, match="needs a label"):
        composer.update(0.0, "label", None)
    with pytest.raises(ValueError, match="commit_after_s"):
        ComposerConfig(commit_after_s=-1)


def test_shorter_commit_setting_commits_shorter_holds():
    stream = frames([L("3", 0.3), NH(1.0)])
    assert compose_labels(stream) == ""
    assert compose_labels(stream, ComposerConfig(commit_after_s=0.2)) == "3"


def _issue_sequence(seed: int) -> str:
    rng = random.Random(seed)
    digits = [rng.choice(DIGITS) for _ in range(30)]
    digits[5] = digits[4]  # repeats: "0 0" must give two signs
    digits[17] = digits[16] = digits[15]
    return "".join(digits)


def _issue_video_probs(sequence: str, fps: float, seed: int):
    """Per-frame (t, digit held or None, probs | None) imitating the issue's video: each
    digit held 1.5 s with 0.5 s gaps without a hand; the hand passes through a wrong shape
    for 0.15 s as it comes and goes, and 5% of the other frames are misread."""
    rng = np.random.default_rng(seed)

    def probs(index, conf):
        p = rng.dirichlet(np.ones(10)) * (1 - conf)
        p[index] += conf
        return p

    out, t, dt = [], 0.0, 1 / fps
    for digit in sequence:
        start, entering, leaving = t, int(rng.integers(10)), int(rng.integers(10))
        while t < start + 1.5 - 1e-9:
            if t < start + 0.15:
                p = probs(entering, 0.8)
            elif t >= start + 1.35:
                p = probs(leaving, 0.8)
            elif rng.random() < 0.05:
                p = probs(int(rng.integers(10)), 0.8)
            else:
                p = probs(int(digit), rng.uniform(0.55, 0.95))
            out.append((t, digit, p))
            t += dt
        while t < start + 2.0 - 1e-9:
            out.append((t, None, None))
            t += dt
    return out


@pytest.mark.parametrize("fps", [15, 30, 60])
def test_issue_video_composes_the_sequence(fps):
    """The issue's bar: at most one error in 30 signs, through the app's smoother."""
    config = SmootherConfig()  # the app's defaults, in seconds
    errors = []
    for seed in range(10):
        sequence = _issue_sequence(seed)
        smoother = TemporalSmoother(DIGITS, config)
        stream, misread = [], 0
        for t, digit, p in _issue_video_probs(sequence, fps, seed):
            s = smoother.update(p, t)
            stream.append((t, s.state, s.label))
            misread += digit is not None and s.state == "label" and s.label != digit
        assert misread > 10  # wrong shapes do get through the smoother, briefly
        errors.append(edit_distance(compose_labels(stream), sequence))
    assert max(errors) <= 1 and sum(errors) <= 2, errors


def test_boundary_flicker_without_smoother_composes_exactly():
    sequence = _issue_sequence(3)
    segments = []
    for i, d in enumerate(sequence):
        other = DIGITS[(int(d) + 1 + i) % 10]
        segments += [L(other, 0.1), L(d, 1.3), L(other, 0.1), NH(0.5)]
    assert compose_labels(frames(segments, jitter=0.3, seed=3)) == sequence
    assert edit_distance("4207", "427") == 1 and edit_distance("42", "24") == 2


def _motion_stream(
    composer, segments, motion_at, label="J", still=MOTION_STILL_LABELS["J"], fps=30
):
    """Feed ``segments``; the motion ``label`` is recognised at time ``motion_at``."""
    done = False
    for t, state, shown in frames(segments, fps=fps):
        if not done and t >= motion_at:
            composer.commit_motion(t, label, still)
            done = True
        composer.update(t, state, shown)
    return composer.text


@pytest.mark.parametrize("hold_s", [0.4, 1.0, 2.0])
def test_a_motion_sign_is_written_at_its_onset_whatever_the_hold_time(hold_s):
    # I shown as the hand starts, J recognised from the motion, J shown for 0.6 s, then
    # the hand rests in the I shape: one J, no I before or after it
    config = ComposerConfig(commit_after_s=hold_s)
    segments = [NH(0.3), L("I", 0.6), L("J", 0.6), L("I", 2.5), NH(1.0), L("I", 2.5)]
    text = _motion_stream(Composer(config), segments, motion_at=0.9)
    assert text == "JI"  # the I after the release is a new sign


def test_a_still_shape_written_long_before_the_motion_stays():
    segments = [L("I", 1.0), NH(2.0), L("I", 0.3), L("J", 0.6), NH(0.5)]
    assert _motion_stream(Composer(), segments, motion_at=3.3) == "I J"


def test_z_blocks_its_pointing_shapes_until_another_shape():
    segments = [L("Z", 0.6), L("D", 1.0), L("A", 0.8)]
    text = _motion_stream(Composer(), segments, 0.0, label="Z", still=MOTION_STILL_LABELS["Z"])
    assert text == "ZA"


def test_changing_a_setting_does_not_write_the_held_sign_again():
    composer = Composer()
    for t, state, label in frames([L("A", 1.0)]):
        composer.update(t, state, label)
    assert composer.text == "A"
    composer.configure(ComposerConfig(commit_after_s=0.3))
    for t, state, label in frames([L("A", 1.0)], t0=1.0):
        composer.update(t, state, label)
    assert composer.text == "A"
