"""Motion clips: cut to the motion, written whole or refused with nothing written, read back;
``handcam record --clip`` on a video; the live capture that ends when the hand rests."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handcam.hands.hand import Hand
from handcam.recording.clip_capture import ClipCapture
from handcam.recording.clips import (
    Clip,
    ClipError,
    ClipStore,
    cut_to_motion,
    delete_clip,
    find_clips,
    load_clip,
    motion_span,
)
from handcam.testing import synthetic_hand

FPS = 30.0


def moving_hands(n_rest: int = 20, n_move: int = 30, dx: float = 6.0) -> list[Hand]:
    """A hand at rest, moving right ``dx`` px a frame, at rest again."""
    base = synthetic_hand()
    out = []
    x = 0.0
    for i in range(2 * n_rest + n_move):
        if n_rest <= i < n_rest + n_move:
            x += dx
        lms = base.landmarks.copy()
        lms[:, 0] += x
        out.append(Hand(lms, "Right", 0.99))
    return out


def clip_of(hands, label: str = "swipe") -> Clip:
    return Clip(label, np.arange(len(hands)) / FPS, tuple(hands))


def test_a_clip_is_cut_to_its_motion_with_a_little_rest_either_side():
    clip = clip_of(moving_hands())
    start, end = motion_span(clip)
    assert 20 / FPS - 0.1 <= start <= 21 / FPS and 49 / FPS <= end <= 51 / FPS
    cut = cut_to_motion(clip)
    assert 1.0 <= cut.duration <= 1.0 + 2 * 0.15 + 0.1
    assert cut.times[0] == 0.0


def test_a_saved_clip_reads_back_with_its_picture_and_counts_as_a_sample(tmp_path):
    store = ClipStore(tmp_path)
    path = store.save_clip(clip_of(moving_hands()))
    assert path.parent.name == "swipe" and path.name.endswith(".clip.json")
    assert path.with_name(path.name.replace(".clip.json", ".clip.png")).stat().st_size > 100
    back = load_clip(path)
    assert back.label == "swipe" and back.session == store.session
    assert len(back.hands) == len(json.loads(path.read_text())["frames"])
    assert find_clips(tmp_path) == [path]
    assert store.counts() == {"swipe": 1}
    delete_clip(path)
    assert list((tmp_path / "swipe").iterdir()) == []


@pytest.mark.parametrize(
    ("hands", "why"),
    [
        ([None] * 40, "no hand"),
        (moving_hands(dx=0.0), "did not move"),
        ([h if i % 3 == 0 else None for i, h in enumerate(moving_hands())], "lost"),
    ],
    ids=["no-hand", "no-motion", "hand-lost"],
)
def test_a_clip_without_a_usable_motion_is_refused_and_nothing_is_written(tmp_path, hands, why):
    with pytest.raises(ClipError, match=why):
        ClipStore(tmp_path).save_clip(clip_of(hands))
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_an_unsafe_label_is_refused_before_anything_is_written(tmp_path):
    from handcam.errors import LabelError

    with pytest.raises(LabelError):
        ClipStore(tmp_path).save_clip(clip_of(moving_hands(), label="../x"))
    assert not any(tmp_path.rglob("*"))


def test_a_damaged_clip_file_is_named(tmp_path):
    bad = tmp_path / "a.clip.json"
    bad.write_text('{"frames": [')
    with pytest.raises(ClipError, match="a.clip.json"):
        load_clip(bad)


def test_the_live_capture_ends_once_the_hand_rests_after_moving():
    cap = ClipCapture("swipe", max_s=10.0, rest_s=0.5)
    hands = [None] * 5 + moving_hands(n_rest=10, n_move=30) + moving_hands(n_rest=40)[-40:]
    done_at = next(i for i, h in enumerate(hands) if cap.feed(i / FPS, h))
    assert not cap.times or cap.times[0] == pytest.approx(5 / FPS)  # starts with the hand
    moved_until = 5 + 10 + 30
    assert moved_until + 0.5 * FPS - 3 <= done_at <= moved_until + 0.5 * FPS + 6


def test_record_clip_turns_a_video_into_one_clip(tmp_path, capsys):
    from handcam.cli.record import run_record_clip
    from handcam.testing import FakeHandDetector

    hands = moving_hands()
    frames = [np.full((48, 64, 3), i, np.uint8) for i in range(len(hands))]
    video = tmp_path / "v.mp4"
    _write_video(video, frames)
    detector = FakeHandDetector(lambda img: [hands[min(int(img[0, 0, 0]), len(hands) - 1)]])
    assert run_record_clip(str(video), "swipe", tmp_path / "rec", detector=detector) == 0
    (path,) = find_clips(tmp_path / "rec")
    assert "motion" in capsys.readouterr().err
    assert 0.9 <= load_clip(path).duration <= 1.5

    still = FakeHandDetector(lambda img: [hands[0]])
    assert run_record_clip(str(video), "still", tmp_path / "rec", detector=still) == 1
    err = capsys.readouterr().err
    assert "did not move" in err and "--seconds" not in err

    early = FakeHandDetector(lambda img: [hands[min(int(img[0, 0, 0]), len(hands) - 1)]])
    cut = run_record_clip(str(video), "early", tmp_path / "rec", seconds=0.4, detector=early)
    assert cut == 1 and "only 0.4 s of the video were read (--seconds)" in capsys.readouterr().err
    assert not (tmp_path / "rec" / "still").exists() or not any(
        (tmp_path / "rec" / "still").iterdir()
    )


def _write_video(path, frames) -> None:
    import cv2

    w = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (64, 48))
    for f in frames:
        w.write(f)
    w.release()


def test_a_learned_motion_word_takes_back_the_still_sign_it_started_from_but_not_a_word():
    from handcam.signs.composer import Composer

    c = Composer()
    t = 0.0
    for _ in range(20):  # a 5 held 0.66 s: written
        c.update(t, "label", "5")
        t += 1 / 30
    assert c.text == "5"
    c.commit_motion(t + 0.5, "hello", window_s=1.5, any_still=True)
    assert c.text == "hello"  # the 5 was the shape the motion started from
    c.commit_motion(t + 1.6, "thanks", window_s=1.5, any_still=True)
    assert c.text == "hello thanks"  # a motion sign is never taken back by the next one


def test_teaching_j_alone_to_a_model_that_reads_j_and_z_by_hand_is_refused(tmp_path, capsys):
    from pathlib import Path

    from training.cli import main as train_main

    store = ClipStore(tmp_path / "rec")
    store.save_clip(clip_of(moving_hands(), label="J"))
    letters = Path(__file__).resolve().parents[1] / "models" / "letters"
    code = train_main([str(tmp_path / "rec"), "--init", str(letters), "--out", str(tmp_path / "m")])
    assert code == 2
    assert "record clips of both" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_the_hand_coming_into_view_is_not_taken_for_the_sign_that_follows():
    entering = moving_hands(n_rest=0, n_move=40, dx=8.0)[:40]  # a long slide in from the side
    x = entering[-1].landmarks[0, 0] - synthetic_hand().landmarks[0, 0]
    sign = []
    for h in moving_hands(n_rest=15, n_move=20, dx=-6.0):  # a rest, the sign, a rest
        lms = h.landmarks.copy()
        lms[:, 0] += x
        sign.append(Hand(lms, "Right", 0.99))
    clip = clip_of(entering + sign)
    start, end = motion_span(clip)
    assert start >= (40 + 14) / FPS - 0.05 and end <= (40 + 15 + 20 + 1) / FPS


def test_a_hand_called_left_gives_the_mirror_of_its_right_hand_row():
    from handcam.signs.motion_features import MIRROR, frame_row

    lms = synthetic_hand().landmarks.copy()
    lms[:, 2] = np.linspace(-5, 5, 21)
    lms[8, 0] += 17.0  # not symmetric
    np.testing.assert_allclose(frame_row(lms, "Left"), frame_row(lms, "Right") * MIRROR, atol=1e-9)


def test_a_sign_from_the_first_frames_is_kept_when_only_a_tremor_follows_it():
    hands = moving_hands(n_rest=0, n_move=25, dx=6.0)[:25] + moving_hands(n_rest=30, n_move=0)
    jitter = []
    for i, h in enumerate(hands):
        lms = h.landmarks.copy()
        if i >= 45 and i % 4 == 0:  # a few frames of landmark noise at rest, well after it
            lms[:, 0] += 15.0 + 6.0 * 25
        elif i >= 25:
            lms[:, 0] += 6.0 * 25
        jitter.append(Hand(lms, "Right", 0.99))
    start, end = motion_span(clip_of(jitter))
    assert start < 0.1 and 0.7 <= end <= 0.9


def test_a_video_of_two_motions_is_said_to_hold_two_and_keeps_the_longest():
    from handcam.recording.clips import motions_in

    first = moving_hands(n_rest=15, n_move=10, dx=8.0)  # rest, a short move, rest
    x = first[-1].landmarks[0, 0] - synthetic_hand().landmarks[0, 0]
    second = []
    for h in moving_hands(n_rest=15, n_move=25, dx=-6.0):  # a longer move back
        lms = h.landmarks.copy()
        lms[:, 0] += x
        second.append(Hand(lms, "Right", 0.99))
    clip = clip_of(first + second)
    assert motions_in(clip) == 2 and motions_in(clip_of(moving_hands())) == 1
    start, _ = motion_span(clip)
    assert start >= (35 + 15 - 2) / FPS


def test_each_windows_path_is_in_the_median_palm_of_its_own_frames_alone_or_in_a_batch():
    from handcam.signs.motion_features import (
        POINTS,
        STEPS,
        despeckle,
        frame_rows,
        window_features,
        windows_features,
    )

    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.01, 0.06, 90))
    lms = rng.normal(0, 30, (90, 21, 3)) + [320, 240, 0]
    lms[:, :, :2] *= np.linspace(0.5, 2.0, 90)[:, None, None]  # the hand comes nearer
    rows = frame_rows(lms, "Right")
    smooth = despeckle(rows)
    # windows of many frames, of one, and of none (between two frames)
    starts = np.array([times[0], times[10], times[40], times[60] + 0.001])
    ends = np.array([times[30], times[10], times[-1], times[61] - 0.001])
    batch = windows_features(times, rows, starts, ends)
    n = 2 * len(POINTS)
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        assert np.array_equal(batch[k], window_features(times, rows, a, b)), k
        grid = np.linspace(a, b, STEPS)
        at = np.stack([np.interp(grid, times, smooth[:, c]) for c in range(1 + n)], axis=1)
        inside = (times >= a) & (times <= b)
        palm = np.median(smooth[inside, 0]) if inside.any() else at[:, 0].mean()
        path = np.clip((at[:, 1:] - at[:, 1:].mean(axis=0)) / palm, -8, 8)
        np.testing.assert_allclose(batch[k][: STEPS * n], path.ravel(), rtol=1e-5, atol=1e-5)
