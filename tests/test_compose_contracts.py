"""The composing stage over pipeline results, and ``predict --compose`` (fakes, and once
through the real command)."""

import io
import json
import subprocess
import sys
import threading
import time
from types import SimpleNamespace

import numpy as np
import pytest

from conftest import MODEL, REPO
from handcam.capture.sources import Frame
from handcam.recognition.assemble import LoadedModel
from handcam.signs.compose_stage import TextComposer
from handcam.signs.composer import ComposerConfig
from handcam.signs.smoothing import NO_HAND, SmoothedPrediction
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource, synthetic_hand

FPS = 15


def result(index, label=None, state=None, source="cam", fps=FPS):
    """A stand-in for a FrameResult: what the stage reads (frame, smoothed)."""
    frame = Frame(index, np.zeros((1, 1, 3), np.uint8), 0.0, source, time=index / fps)
    if label is None and state is None:
        smoothed = NO_HAND
    else:
        smoothed = SmoothedPrediction(state or "label", label, 0.9)
    return SimpleNamespace(frame=frame, smoothed=smoothed)


def feed(stage, segments, start=0, **kw):
    """segments: (label or None, seconds); returns the next frame index."""
    i = start
    for label, seconds in segments:
        for _ in range(round(seconds * FPS)):
            stage.feed(result(i, label, **kw))
            i += 1
    return i


def test_stage_composes_results_and_reports_the_hold():
    stage = TextComposer()
    feed(stage, [(None, 0.3), ("4", 0.2)])
    snap = stage.snapshot()
    assert snap.text == "" and snap.holding == "4" and 0.2 < snap.hold_progress < 1
    feed(stage, [("4", 0.5), (None, 0.4), ("2", 0.8), (None, 2.0), ("7", 0.8)], start=8)
    snap = stage.snapshot()
    assert snap.text == "42 7" and snap.history == ("42",)


def test_an_unknown_state_pauses_the_hold_and_does_not_end_it():
    stage = TextComposer()
    n = feed(stage, [("4", 0.3)])
    stage.feed(result(n, None, state="moving"))  # a state it does not know: not a sign
    feed(stage, [("4", 0.2)], start=n + 1)
    assert stage.text == "4"  # 0.3 s + 0.2 s of the same sign, a short pause between


def test_another_source_restarts_the_timing_even_when_its_frames_go_on_counting():
    stage = TextComposer()
    n = feed(stage, [("4", 0.3)], source="cam")
    # frames of another source that carry on from the same index and time: only its name
    # says it is another source, and the hold must not carry over
    n = feed(stage, [("4", 0.2)], start=n, source="video")
    assert stage.text == ""
    feed(stage, [("4", 0.3)], start=n, source="video")
    assert stage.text == "4"


def test_a_source_restarted_from_its_first_frame_restarts_the_timing():
    stage = TextComposer()
    feed(stage, [("4", 0.3)], start=30)
    feed(stage, [("4", 0.3)])  # the same source from frame 0 (a video played again)
    assert stage.text == ""  # 0.3 s and 0.3 s: neither hold is long enough alone


def test_edits_keep_the_text_and_settings_keep_the_text():
    stage = TextComposer()
    feed(stage, [("1", 0.6), (None, 0.4), ("2", 0.6)])
    assert stage.text == "12"
    stage.set_config(ComposerConfig(commit_after_s=1.0, space_after_s=0.5))
    assert stage.snapshot().text == "12" and stage.config.commit_after_s == 1.0
    assert stage.backspace() == "2" and stage.snapshot().text == "1"
    stage.clear()
    assert stage.snapshot().text == ""
    with pytest.raises(ValueError, match="unknown text edit"):
        stage.edit("undo")


class PacedSource(FakeSource):
    """Frames read every 2 ms whose own time runs at 30 frames/s."""

    def _media_time(self, t_read: float) -> float:
        return self._index / 30


