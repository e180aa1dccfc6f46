"""One training process at a time for the whole app: ``python -P -m training`` with its
JSON progress turned into signals; cancel (terminate, kill after 10 s); the working model
is never touched."""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

log = logging.getLogger(__name__)


class RetrainRunner(QObject):
    """Runs one training process at a time (app-wide); never touches the working model."""

    progress = Signal(str, int, int)  # stage, done, total
    epoch = Signal(dict)
    message = Signal(str)
    finished = Signal(bool, str)  # ok, bundle path or error message
    _running: set[RetrainRunner] = set()  # every runner with a live process

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.proc: QProcess | None = None
        self.out: Path | None = None
        self._kill_timer = QTimer(self)
        self._kill_timer.setSingleShot(True)
        self._kill_timer.timeout.connect(self._kill)
        self._reset()

    def _reset(self) -> None:
        self._buffer = b""
        self._stderr_tail: list[str] = []
        self._cancelled = False
        self._error = ""

    @classmethod
    def busy(cls) -> bool:
        """True while any runner's training process is alive."""
        return any(r.running for r in cls._running)

    def start(
        self,
        data_dirs: list[str],
        out: Path,
        init: str | None = None,
        epochs: int | None = None,
        extra: list[str] | None = None,
    ) -> bool:
        """Start training; False (with a message) when a training is already running."""
        if RetrainRunner.busy():
            self.message.emit("a training is already running; wait for it or cancel it")
            return False
        # -P: never run a training/ folder or training.py from the current directory
        args = ["-P", "-m", "training", *data_dirs, "--out", str(out), "--progress-json"]
        if init:
            args += ["--init", init]
        if epochs:
            args += ["--epochs", str(epochs)]
        args += extra or []
        self._reset()
        self.out = out
        self.proc = QProcess(self)
        self.proc.setProgram(sys.executable)
        self.proc.setArguments(args)
        self.proc.setWorkingDirectory(str(Path.home()))
        self.proc.readyReadStandardOutput.connect(self._read_stdout)
        self.proc.readyReadStandardError.connect(self._read_stderr)
        self.proc.finished.connect(self._on_finished)
        self.proc.errorOccurred.connect(self._on_error)
        self.message.emit("starting training process...")
        RetrainRunner._running.add(self)
        self.proc.start()
        return True

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """Ask training to stop (it removes its temporary folder), kill after 10 s."""
        if not self.running:
            return
        self._cancelled = True
        self.message.emit("cancelling...")
        self.proc.terminate()
        self._kill_timer.start(10000)  # a child timer: it dies with this runner

    def _kill(self) -> None:
        if self.running:
            self.proc.kill()

    def _remove_leftovers(self) -> None:
        """The run's unfinished bundle folder (training.train names it ``.OUT.tmp-*``):
        training removes it itself, unless it was killed first (10 s after Cancel, or
        by the system)."""
        if self.out is None:
            return
        for leftover in self.out.parent.glob(f".{self.out.name}.tmp-*"):
            log.info("removing %s, left by a training that did not finish", leftover)
            shutil.rmtree(leftover, ignore_errors=True)

    def _read_stdout(self) -> None:
        self._buffer += bytes(self.proc.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("{"):
                continue  # libraries print to stdout too
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            kind = ev.get("event")
            if kind == "progress":
                self.progress.emit(str(ev["stage"]), int(ev["done"]), int(ev["total"]))
            elif kind == "epoch":
                self.epoch.emit(ev)
            elif kind == "message":
                self.message.emit(str(ev.get("text", "")))
            elif kind == "error":
                self._error = str(ev.get("message", ""))

    def _read_stderr(self) -> None:
        text = bytes(self.proc.readAllStandardError()).decode("utf-8", "replace")
        self._stderr_tail = (self._stderr_tail + text.splitlines())[-30:]

    def _on_error(self, error) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            RetrainRunner._running.discard(self)
            self.finished.emit(False, f"could not start {sys.executable} -m training")

    def _on_finished(self, code: int, status) -> None:
        self._kill_timer.stop()  # never kill a later process
        self._read_stdout()
        RetrainRunner._running.discard(self)
        if code != 0 or self._cancelled:
            self._remove_leftovers()
        if self._cancelled:
            self.finished.emit(False, "cancelled: the working model is unchanged")
        elif code == 0 and self.out is not None and (self.out / "model.keras").is_file():
            self.finished.emit(True, str(self.out))
        else:
            reason = self._error or "\n".join(self._stderr_tail[-8:]) or f"exit code {code}"
            self.finished.emit(False, f"training failed: {reason}")
