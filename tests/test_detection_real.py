"""Real MediaPipe on real photos of hands (skipped without the shared dataset, or without
the mediapipe extra that the README's test command installs)."""

import pytest

pytest.importorskip("mediapipe", reason="the mediapipe extra: pip install -e '.[mediapipe]'")

from conftest import dataset_images  # noqa: E402
from handcam.capture.images import read_image  # noqa: E402
from handcam.hands.still import MediaPipeHandDetector  # noqa: E402


def test_detects_hands_in_tight_crops(dataset_dir):
    images = dataset_images(per_class=2)
    with MediaPipeHandDetector(mode="image") as det:
        found = [det.detect(read_image(p)) for p in images]
    assert sum(bool(h) for h in found) >= 19
    for hands in found:
        if hands:
            h = hands[0]
            assert h.landmarks.shape == (21, 3) and h.world_landmarks.shape == (21, 3)
            assert h.handedness in ("Left", "Right") and 0 <= h.score <= 1
            x0, y0, x1, y1 = h.box
            assert -20 < x0 < x1 < 120 and -20 < y0 < y1 < 120  # in the 100 px image


def test_video_mode_tracks(dataset_dir):
    img = read_image(dataset_images()[3])
    with MediaPipeHandDetector(mode="video") as det:
        assert len(det.detect(img)) <= 1


def test_small_hand_in_a_big_photo_is_found_where_it_is(dataset_dir):
    import cv2
    import numpy as np

    frame = np.full((720, 1280, 3), 30, np.uint8)
    hand = cv2.resize(read_image(dataset_images()[5]), (200, 200))
    frame[400:600, 900:1100] = hand
    with MediaPipeHandDetector(mode="image") as det:
        hands = det.detect(frame)
    assert hands, "the tiled fallback should find a 200 px hand in a 1280x720 photo"
    x0, y0, x1, y1 = hands[0].box
    assert 880 < x0 < x1 < 1120 and 380 < y0 < y1 < 620


def test_tiles_cover_the_image():
    from handcam.hands.still import still_tiles

    tiles = still_tiles(1280, 720)
    assert len(tiles) == 15
    assert min(x for x, _, _ in tiles) == 0 and max(x + s for x, _, s in tiles) == 1280
    assert min(y for _, y, _ in tiles) == 0 and max(y + s for _, y, s in tiles) == 720