def test_edits_asked_from_another_thread_while_frames_compose_are_each_applied_once():
    """The window's Backspace reaches the loop's composer as a request: asked from another
    thread while the loop writes signs, every edit is applied exactly once, between
    frames, and said with the text after it."""
    from handcam.recognition.events import Processed, TextEdited
    from handcam.recognition.session import open_session

    sign, away = np.full((8, 8, 3), 200, np.uint8), np.zeros((8, 8, 3), np.uint8)
    frames = [sign] * 20 + [away] * 8  # a 1 held 0.67 s, then 0.27 s without a hand
    model = LoadedModel.of(FakeClassifier(["0", "1"], fn=lambda f: [0.0, 1.0]))
    detect = FakeHandDetector(lambda img: [synthetic_hand(8, 8)] if img[0, 0, 0] else [])
    session = open_session(model, realtime=False, detector_factory=lambda k, m: detect)
    session.set_source(lambda: PacedSource(frames * 40, fps=500), "signs", live=False)
    asked, halfway = 15, threading.Event()

    def backspaces():  # asked while the second half of the signs is written
        halfway.wait(30)
        for _ in range(asked):
            session.edit_text("backspace")
            time.sleep(0.005)

    editor = threading.Thread(target=backspaces)
    editor.start()
    committed, edits_said, texts = 0, 0, []
    for event in session.run(until_source_ends=True):
        if isinstance(event, Processed):
            committed += event.text.committed == "1"
            if committed == 20:
                halfway.set()
        edits_said += isinstance(event, TextEdited)
        if isinstance(event, Processed | TextEdited):
            texts.append(event.text.text)
    editor.join()
    assert committed == 40 and 0 < edits_said <= asked
    assert texts[-1] == "1" * (40 - asked)  # each edit once: none lost, none doubled


def test_an_edit_asked_from_another_thread_is_applied_by_the_loop_not_the_caller():
    """edit_text only queues: the composer is changed on the loop's own thread, at its next
    step, never on the asking thread (no shared composer across threads)."""
    from handcam.recognition.events import TextEdited
    from handcam.recognition.session import open_session

    model = LoadedModel.of(FakeClassifier(["0", "1"], fn=lambda f: [0.0, 1.0]))
    detect = FakeHandDetector(lambda img: [])
    session = open_session(model, realtime=False, detector_factory=lambda k, m: detect)
    frames = [np.zeros((8, 8, 3), np.uint8)] * 3
    session.set_source(lambda: PacedSource(frames, fps=500), "none", live=False)
    applied_on: list[int] = []
    edit = session.composer.edit
    session.composer.edit = lambda e: (applied_on.append(threading.get_ident()), edit(e))
    session.edit_text("backspace")
    session.edit_text("clear")
    assert applied_on == []  # asked, not applied
    events: list = []
    loop = threading.Thread(target=lambda: events.extend(session.run(until_source_ends=True)))
    loop.start()
    loop.join(30)
    assert applied_on and set(applied_on) == {loop.ident} and len(applied_on) == 2
    assert sum(isinstance(e, TextEdited) for e in events) == 1  # both in one step, said once


# --- predict --compose -------------------------------------------------------------
SEQUENCE = [("4", 1.5), (None, 0.5), ("2", 1.5), (None, 0.5), ("2", 1.5), (None, 2.0)]
SEQUENCE += [("7", 1.5), (None, 0.5)]
LABELS = tuple("0123456789")


def signing_video(path):
    """Grey frames: 0 is no hand, 40 + 20 * d shows digit d (d < 10)."""
    import cv2

    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (64, 48))
    for label, seconds in SEQUENCE:
        value = 0 if label is None else 40 + 20 * int(label)
        for _ in range(round(seconds * FPS)):
            out.write(np.full((48, 64, 3), value, np.uint8))
    out.release()
    return path


def fake_predictor():
    from handcam.cli.predict import Predictor

    seen = {}

    def detect(img):
        value = int(img[:, :, 0].mean())
        seen["digit"] = None if value < 20 else round((value - 40) / 20)
        return [] if seen["digit"] is None else [synthetic_hand(64, 48)]

    def classify(features):
        p = np.full(10, 0.01)
        p[seen["digit"]] = 1.0
        return p

    model = LoadedModel.of(FakeClassifier(LABELS, fn=classify))
    return Predictor(model, detector_factory=lambda kind, model: FakeHandDetector(detect))


def test_predict_compose_prints_the_text_alone(tmp_path):
    from handcam.cli.predict import run_predict

    video = signing_video(tmp_path / "signs.mp4")
    out = io.StringIO()
    status = run_predict([str(video)], MODEL, False, out, compose=True, predictor=fake_predictor())
    assert status == 0
    assert out.getvalue() == "422 7\n"


