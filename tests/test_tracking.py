"""The hand tracker on real photos pasted on synthetic scenes (skipped without the
shared dataset), and its MediaPipe models against MediaPipe's own graph."""

import numpy as np
import pytest

from conftest import MODEL, composite, heldout_photo
from handcam.hands.search_regions import frame_tiles, scan_regions
from handcam.hands.tracker import HandTracker, TrackerConfig


@pytest.fixture(scope="module")
def tracker_models():
    from handcam.hands.mediapipe_models import LandmarkModel, PalmModel

    return PalmModel(1, min_score=TrackerConfig().weak_palm_score), LandmarkModel(1)


def tracker(models, **config) -> HandTracker:
    return HandTracker(1, TrackerConfig(**config), *models)


def test_models_give_mediapipes_landmarks(dataset_dir, tracker_models):
    mp = pytest.importorskip("mediapipe", reason="the mediapipe extra: pip install '.[mediapipe]'")

    from handcam.hands.mediapipe_models import whole_image

    img, _ = composite([(heldout_photo("5", 2), (300, 250), 240, False)], scene="room")
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=1) as hands:
        res = hands.process(img)
    assert res.multi_hand_landmarks
    theirs = np.array(
        [(p.x * 640, p.y * 480, p.z * 640) for p in res.multi_hand_landmarks[0].landmark]
    )
    palm, landmarks = tracker_models
    found = palm.detect(img, whole_image(640, 480))
    ours = landmarks.run(img, found[0].hand_region())
    assert ours.presence > 0.5
    assert np.abs(ours.landmarks - theirs).mean() < 0.5  # pixels
    assert ours.handedness == res.multi_handedness[0].classification[0].label


def test_one_hand_is_followed_with_one_track_id(dataset_dir, tracker_models):
    t = tracker(tracker_models)
    ids, found = set(), 0
    for k in range(12):
        img, (box,) = composite(
            [(heldout_photo("3", 2), (320 + 3 * k, 240 - 2 * k), 250, False)], seed=k % 2
        )
        hands = t.detect(img)
        found += bool(hands)
        ids |= {h.track_id for h in hands}
        if hands:
            cx, cy = (
                (hands[0].box[0] + hands[0].box[2]) / 2,
                (hands[0].box[1] + hands[0].box[3]) / 2,
            )
            assert box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
    assert found >= 10 and len(ids) == 1
    assert t.searches["full"] + t.searches["tile"] <= 3  # tracking, not detecting, once found


def test_two_hands_get_two_tracks(dataset_dir, tracker_models):
    t = tracker(tracker_models, max_hands=2)
    hands = []
    for k in range(8):
        img, boxes = composite(
            [
                (heldout_photo("2", 2), (170, 250 + k), 230, True),
                (heldout_photo("4", 1), (470, 240 - k), 230, False),
            ],
            scene="gradient",
        )
        hands = t.detect(img)
    assert len(hands) == 2 and len({h.track_id for h in hands}) == 2
    xs = sorted((h.box[0] + h.box[2]) / 2 for h in hands)
    assert xs[0] < 320 < xs[1]


def test_one_hand_wanted_finds_one(dataset_dir, tracker_models):
    t = tracker(tracker_models, max_hands=1)
    img, _ = composite(
        [
            (heldout_photo("2", 2), (170, 250), 230, True),
            (heldout_photo("4", 1), (470, 240), 230, False),
        ],
        scene="gradient",
    )
    for _ in range(5):
        hands = t.detect(img)
    assert len(hands) == 1 and t.searches["second"] == 0


def test_a_still_empty_scene_costs_few_palm_runs(tracker_models):
    from benchmarks.scenes import make_scene

    t = tracker(tracker_models)
    img = make_scene("clutter", (480, 640), np.random.default_rng(4))
    before = t.palm.runs + t.landmarks.runs
    for _ in range(30):
        assert t.detect(img) == []
    runs = t.palm.runs + t.landmarks.runs - before
    # the first frame's search (5 runs), one every 3 frames, a weak palm's landmarker check
    assert runs <= 16  # MediaPipe: 30 (a palm run on every frame)


