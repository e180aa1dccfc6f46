"""Ctrl-C and the app's Cancel (SIGTERM) stop a training run at any moment: exit 130,
"cancelled; no bundle was written", and no bundle, even when a library swallows the
KeyboardInterrupt (JAX's garbage-collector callback did, at the start of training)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import REPO, make_sidecar_dataset
from training import cancel
from training.cli import main as train_main

CLASSES = {"open": 1.0, "half": 0.55, "closed": 0.15}
CANCELLED = "handcam-train: cancelled; no bundle was written"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_sidecar_dataset(tmp_path_factory.mktemp("tiny"), CLASSES)


def _train_and_signal(data: Path, out: Path, sig: int, after: str, delay: float):
    """Run handcam-train in its own process; send ``sig`` ``delay`` s after the first
    stderr line that starts with ``after``. Returns (exit code, whole stderr)."""
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-m", "training.cli", str(data), "--out", str(out), "--epochs", "40"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    timer = threading.Timer(300, proc.kill)  # never hang the suite
    timer.start()
    lines = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if line.startswith(after):
                time.sleep(delay)
                proc.send_signal(sig)
                break
        lines.append(proc.stderr.read())
        code = proc.wait()
    finally:
        timer.cancel()
    return code, "".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "after", "delay"),
    [
        (signal.SIGINT, "training length:", 0.0),
        (signal.SIGINT, "training length:", 0.1),
        (signal.SIGINT, "training length:", 0.2),
        (signal.SIGINT, "training length:", 0.3),
        (signal.SIGINT, "split", 0.0),  # while the split is said, before TensorFlow starts
        (signal.SIGTERM, "training length:", 0.15),  # the window's Cancel
    ],
)
def test_a_signal_at_any_moment_of_training_stops_it_and_writes_nothing(
    tiny, tmp_path, sig, after, delay
):
    out = tmp_path / "bundle"
    code, err = _train_and_signal(tiny, out, sig, after, delay)
    assert code == 130, err[-3000:]
    assert CANCELLED in err
    assert not out.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".bundle")]


class _SwallowsASignal:
    """Raises SIGINT from ``__del__``: Python drops an exception raised there, as it did
    in JAX's garbage-collector callback."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


@pytest.mark.slow
def test_a_ctrl_c_that_a_library_swallows_still_cancels_the_run(
    tiny, tmp_path, monkeypatch, capsys
):
    import training.train

    real = training.train.train_members

    def swallow_then_train(*args, **kwargs):
        _SwallowsASignal()  # made and dropped: its KeyboardInterrupt is lost
        return real(*args, **kwargs)

    monkeypatch.setattr(training.train, "train_members", swallow_then_train)
    out = tmp_path / "bundle"
    before = signal.getsignal(signal.SIGINT)  # Python's own, or ignored under `nohup cmd &`
    assert train_main([str(tiny), "--out", str(out), "--epochs", "3", "--no-export"]) == 130
    assert CANCELLED in capsys.readouterr().err
    assert not out.exists()
    assert signal.getsignal(signal.SIGINT) is before  # handlers restored


def test_the_bundle_is_not_moved_into_place_once_a_cancel_was_asked(tmp_path):
    from training.train import _commit

    work = tmp_path / "work"
    work.mkdir()
    (work / "model.keras").write_bytes(b"x")
    cancel.reset()
    cancel.request()
    try:
        with pytest.raises(KeyboardInterrupt):
            _commit(work, tmp_path / "out", overwrite=False)
    finally:
        cancel.reset()
    assert not (tmp_path / "out").exists() and (work / "model.keras").is_file()


def test_a_signal_during_the_move_waits_for_it_and_names_the_written_bundle(tmp_path):
    from training.train import _commit

    work = tmp_path / "work"
    work.mkdir()
    real_replace = os.replace

    def replace_and_signal(src, dst):
        real_replace(src, dst)
        signal.raise_signal(signal.SIGINT)  # arrives in the middle of the final step

    cancel.reset()
    with cancel.handle_signals(), pytest.raises(cancel.Cancelled):
        os.replace = replace_and_signal
        try:
            _commit(work, tmp_path / "out", overwrite=False)
        finally:
            os.replace = real_replace
    assert (tmp_path / "out").is_dir() and cancel.written() == tmp_path / "out"
    cancel.reset()


def test_the_windows_cancel_leaves_no_unfinished_bundle_even_when_training_is_killed(
    qtbot, tmp_path
):
    pytest.importorskip("pytestqt")
    from handcam.ui.retrain_runner import RetrainRunner

    data = make_sidecar_dataset(tmp_path / "rec", {"a": 1.0, "b": 0.2}, per_class=6)
    runner = RetrainRunner()
    done, epochs = [], []
    runner.epoch.connect(epochs.append)
    runner.finished.connect(lambda ok, detail: done.append((ok, detail)))
    runner.start([str(data)], tmp_path / "new", epochs=500)
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=120000)
    # what a training killed before it could clean up leaves (Cancel kills after 10 s)
    (tmp_path / ".new.tmp-killed" / "model.keras").parent.mkdir()
    (tmp_path / ".new.tmp-killed" / "model.keras").write_bytes(b"half")
    runner.cancel()
    qtbot.waitUntil(lambda: bool(done), timeout=30000)
    assert not done[0][0] and "cancelled" in done[0][1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rec"]
