"""Training writes a bundle whole or not at all: never over an existing one, nothing left
by a failed write, the old bundle back after a failed swap."""

import pytest

from conftest import make_sidecar_dataset
from training.cli import main as train_main


def test_existing_model_is_never_overwritten_or_half_written(tiny, tmp_path):
    out = tmp_path / "b"
    assert train_main([str(tiny), "--out", str(out), "--epochs", "1", "--no-export"]) == 0
    before = (out / "model.keras").read_bytes()
    assert train_main([str(tiny), "--out", str(out), "--epochs", "1"]) == 2
    one = make_sidecar_dataset(tmp_path / "one", {"only": 1.0}, per_class=3)
    assert train_main([str(one), "--out", str(out), "--overwrite"]) == 2
    assert (out / "model.keras").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_write_failure_leaves_no_bundle_and_a_clear_message(tiny, tmp_path, capsys, monkeypatch):
    import errno

    import training.report

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.png"))

    monkeypatch.setattr(training.report.evaluate, "plot_learning_curves", full_disk)
    out = tmp_path / "b"
    assert train_main([str(tiny), "--out", str(out), "--epochs", "1", "--no-export"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []


def test_a_failed_swap_puts_the_old_bundle_back(tmp_path, monkeypatch):
    import os

    from training import commit as train_mod

    out, work = tmp_path / "bundle", tmp_path / ".bundle.tmp"
    out.mkdir()
    (out / "model.keras").write_text("old")
    work.mkdir()
    (work / "model.keras").write_text("new")
    real = os.replace
    calls = []

    def flaky(src, dst):
        calls.append((src, dst))
        if len(calls) == 2:  # moving the new bundle in fails (a full disk, a lock...)
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(train_mod.os, "replace", flaky)
    with pytest.raises(OSError):
        train_mod.commit_bundle(work, out, overwrite=True)
    assert (out / "model.keras").read_text() == "old"
    assert not any(p.name.startswith(".bundle.old") for p in tmp_path.iterdir())
