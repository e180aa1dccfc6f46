import time
from pathlib import Path

import numpy as np
import pytest

from conftest import frame, write_video
from handcam.capture.grabber import FrameGrabber, LatestSlot
from handcam.capture.images import read_image
from handcam.capture.sources import (
    CameraSource,
    Frame,
    ImageFolderSource,
    VideoFileSource,
    open_source,
)
from handcam.errors import ImageReadError, SourceError
from handcam.features.preprocess import PreprocessConfig
from handcam.recognition.pipeline import STAGES, Pipeline
from handcam.testing import FakeClassifier, FakeHandDetector, FakeSource, synthetic_hand


def test_fake_source_yields_indexed_frames():
    src = FakeSource([frame(), frame(value=10)])
    frames = list(src)
    assert [f.index for f in frames] == [0, 1]
    assert frames[1].image[0, 0, 0] == 10


def test_missing_camera_names_it():
    with pytest.raises(SourceError, match="camera 57"):
        CameraSource(57)


def test_missing_paths_and_unreadable_video(tmp_path):
    with pytest.raises(SourceError, match="nope"):
        open_source(str(tmp_path / "nope.mp4"))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(SourceError, match="bad.mp4"):
        VideoFileSource(bad)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no images"):
        ImageFolderSource(empty)


def test_video_file_source(tmp_path):
    src = open_source(str(write_video(tmp_path / "v.mp4", frames=6)))
    assert isinstance(src, VideoFileSource)
    frames = list(src)
    src.close()
    assert len(frames) == 6 and frames[0].image.shape == (120, 160, 3)


def test_folder_source_skips_corrupt_images(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "a.png"), frame(64, 48))
    (tmp_path / "b.jpg").write_bytes(b"\xff\xd8 truncated jpeg")
    (tmp_path / "notes.txt").write_text("not an image")
    src = open_source(str(tmp_path))
    frames = list(src)
    assert len(frames) == 1 and src.skipped == [str(tmp_path / "b.jpg")]


def test_read_image_errors_name_the_file(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"garbage")
    with pytest.raises(ImageReadError, match="broken.jpg"):
        read_image(bad)
    with pytest.raises(ImageReadError, match="no such"):
        read_image(tmp_path / "missing.png")


def timed_frames(n, fps=30.0):
    return [Frame(i, frame(), 0.0, "fake", None, i / fps) for i in range(n)]


def test_pipeline_with_fakes():
    det = FakeHandDetector()
    clf = FakeClassifier(["x", "y"], fn=lambda f: [0.2, 0.8])
    pipe = Pipeline(det, clf, PreprocessConfig())
    results = [pipe.process(f) for f in timed_frames(5)]
    r = results[-1]
    assert r.hand_found and r.label == "y" and abs(r.confidence - 0.8) < 1e-6
    assert r.smoothed.label == "y" and r.smoothed.state == "label"
    assert set(STAGES) <= set(r.timings_ms)
    assert r.probs_dict() == {"x": 0.2, "y": 0.8}


def test_pipeline_no_hand():
    pipe = Pipeline(
        FakeHandDetector(lambda img: []), FakeClassifier(["x", "y"]), PreprocessConfig()
    )
    r = pipe.process(next(iter(FakeSource([frame()]))))
    assert not r.hand_found and r.label is None and r.probs is None
    assert r.smoothed.state == "no_hand"


def test_pipeline_passes_crops_when_the_model_needs_them():
    seen = []
    clf = FakeClassifier(
        ["x", "y"], fn=lambda f: seen.append(f.crop.shape) or [0.5, 0.5], needs_crop=True
    )
    Pipeline(FakeHandDetector(), clf, PreprocessConfig(crop_size=32)).process(
        next(iter(FakeSource([frame()])))
    )
    assert seen == [(32, 32, 3)]


def test_latest_slot_drops_old_items():
    slot = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.take(0) == 4 and slot.dropped == 4
    assert slot.take(0) is None


def test_grabber_reports_end_and_failure():
    ends = []
    g = FrameGrabber(lambda: FakeSource([frame()] * 3), realtime=False, on_end=ends.append)
    g.start()
    g._thread.join(5)
    assert ends == [None] and g.frames_read == 3
    errs = []
    g = FrameGrabber(lambda: FakeSource([frame()], loop=True, fail_after=2), on_end=errs.append)
    g.start()
    g._thread.join(5)
    assert isinstance(errs[0], SourceError)


def test_grabber_latest_frame_wins_with_slow_consumer():
    g = FrameGrabber(lambda: FakeSource([frame()], loop=True, live=True, fps=200)).start()
    time.sleep(0.3)
    item = g.slot.take(1)
    g.stop()
    assert item is not None and g.slot.dropped > 10
    assert item[0].index >= g.frames_read - 3  # the newest, not the first


