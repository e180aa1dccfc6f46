"""Moving a finished bundle into place in one step that a cancel never cuts in half."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from training import cancel
from training.config import TrainingError


def commit_bundle(work: Path, out: Path, overwrite: bool) -> None:
    """Move the finished bundle into place; an existing one is swapped, never half-replaced:
    if the new one cannot be moved in, the old one is put back. Refused once the run was
    cancelled; a cancel during the move takes effect after it (:func:`cancel.final_step`)."""
    with cancel.final_step(out):
        os.chmod(work, 0o755)
        if not out.exists():
            os.replace(work, out)
            return
        if not overwrite:
            raise TrainingError(f"{out} appeared while training; choose another --out")
        backup = out.with_name(f".{out.name}.old-{int(time.time())}")
        os.replace(out, backup)
        try:
            os.replace(work, out)
        except OSError:
            os.replace(backup, out)
            raise
        shutil.rmtree(backup, ignore_errors=True)
