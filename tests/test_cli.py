"""The command-line contracts: --help speed, predict and bench output."""

import json
import subprocess
import sys

import pytest

from conftest import MODEL, REPO, dataset_images, write_video


def run(*args, timeout=240):
    return subprocess.run(
        [sys.executable, "-m", "handcam", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )


def test_help_does_not_load_tensorflow_or_mediapipe():
    code = (
        "import sys, handcam.cli.main as c\n"
        "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', [m for m in ('tensorflow', 'mediapipe', 'PySide6') "
        "if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    ).stdout
    assert "predict" in out and "HEAVY []" in out


def test_predict_real_hands_json(dataset_dir, tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    images = dataset_images(per_class=1)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8 not really")
    (tmp_path / "notes.txt").write_text("hello")  # in a folder: not an input
    proc = run("predict", *map(str, images), str(tmp_path), "--json")
    assert proc.returncode == 1, proc.stderr  # one input could not be read
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    good = [r for r in rows if "error" not in r]
    assert len(good) == 10
    for r in good:
        assert {"path", "label", "confidence", "hand_found", "handedness", "box", "probs"} <= set(r)
        assert r["hand_found"] and set(r["probs"]) == {str(i) for i in range(10)}
        main = r["hands"][0]
        assert main["label"] == r["label"] and main["box"] == r["box"]
    correct = sum(r["label"] == r["path"].split("/")[-2] for r in good)
    assert correct >= 9
    errors = {r["path"].split("/")[-1]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {"corrupt.jpg"}


def test_predict_video_and_bench(tmp_path):
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    video = write_video(tmp_path / "v.mp4", frames=8)
    proc = run("predict", str(video), "--json")
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["frame"] for r in rows] == list(range(8))
    assert all(r["label"] is None and not r["hand_found"] for r in rows)  # no hand in noise
    assert all(r["hands"] == [] and r["smoothed_label"] is None for r in rows)
    proc = run("bench", "--source", str(video), "--frames", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["frames"] == 3 and "fps" in report and "total_ms_p95" in report
    side = report["compare"]  # against bare MediaPipe Hands, on the same frames
    assert side["frames"] == 3 and side["handcam"]["ms_per_frame"] > 0
    assert side["ratio"] == pytest.approx(
        side["handcam"]["ms_per_frame"] / side["mediapipe"]["ms_per_frame"], rel=0.01
    )
    assert set(report["stages_ms"]) == {
        "decode",
        "detection",
        "preprocessing",
        "classification",
        "total",
    }


def test_bad_model_and_missing_source_give_clear_errors(tmp_path):
    proc = run("predict", str(tmp_path), "--model", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such model bundle" in proc.stderr
    proc = run("bench", "--source", str(tmp_path / "missing.mp4"))
    assert proc.returncode == 2 and "missing.mp4" in proc.stderr


def test_global_and_sub_command_options_mean_the_same(tmp_path):
    from handcam.cli.main import build_parser

    p = build_parser()
    args = p.parse_args(["--model", "X", "predict", "a.png"])
    assert str(args.model) == "X"
    args = p.parse_args(["predict", "--model", "Y", "a.png"])
    assert str(args.model) == "Y"
    args = p.parse_args(["--source", "v.mp4", "bench"])
    assert args.source == "v.mp4"
    args = p.parse_args(["bench", "--source", "w.mp4"])
    assert args.source == "w.mp4"
    args = p.parse_args(["predict", "a.png"])
    assert args.model is None


def test_predict_on_a_photo_imports_nothing_heavy(dataset_dir):
    """Stills run MediaPipe's models through LiteRT: no TensorFlow, MediaPipe, Keras, JAX,
    matplotlib, scikit-learn or Qt is loaded to read one photo."""
    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    photo = dataset_images(per_class=1)[0]
    code = (
        "import sys\nfrom handcam.cli.main import main\n"
        f"assert main(['predict', {str(photo)!r}]) == 0\n"
        "heavy = ('tensorflow', 'mediapipe', 'keras', 'jax', 'matplotlib', 'sklearn', "
        "'PySide6', 'torch')\n"
        "print('HEAVY', sorted(m for m in heavy if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout and f"{photo}\t" in proc.stdout
