"""The window at the edges: a source that does not exist, a damaged bundle."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")


def test_the_source_picker_names_a_missing_file_not_no_camera(qtbot, tmp_path, monkeypatch):
    import handcam.capture.sources as sources
    from handcam.recognition.assemble import LoadedModel
    from handcam.ui.app import start_window

    class Reads:  # a classifier that reads "A"
        labels = ("A", "B")
        device = "CPU"

        def predict(self, features):
            return [0.9, 0.1]

    monkeypatch.setattr(sources, "list_cameras", lambda max_index=5: [])  # no camera here
    missing = str(tmp_path / "nope.mp4")
    args = Namespace(
        source=missing, model=None, data_dir=tmp_path / "data", log_predictions=None,
        no_mirror=False, snapshot=None, exit_after=None, verbose=False,
    )  # fmt: skip
    _, w, worker, lister = start_window(
        args,
        settings_path=str(tmp_path / "settings.ini"),
        model_loader=lambda path: LoadedModel.of(Reads()),
        detector_factory=lambda kind, model: None,
    )
    try:
        qtbot.waitUntil(lambda: "no such file" in w.video.shown_message(), timeout=10000)
        lister.thread.join(10)  # the camera listing (none) has arrived and refilled the picker
        qtbot.wait(200)
        assert w.toolbar.source_combo.currentText() == "nope.mp4 (not found)"
        texts = [w.toolbar.source_combo.itemText(i) for i in range(w.toolbar.source_combo.count())]
        assert "No camera found" not in texts
    finally:
        w.close()
        worker.stop()


def test_the_model_panel_says_which_file_of_the_bundle_is_damaged(qtbot, tmp_path, monkeypatch):
    import shutil

    import handcam.capture.sources as sources
    from conftest import MODEL
    from handcam.ui.app import start_window

    if not MODEL.is_dir():
        pytest.skip("models/digits not built")
    monkeypatch.setattr(sources, "list_cameras", lambda max_index=5: [])
    bundle = Path(shutil.copytree(MODEL, tmp_path / "digits"))
    keras_file = bundle / "model.keras"
    keras_file.write_bytes(keras_file.read_bytes()[:1000])  # cut short
    said: list[str] = []
    args = Namespace(
        source=None, model=bundle, data_dir=tmp_path / "data", log_predictions=None,
        no_mirror=False, snapshot=None, exit_after=None, verbose=False,
    )  # fmt: skip
    _, w, worker, _ = start_window(
        args, settings_path=str(tmp_path / "settings.ini"), say=said.append
    )
    try:
        qtbot.waitUntil(lambda: w.model_state == "ready", timeout=30000)
        panel = w.side.model_info.text()
        assert "model.keras: damaged (1,000 bytes where" in panel
        assert "signs are read from model_fp16.tflite" in panel
        assert said[0] == f"model {bundle.resolve()} (--model)"
    finally:
        w.close()
        worker.stop()
