"""What the app installs: MediaPipe's hand models inside the package, no mediapipe wheel
and no JAX (extras); what needs MediaPipe's package says so when it is missing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tomllib

import pytest

from conftest import REPO, dataset_images, write_video

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# As in the mediapipe 0.10.21 wheel's RECORD (its files, copied unchanged).
WHEEL_SHA256 = {
    "palm_detection_full.tflite": "1b14e9422c6ad006cde6581a46c8b90d"
    "d573c07ab7f3934b5589e7cea3f89a54",
    "palm_detection_lite.tflite": "e9a4aaddf90dda56a87235303cf00e4c"
    "2d3fb28725f68fd88772997dac905c18",
    "hand_landmark_full.tflite": "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3",
    "hand_landmark_lite.tflite": "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6",
}
# Run a command with mediapipe, jax and jaxlib unimportable, as in an install without them.
WITHOUT = (
    "import sys\n"
    "for name in ('mediapipe', 'jax', 'jaxlib'):\n"
    "    sys.modules[name] = None\n"
    "from handcam.cli.main import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def without_mediapipe(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-c", WITHOUT, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env=env,
    )


def test_the_app_depends_on_neither_mediapipe_nor_jax_which_are_extras():
    names = [re.split(r"[=<>\[;! ]", d)[0].lower() for d in PYPROJECT["project"]["dependencies"]]
    assert not {"mediapipe", "jax", "jaxlib"} & set(names)
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "jax==0.7.1" in extras["jax"] and "mediapipe==0.10.21" in extras["mediapipe"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```bash", 1)[1].split("```")[0]
    assert re.search(r"pip install -e '\.\[[^]]*\bjax\b[^]]*\]'", command), command
    assert re.search(r"pip install -e '\.\[[^]]*\bmediapipe\b[^]]*\]'", command), command


def test_the_test_commands_two_processes_come_from_a_pinned_test_extra():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = readme.split("<!-- test-command -->", 1)[1].split("```bash", 1)[1].split("```")[0]
    assert re.search(r"pytest -n 2\b", command), command
    assert re.search(r"pip install -e '\.\[[^]]*\btest\b[^]]*\]'", command), command
    test_extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    assert any(re.fullmatch(r"pytest-xdist==[\d.]+", d) for d in test_extra), test_extra


def test_the_hand_models_ship_in_the_package_as_mediapipe_made_them():
    from handcam.hands.mediapipe_models import MODELS_DIR, model_file

    assert "models/*.tflite" in PYPROJECT["tool"]["setuptools"]["package-data"]["handcam.hands"]
    for kind in ("palm_detection", "hand_landmark"):
        for complexity in (0, 1):
            path = model_file(kind, complexity)
            assert path.parent == MODELS_DIR
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest == WHEEL_SHA256[path.name], path.name


def test_predict_reads_a_photo_without_mediapipe_or_jax(dataset_dir):
    photo = dataset_images()[4]
    proc = without_mediapipe("predict", str(photo))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith(f"{photo}\t4\t"), proc.stdout


def test_bench_without_mediapipe_times_handcam_alone_and_says_why(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=12)
    proc = without_mediapipe("bench", "--source", str(video), "--frames", "4")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "no comparison: the side-by-side comparison with MediaPipe needs" in proc.stdout
    assert "pip install 'handcam[mediapipe]'" in proc.stdout


def test_the_legacy_mediapipe_detector_says_how_to_install_what_it_needs(monkeypatch):
    from handcam.errors import HandcamError
    from handcam.hands.still import MediaPipeHandDetector

    monkeypatch.setitem(sys.modules, "mediapipe", None)
    with pytest.raises(HandcamError, match=r"pip install 'handcam\[mediapipe\]'"):
        MediaPipeHandDetector(mode="image")
