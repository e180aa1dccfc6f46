"""The window with fakes (pytest-qt, offscreen): labels per hand, sources and cameras,
settings, bad models, stills and videos, "not a sign"; and the automation contract for real."""

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import MODEL, REPO, frame, write_video
from handcam.recognition.assemble import LoadedModel
from handcam.recognition.events import Processed
from handcam.signs.compose_stage import EMPTY_TEXT
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource

pytest.importorskip("pytestqt")
from window_factory import fake, fake_classifier, window_maker  # noqa: E402


def no_hands(mode, pre):
    return FakeHandDetector(lambda img: [])


@pytest.fixture
def make_window(qtbot, tmp_path):
    yield from window_maker(qtbot, tmp_path)


def test_labels_appear_for_a_fake_classifier(make_window, qtbot):
    w = make_window()
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.side.big_label.text() == "B", timeout=5000)
    assert w.labels == ("A", "B") and "90%" in w.side.confidence_label.text()
    qtbot.waitUntil(lambda: "processing" in w.status.text(), timeout=3000)
    assert "model on fake" in w.status.text()
    w.close()
    assert w.worker.wait(5000) and not w.worker.isRunning()
    lines = (w.worker.session._log_path).read_text().splitlines()
    rec = json.loads(lines[-1])
    assert rec["label"] == "B" and rec["smoothed_label"] == "B" and "frame" in rec


def test_two_hands_get_a_label_each(make_window, qtbot, tmp_path):
    from handcam.hands.hand import Hand
    from handcam.testing import synthetic_hand

    def two(mode, pre):
        def fn(img):
            a = synthetic_hand(320, 480)
            b = a.landmarks.copy()
            b[:, 0] += 320
            return [Hand(a.landmarks, "Left", 0.9, None, 1), Hand(b, "Right", 0.9, None, 2)]

        return FakeHandDetector(fn)

    def by_hand(path):
        return LoadedModel.of(
            FakeClassifier(
                ["A", "B"], fn=lambda f: [0.9, 0.1] if f.landmarks[3] > 0 else [0.1, 0.9]
            )
        )

    w = make_window(detector=two)
    w.worker.session._load = by_hand
    w.set_model("two-hands")
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.side.big_label.text() in ("A · B", "B · A"), timeout=5000)
    w.grab().save(str(tmp_path / "two.png"))
    w.close()
    rec = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])
    assert sorted(h["smoothed_label"] for h in rec["hands"]) == ["A", "B"]
    assert {h["track_id"] for h in rec["hands"]} == {1, 2}
    assert rec["smoothed_label"] == rec["hands"][0]["smoothed_label"]


def test_no_hand_state(make_window, qtbot):
    w = make_window(detector=no_hands)
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.frames_shown > 5, timeout=5000)
    assert w.side.big_label.text() == "" and w.side.confidence_label.text() == "no hand"


def test_no_camera_state_and_switching_source(make_window, qtbot, tmp_path):
    w = make_window()
    w.show_no_camera()
    assert w.toolbar.source_combo.itemText(0) == "No camera found"
    assert "No camera found" in w.video._message
    video = write_video(tmp_path / "v.mp4", frames=30)
    w.set_source(str(video))
    qtbot.waitUntil(lambda: w.frames_shown > 3, timeout=5000)
    assert w.latest.frame.source == "v.mp4"
    w.set_source("other", factory=fake(name="second"))
    qtbot.waitUntil(lambda: w.latest.frame.source == "second", timeout=5000)


def test_camera_loss_is_reported_and_retried(make_window, qtbot):
    w = make_window()
    opened = []

    def flaky():
        opened.append(1)
        return FakeSource([frame()], loop=True, fps=60, fail_after=5, live=True, name="cam")

    w.set_source("0", factory=flaky)
    qtbot.waitUntil(lambda: "retrying" in w.video._message or len(opened) > 1, timeout=5000)
    qtbot.waitUntil(lambda: len(opened) >= 2, timeout=6000)
    assert w.worker.isRunning()


