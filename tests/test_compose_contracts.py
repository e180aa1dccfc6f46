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

from conftest import MODEL, REPO, write_video
from handcam.capture.sources import Frame
from handcam.recognition.assemble import LoadedModel
from handcam.signs.compose_stage import TextComposer
from handcam.signs.composer import ComposerConfig
from handcam.signs.smoothing import NO_HAND, SmoothedPrediction
from handcam.testing import FakeClassifier, FakeHandDetector, synthetic_hand

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


def test_stage_tolerates_unknown_states_and_restarts_timing_per_source():
    stage = TextComposer()
    n = feed(stage, [("4", 0.3)])
    stage.feed(result(n, None, state="moving"))  # a state it does not know: not a sign
    # another source, its frames from 0 again: the hold does not carry over
    feed(stage, [("4", 0.2)], source="video")
    assert stage.text == ""
    feed(stage, [("4", 0.5)], start=3, source="video")
    assert stage.text == "4"


def test_stage_edits_and_settings_are_thread_safe_and_keep_the_text():
    stage = TextComposer()
    feed(stage, [("1", 0.6), (None, 0.4), ("2", 0.6)])
    assert stage.text == "12"
    stage.set_config(ComposerConfig(commit_after_s=1.0, space_after_s=0.5))
    assert stage.snapshot().text == "12" and stage.config.commit_after_s == 1.0
    assert stage.backspace() == "2" and stage.snapshot().text == "1"
    stage.clear()
    assert stage.snapshot().text == ""

    removed = []

    def edit():  # backspaces while frames are composed: no edit may be lost or doubled
        for _ in range(200):
            token = stage.backspace()
            if token is not None:
                removed.append(token)
            time.sleep(0.0005)

    worker = threading.Thread(target=edit)
    committed = 0
    i = 100
    worker.start()
    for _ in range(10):
        for label, seconds in (("1", 1.2), (None, 0.4)):
            for _ in range(round(seconds * FPS)):
                committed += stage.feed(result(i, label)).committed == "1"
                i += 1
    worker.join()
    assert committed == 10 and len(removed) > 0
    assert stage.text.count("1") == committed - removed.count("1")
    assert set(stage.text) <= {"1"}


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


def test_predict_compose_with_the_real_model(tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    video = write_video(tmp_path / "v.mp4", frames=8)  # no hand in it: nothing composed
    proc = subprocess.run(
        [sys.executable, "-m", "handcam", "predict", str(video), "--compose", "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == 9 and all(r["text"] == "" for r in rows[:-1])
    assert rows[-1] == {"path": str(video), "frames": 8, "text": ""}


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
        motion = MotionResult("J" if 12 <= i < 30 else None, 0.9, 0.0, onset)
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