def _soft(img: np.ndarray) -> np.ndarray:
    """A webcam's look: defocus, sensor noise, JPEG at quality 40."""
    import cv2

    img = cv2.GaussianBlur(img, (0, 0), 1.4)
    img = np.clip(img + np.random.default_rng(0).normal(0, 6, img.shape), 0, 255)
    ok, buf = cv2.imencode(".jpg", img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 40])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


@pytest.mark.parametrize(
    ("label", "rank", "scene", "px", "paste"),
    [("2", 0, "texture", 300, "segmented"), ("6", 0, "room", 320, "arm"),
     ("1", 1, "noise", 300, "segmented")],
)  # fmt: skip
def test_a_close_soft_hand_the_palm_detector_misses_is_found_on_the_frames_centre(
    dataset_dir, tracker_models, label, rank, scene, px, paste
):
    img, (box,) = composite(
        [(heldout_photo(label, rank), (176, 150), px, False)], scene=scene, size=(352, 288),
        paste=paste,
    )  # fmt: skip
    img = _soft(img)
    without = tracker(tracker_models, centre_sides=())
    assert not any(without.detect(img) for _ in range(15))  # the searches before
    t = tracker(tracker_models)
    found = [t.detect(img) for _ in range(15)]
    assert sum(map(bool, found)) >= 10
    assert len(found[-1]) == 1  # no second hand made of the first one's fingers
    hand = found[-1][0]
    cx, cy = (hand.box[0] + hand.box[2]) / 2, (hand.box[1] + hand.box[3]) / 2
    assert box[0] <= cx <= box[2] and box[1] <= cy <= box[3]
    assert t.finds["scan centre"] >= 1
    empty, _ = composite([], scene=scene, size=(352, 288))
    t.reset()
    assert not any(t.detect(_soft(empty)) for _ in range(30))  # no hand made of the scene


def test_a_hand_lost_for_a_moment_keeps_its_id(dataset_dir, tracker_models):
    t = tracker(tracker_models)
    img, _ = composite([(heldout_photo("7", 2), (330, 250), 260, False)], scene="room")
    empty, _ = composite([], scene="room")
    first = [h.track_id for _ in range(3) for h in t.detect(img)]
    assert t.detect(empty) == []
    later = [h.track_id for _ in range(3) for h in t.detect(img)]
    assert first and later and set(first) == set(later)


def test_tiles_and_the_scan_grid_cover_the_frame():
    tiles = frame_tiles(640, 480, 0.6)
    assert len(tiles) == 4
    boxes = np.array([t.box() for t in tiles])
    assert boxes[:, 0].min() == 0 and boxes[:, 2].max() == 640
    assert boxes[:, 1].min() == 0 and boxes[:, 3].max() == 480
    grid = scan_regions(640, 480)
    assert len({(r.cx, r.cy, r.side) for r in grid}) == len(grid) == 18
    for x in range(110, 531, 20):  # the centre of any hand 220 px or bigger is near the
        for y in range(110, 371, 20):  # centre of some square
            assert min(max(abs(r.cx - x), abs(r.cy - y)) / r.side for r in grid) <= 0.17


def test_two_hands_two_labels_through_the_pipeline(dataset_dir):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    from handcam.capture.sources import Frame
    from handcam.recognition.assemble import assemble, load_model

    pipe = assemble(load_model(MODEL), "video")
    result = None
    for k in range(10):
        img, _ = composite(
            [
                (heldout_photo("1", 2), (170, 240), 230, True),
                (heldout_photo("5", 2), (470, 250), 240, False),
            ],
            scene="dark" if k % 2 else "gradient",
            seed=1,
        )
        result = pipe.process(Frame(k, img, 0.0, "test", None, k / 30))
    by_x = sorted(result.per_hand, key=lambda r: r.hand.box[0])
    assert [r.smoothed.label for r in by_x] == ["1", "5"]
    assert result.smoothed.label in ("1", "5")
