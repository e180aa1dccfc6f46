"""Real MediaPipe on real photos of hands (skipped without the shared dataset)."""

from conftest import dataset_images
from handcam.detection import MediaPipeHandDetector
from handcam.imageio import read_image


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
