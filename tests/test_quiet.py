import os

from handcam.system.native_logs import native_quiet


def test_native_writes_are_silenced_only_inside(capfd, monkeypatch):
    monkeypatch.delenv("HANDCAM_NATIVE_LOGS", raising=False)
    with native_quiet():
        os.write(2, b"native chatter\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "native chatter" not in err and "after" in err


def test_verbose_shows_native_logs(capfd, monkeypatch):
    monkeypatch.setenv("HANDCAM_NATIVE_LOGS", "1")
    with native_quiet():
        os.write(2, b"native chatter\n")
    assert "native chatter" in capfd.readouterr().err
