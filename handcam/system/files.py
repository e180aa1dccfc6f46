"""Writing files so that a crash or a full disk never leaves a partial one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from handcam.errors import StorageError

_UMASK = os.umask(0o022)  # read once, at import (setting it is not thread-safe) ...
os.umask(_UMASK)  # ... and put back


def write_bytes_atomic(path: str | os.PathLike, data: bytes, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` via a temporary file and rename; never leaves a partial file.

    With ``overwrite=False`` an existing file is never replaced (StorageError instead).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            with contextlib.suppress(OSError, AttributeError):  # as open() would make it
                os.fchmod(fh.fileno(), 0o666 & ~_UMASK)
        if overwrite:
            os.replace(tmp, target)
        else:
            _move_no_overwrite(tmp, target)
    except FileExistsError as exc:
        _silent_unlink(tmp)
        raise StorageError(f"{target} already exists; not overwriting it") from exc
    except OSError as exc:
        _silent_unlink(tmp)
        raise StorageError(f"could not write {target}: {exc.strerror or exc}") from exc
    return target


def _move_no_overwrite(tmp: str, target: Path) -> None:
    """Rename ``tmp`` to ``target`` unless ``target`` exists (FileExistsError then)."""
    try:
        # link() fails if the target exists: no silent overwrite, even under a race.
        os.link(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        # No hard links here (FAT/exFAT drives, some network shares): check, then rename.
        if exc.errno not in (
            errno.EPERM,
            errno.ENOTSUP,
            errno.EOPNOTSUPP,
            errno.EXDEV,
            errno.EACCES,
            errno.ENOSYS,
        ):
            raise
        if target.exists():
            raise FileExistsError(str(target)) from exc
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def _silent_unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