def test_grabber_hands_over_every_image_of_a_folder_to_a_slow_consumer(tmp_path):
    import cv2

    for i in range(12):
        cv2.imwrite(str(tmp_path / f"{i:02d}.png"), np.full((24, 32, 3), i * 20, np.uint8))
    g = FrameGrabber(lambda: ImageFolderSource(tmp_path), realtime=False).start()
    seen = []
    while not (g.done.is_set() and g.slot.closed and g.slot._item is None):
        item = g.take(timeout=0.2)
        if item is not None:
            seen.append(item[0].path)
            time.sleep(0.05)  # a detector slower than the reader
    g.stop()
    assert [Path(p).name for p in seen] == [f"{i:02d}.png" for i in range(12)]
    assert g.dropped == 0


def test_synthetic_hand_shape():
    h = synthetic_hand()
    assert h.landmarks.shape == (21, 3)
    assert np.all(h.landmarks[:, 0] > 0)


def test_camera_candidates_on_each_system(monkeypatch):
    import sys

    from handcam.capture import sources

    monkeypatch.setattr(sys, "platform", "darwin")
    assert sources.camera_candidates(3) == [0, 1, 2]
    monkeypatch.setattr(sys, "platform", "win32")
    assert sources.camera_candidates(2) == [0, 1]
    import cv2

    assert sources.camera_backend() == cv2.CAP_DSHOW
    monkeypatch.setattr(sys, "platform", "darwin")
    assert sources.camera_backend() == cv2.CAP_AVFOUNDATION


def two_hands(image, swap=False):
    """A hand on each side of the frame, with its own track id."""
    from handcam.hands.hand import Hand

    left, right = synthetic_hand(320, 480), synthetic_hand(320, 480)
    shifted = right.landmarks.copy()
    shifted[:, 0] += 320
    hands = [Hand(left.landmarks, "Left", 0.9, None, 1), Hand(shifted, "Right", 0.9, None, 2)]
    return hands[::-1] if swap else hands


def test_each_hand_is_classified_and_smoothed_on_its_own():
    calls = iter(range(1000))
    det = FakeHandDetector(lambda img: two_hands(img, swap=next(calls) % 2 == 1))
    # the left hand is mirrored by preprocessing, so its thumb lies on the other side
    clf = FakeClassifier(["x", "y"], fn=lambda f: [0.9, 0.1] if f.landmarks[3] > 0 else [0.1, 0.9])
    pipe = Pipeline(det, clf, PreprocessConfig())
    results = [pipe.process(f) for f in timed_frames(8)]
    r = results[-1]
    assert len(r.per_hand) == 2 and r.hands == tuple(h.hand for h in r.per_hand)
    # the order of the hands swaps every frame, the smoothing follows the track ids
    labels = {h.track_id: h.smoothed.label for h in r.per_hand}
    assert sorted(labels) == [1, 2] and set(labels.values()) == {"x", "y"}
    assert r.smoothed is r.per_hand[0].smoothed and r.probs is r.per_hand[0].probs


def test_stills_are_not_smoothed_across_images():
    clf = FakeClassifier(["x", "y"], fn=lambda f: [0.2, 0.8])
    pipe = Pipeline(FakeHandDetector(), clf, PreprocessConfig(), stills=True)
    first = pipe.process(timed_frames(1)[0])
    assert first.smoothed.label == "y"  # no dwell: one image is all there is


def test_new_smoothing_settings_keep_the_tracked_hands():
    from handcam.signs.smoothing import SmootherConfig

    clf = FakeClassifier(["x", "y"], fn=lambda f: [0.2, 0.8])
    pipe = Pipeline(FakeHandDetector(), clf, PreprocessConfig(), motion=None)
    frames = timed_frames(12)
    for f in frames[:10]:
        shown = pipe.process(f).smoothed
    assert shown.label == "y"
    # a long dwell would hide the label of a new hand for 5 s: the tracked hand keeps it
    pipe.configure_smoother(SmootherConfig(dwell_s=5.0))
    assert pipe.process(frames[10]).smoothed.label == "y"
    # ... and the new settings are in force: 0.8 is now below the exit level
    pipe.configure_smoother(SmootherConfig(enter=0.99, exit=0.95))
    assert pipe.process(frames[11]).smoothed.label is None


def test_a_source_that_fails_to_close_still_ends_the_grabber():
    class BadClose(FakeSource):
        def close(self):
            super().close()
            raise OSError("driver did not release the device")

    ends = []
    g = FrameGrabber(lambda: BadClose([frame()] * 2), realtime=False, on_end=ends.append)
    g.start()
    assert g.done.wait(5)
    assert len(ends) == 1 and isinstance(ends[0], OSError)