def test_settings_persist(make_window, qtbot, tmp_path):
    w = make_window()
    w.menus.mirror_action.setChecked(False)
    w.side.smoothing.enter_spin.setValue(0.75)
    w.close()
    w2 = make_window()
    assert not w2.menus.mirror_action.isChecked() and w2.side.smoothing.enter_spin.value() == 0.75


def test_automation_contract_with_the_real_models(tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    video = write_video(tmp_path / "v.mp4", frames=60)
    snap, log = tmp_path / "snap.png", tmp_path / "pred.jsonl"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "handcam",
            "--source",
            str(video),
            "--exit-after",
            "6",
            "--snapshot",
            str(snap),
            "--log-predictions",
            str(log),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert snap.stat().st_size > 5000
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows and {"frame", "label", "confidence", "smoothed_label", "hands"} <= set(rows[0])
    assert np.all(np.diff([r["frame"] for r in rows]) > 0)


def test_a_bad_model_is_reported_and_the_app_keeps_running(make_window, qtbot):
    from handcam.errors import BundleError

    w = make_window()
    qtbot.waitUntil(lambda: w.model_path == "fake-model", timeout=5000)

    def broken(path):
        if path == "broken":
            raise BundleError("broken: model has 5 outputs but labels.json has 3 labels")
        return fake_classifier(path)

    w.worker.session._load = broken
    w.set_model("broken")
    qtbot.waitUntil(lambda: "model not loaded" in w.side.model_info.text(), timeout=5000)
    assert "5 outputs" in w.side.model_info.text() and w.worker.isRunning()
    assert w.toolbar.model_combo.currentData() == "fake-model"  # the picker shows the model in use
    w.set_source("fake", factory=fake())
    qtbot.waitUntil(lambda: w.side.big_label.text() == "B", timeout=5000)  # old model still works


def test_folders_use_still_image_detection_and_videos_tracking(make_window, qtbot, tmp_path):
    import cv2

    modes = []

    def detector(mode, pre):
        modes.append(mode)
        return FakeHandDetector()

    w = make_window(detector=detector)
    folder = tmp_path / "stills"
    folder.mkdir()
    for i in range(3):
        cv2.imwrite(str(folder / f"{i}.png"), frame(64, 48, value=40 * i))
    w.set_source(str(folder))
    qtbot.waitUntil(lambda: modes == ["image"], timeout=5000)
    w.set_source(str(write_video(tmp_path / "v.mp4", frames=20)))
    qtbot.waitUntil(lambda: modes == ["image", "video"], timeout=5000)


def test_an_image_folder_plays_as_a_slideshow_without_skipping(make_window, qtbot, tmp_path):
    import cv2

    folder = tmp_path / "stills"
    folder.mkdir()
    for i in range(4):
        cv2.imwrite(str(folder / f"{i}.png"), frame(64, 48, value=30 * i))
    w = make_window()
    w.set_source(str(folder))
    qtbot.waitUntil(lambda: "end of source" in w.statusBar().currentMessage(), timeout=10000)
    w.close()
    rows = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [r["frame"] for r in rows] == [0, 1, 2, 3]


def test_a_hand_that_is_not_a_sign_says_so(make_window, qtbot):
    import time

    from handcam.capture.sources import Frame
    from handcam.recognition.pipeline import FrameResult
    from handcam.signs.smoothing import SmoothedPrediction

    w = make_window(detector=no_hands)
    hand = FakeHandDetector().detect(frame())[0]
    result = FrameResult(
        frame=Frame(0, frame(), time.perf_counter(), "fake"),
        hands=(hand,),
        features=None,
        probs=np.array([0.5, 0.5], np.float32),
        labels=("A", "B"),
        smoothed=SmoothedPrediction("not_a_sign", None, 0.5, None, sign=0.1),
    )
    w.show_update(Processed(result, EMPTY_TEXT))
    qtbot.waitUntil(lambda: w.side.confidence_label.text() == "not a sign", timeout=5000)
    assert w.side.big_label.text() == "\u2013"
    w.grab()  # the video overlay draws the state too
