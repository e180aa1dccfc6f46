import json

import numpy as np
import pytest

from conftest import frame, write_video
from handcam.cli.record import run_record
from handcam.errors import LabelError, StorageError
from handcam.labels import validate_label
from handcam.recording import samples as recording
from handcam.recording.samples import SampleStore, hand_is_steady
from handcam.testing import FakeHandDetector, synthetic_hand


def test_save_writes_frame_crop_and_sidecar(tmp_path):
    store = SampleStore(tmp_path)
    s = store.save("5", frame(), synthetic_hand(), source="fake", frame_index=7)
    assert s.image.is_file() and s.crop.is_file() and s.sidecar.is_file()
    assert s.image.parent == tmp_path / "5"
    meta = json.loads(s.sidecar.read_text())
    assert meta["label"] == "5" and meta["session"] == store.session
    assert meta["frame_index"] == 7 and meta["source"] == "fake"
    assert len(meta["hand"]["landmarks"]) == 21 and meta["hand"]["handedness"] == "Right"
    assert len(meta["hand"]["box"]) == 4 and "time" in meta
    assert store.counts() == {"5": 1}


def test_names_are_unique_and_nothing_is_overwritten(tmp_path):
    store = SampleStore(tmp_path)
    paths = {store.save("a", frame(), synthetic_hand()).image for _ in range(5)}
    assert len(paths) == 5
    with pytest.raises(StorageError, match="already exists"):
        recording.write_bytes_atomic(next(iter(paths)), b"x")


@pytest.mark.parametrize(
    "label", ["../x", "/etc/evil", "", "  ", "a/b", "..", ".hidden", "a\\b", "x\x00y", " padded "]
)
def test_unsafe_labels_are_refused(tmp_path, label):
    with pytest.raises(LabelError):
        SampleStore(tmp_path / "data").save(label, frame(), synthetic_hand())
    assert not any(tmp_path.rglob("*.jpg"))


@pytest.mark.parametrize("label", ["thumbs up", "ñ", "Ä", "數字", "A"])
def test_spaces_and_non_ascii_labels_are_fine(tmp_path, label):
    assert validate_label(label) == label
    s = SampleStore(tmp_path).save(label, frame(), synthetic_hand())
    assert s.image.parent.name == label


def test_write_failure_leaves_no_partial_sample(tmp_path, monkeypatch):
    real = recording.write_bytes_atomic
    calls = []

    def failing(path, data, overwrite=False):
        calls.append(path)
        if len(calls) == 2:
            raise StorageError(f"could not write {path}: No space left on device")
        return real(path, data, overwrite)

    monkeypatch.setattr(recording, "write_bytes_atomic", failing)
    store = SampleStore(tmp_path)
    with pytest.raises(StorageError, match="No space"):
        store.save("a", frame(), synthetic_hand())
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_undo_removes_the_sample(tmp_path):
    store = SampleStore(tmp_path)
    s = store.save("a", frame(), synthetic_hand())
    store.delete(s)
    assert store.counts() == {"a": 0}
    assert not s.sidecar.exists() and not s.crop.exists()


def test_steadiness():
    h = synthetic_hand()
    moved = type(h)(h.landmarks + np.array([30, 0, 0], np.float32), "Right", 0.9)
    assert hand_is_steady(h, h)
    assert not hand_is_steady(h, moved)
    assert not hand_is_steady(None, h)


def test_record_command_from_video(tmp_path):
    video = write_video(tmp_path / "v.mp4", frames=20)
    out = tmp_path / "ds"
    code = run_record(str(video), "hello", 4, out, every=2, detector=FakeHandDetector())
    assert code == 0
    sidecars = sorted((out / "hello").glob("*.json"))
    assert len(sidecars) == 4
    indexes = [json.loads(p.read_text())["frame_index"] for p in sidecars]
    assert indexes == [0, 2, 4, 6]


def test_record_command_reports_too_few_hands(tmp_path, capsys):
    video = write_video(tmp_path / "v.mp4", frames=5)
    code = run_record(
        str(video), "x", 10, tmp_path / "ds", detector=FakeHandDetector(lambda img: [])
    )
    assert code == 1
    assert "only 0 of 10" in capsys.readouterr().err


def test_saving_works_where_hard_links_are_not_supported(tmp_path, monkeypatch):
    import errno
    import os

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")  # what exFAT answers

    monkeypatch.setattr(os, "link", no_links)
    store = SampleStore(tmp_path)
    s = store.save("a", frame(), synthetic_hand())
    assert s.image.is_file() and s.sidecar.is_file() and s.crop.is_file()
    with pytest.raises(StorageError, match="already exists"):
        recording.write_bytes_atomic(s.image, b"x")
    assert [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".tmp")] == []


def test_a_file_written_whole_gets_the_permissions_open_would_give_it(tmp_path):
    import os
    import stat

    from handcam.system.files import write_bytes_atomic

    mask = os.umask(0o022)
    os.umask(mask)
    path = write_bytes_atomic(tmp_path / "config.json", b"{}")
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
