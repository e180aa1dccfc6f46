"""Composite test videos (benchmarks.videos) and their scorer."""

import json
import subprocess
import sys

import pytest

from benchmarks.video_score import score_log
from conftest import MODEL, REPO, composite, heldout_photo


def write_truth(path, truth, appearances):
    path.write_text(json.dumps({"video": "v.mp4", "truth": truth, "appearances": appearances}))


def test_scorer_counts_right_labels_false_labels_and_processed_frames(tmp_path):
    box = [100, 100, 300, 340]
    truth = [[] for _ in range(3)] + [[{"hand": 0, "label": "4", "box": box}] for _ in range(14)]
    write_truth(tmp_path / "t.json", truth, [{"id": 0, "label": "4", "start": 3}])
    rows = []
    for f in range(17):
        hand = f >= 3
        label = "4" if f >= 5 else None
        if f == 1:
            label = "7"  # a label on an empty frame
        rows.append(
            {
                "frame": f,
                "hand_found": hand,
                "label": "4" if hand else None,
                "smoothed_label": label,
                "hands": [{"box": [120, 110, 290, 330], "label": "4", "smoothed_label": label}]
                if hand
                else [],
            }
        )
    rows[15]["hands"][0]["smoothed_label"] = rows[15]["smoothed_label"] = "9"  # one wrong
    del rows[16]  # one frame not processed
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    r = score_log(tmp_path / "log.jsonl", tmp_path / "t.json", skip=10)
    assert r["processed"] == 16 and r["frames"] == 17
    assert r["right"] == [2, 3]  # frames 13, 14, 15 scored (16 not processed); 15 wrong
    assert r["false_labels"] == 1 and r["empty_frames"] == 3
    assert r["found"] == [13, 13] and r["raw_right_pct"] == 100.0
    assert r["on_screen_right_pct"] == 50.0  # frame 16 shows frame 15's wrong label


def test_make_a_short_two_hand_video_with_truth(dataset_dir, tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    out = tmp_path / "v.mp4"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.videos", "make", "--data", str(dataset_dir),
         "--out", str(out), "--seconds", "4", "--fps", "10", "--two-hands",
         "--holdout-of", str(MODEL)],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.with_suffix(".truth.json").read_text())
    assert doc["frames"] == 40 and len(doc["appearances"]) == 4 and len(doc["signers"]) >= 20
    import cv2

    cap = cv2.VideoCapture(str(out))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 40 and cap.get(cv2.CAP_PROP_FPS) == 10
    cap.release()
    assert doc["truth"][0] == [] and len(doc["truth"][-1]) == 2  # a gap first, two hands last
    for hands in doc["truth"]:
        for h in hands:
            x0, y0, x1, y1 = h["box"]
            assert 0 <= x0 < x1 <= 640 and 0 <= y0 < y1 <= 480 and y1 - y0 > 100


def test_predict_reads_two_hands_in_a_still(dataset_dir, tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    import cv2

    img, _ = composite(
        [
            (heldout_photo("1", 0), (170, 240), 230, True),
            (heldout_photo("5", 0), (470, 250), 240, False),
        ],
        scene="room",
    )
    path = tmp_path / "two.png"
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    proc = subprocess.run(
        [sys.executable, "-m", "handcam", "predict", str(path), "--json"],
        capture_output=True, text=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(proc.stdout.splitlines()[-1])
    hands = sorted(rec["hands"], key=lambda h: h["box"][0])
    assert [h["label"] for h in hands] == ["1", "5"]
    assert rec["label"] == rec["hands"][0]["label"] and rec["hand_found"]


def test_the_scorer_counts_edits_of_the_composed_text(tmp_path):
    import json

    from benchmarks.video_score import composed_score, edit_distance

    # the example: a fingerspelled A-Z composed as ABCDEFJIKVLERNTUVWY
    assert edit_distance("ABCDEFJIKVLERNTUVWY", "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 12
    assert edit_distance("", "AB") == 2 and edit_distance("AB", "AB") == 0
    doc = {"appearances": [{"label": x, "start": i * 10} for i, x in enumerate("HELLO")]}
    log = tmp_path / "log.jsonl"
    log.write_text(
        json.dumps({"frame": 0, "text": "HE"}) + "\n" + json.dumps({"path": "v", "text": "HEL LOO"})
    )
    score = composed_score(log, doc)
    assert score["text"] == "HEL LOO" and score["edits"] == 1  # spaces are left out
    assert score["cer"] == 0.2 and score["signs"] == 5


def test_a_cut_out_that_leaves_out_the_hand_falls_back_to_the_whole_photo():
    import numpy as np

    from benchmarks.videos import hand_patch

    photo = np.full((100, 100, 3), 200, np.uint8)
    photo[30:70, 30:70] = (150, 90, 60)  # the "hand": the one thing the fill does not reach
    inside = np.array([[x, y, 0.0] for x in (35, 50, 65) for y in (35, 50, 65)])
    outside = inside + [40.0, 0.0, 0.0]  # where the wall is: the fill kept the wrong part
    ones = np.ones(3, np.float32)
    _, kept, _ = hand_patch(photo, 100, "segmented", False, ones, inside)
    _, fallback, _ = hand_patch(photo, 100, "segmented", False, ones, outside)
    assert kept[5, 5] < 0.1 and kept[50, 50] > 0.9  # the hand cut out
    assert fallback[5, 5] == 1.0 and fallback[50, 50] == 1.0  # the whole photo