def test_predict_compose_json_has_text_per_frame_and_a_final_object(tmp_path):
    from handcam.cli.predict import run_predict

    video = signing_video(tmp_path / "signs.mp4")
    out = io.StringIO()
    run_predict([str(video)], MODEL, True, out, compose=True, predictor=fake_predictor())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    frames, final = rows[:-1], rows[-1]
    assert [r["frame"] for r in frames] == list(range(len(frames)))
    assert all("text" in r for r in frames) and frames[0]["text"] == ""
    assert final == {"path": str(video), "frames": len(frames), "text": "422 7"}
    # without --compose nothing changes
    out = io.StringIO()
    run_predict([str(video)], MODEL, True, out, predictor=fake_predictor())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(rows) == len(frames) and "text" not in rows[0]


def test_cli_passes_compose(tmp_path, monkeypatch, capsys):
    import handcam.cli.predict
    from handcam.cli.main import main

    video = signing_video(tmp_path / "signs.mp4")
    predictor = fake_predictor()
    monkeypatch.setattr(handcam.cli.predict.Predictor, "from_bundle", lambda model: predictor)
    assert main(["predict", str(video), "--compose"]) == 0
    assert capsys.readouterr().out == "422 7\n"


def real_signing_video(path, fps=15):
    """Held-out signers' 1 and 5 (digits photos on a synthetic scene), each held 1.2 s, the
    hand away 2 s between them: 30 frames of the scene alone, then 8 more at the end."""
    import cv2

    from conftest import composite, heldout_photo

    frames = []
    for label in ("1", "5"):
        img, _ = composite([(heldout_photo(label, 2), (320, 250), 240, False)], "gradient", 1)
        frames += [img] * round(1.2 * fps)
        empty, _ = composite([], "gradient", 1)
        frames += [empty] * (30 if label == "1" else 8)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
    for img in frames:
        out.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    out.release()
    return path, len(frames)


def test_predict_compose_with_the_real_model(tmp_path, dataset_dir):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    video, n = real_signing_video(tmp_path / "signs.mp4")
    proc = subprocess.run(
        [sys.executable, "-m", "handcam", "predict", str(video), "--compose", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == n + 1 and rows[0]["text"] == ""
    texts = [r["text"] for r in rows[:-1]]
    assert "1" in texts and texts[-1] == "1 5"  # the 1, a word end while away, the 5
    assert rows[-1] == {"path": str(video), "frames": n, "text": "1 5"}


def test_stage_writes_a_motion_sign_at_its_onset():
    from types import SimpleNamespace as NS

    from handcam.signs.compose_stage import TextComposer
    from handcam.signs.motion import MotionResult
    from handcam.signs.smoothing import SmoothedPrediction

    stage = TextComposer()
    for i in range(40):  # 1.3 s at 30 frames/s: I, then the J motion at frame 12, then I
        t = i / 30
        onset = i == 12
        label = "J" if 12 <= i < 30 else "I"
        motion = MotionResult(
            "J" if 12 <= i < 30 else None, 0.9, 0.0, onset, still_shapes=("I", "J")
        )
        smoothed = SmoothedPrediction("label", label, 0.9)
        result = NS(
            frame=NS(source="v", index=i, seconds=t),
            smoothed=smoothed,
            per_hand=(NS(motion=motion, smoothed=smoothed),),
        )
        out = stage.feed(result)
        if i == 12:
            assert out.committed == "J" and out.text == "J"  # written at the onset
    assert stage.text == "J"


def test_compose_of_several_videos_names_each_text_and_says_errors_on_stderr_only(
    tmp_path, monkeypatch, capsys
):
    import handcam.cli.predict
    from handcam.cli.main import main

    one = signing_video(tmp_path / "one.mp4")
    two = signing_video(tmp_path / "two.mp4")
    monkeypatch.setattr(
        handcam.cli.predict.Predictor, "from_bundle", lambda model: fake_predictor()
    )
    missing = tmp_path / "gone.mp4"
    assert main(["predict", str(one), str(missing), str(two), "--compose"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"{one}\t422 7", f"{two}\t422 7"]
    assert "gone.mp4" in captured.err and "gone.mp4" not in captured.out
