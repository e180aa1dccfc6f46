"""A bundle's record of its own files: the size and SHA-256 of every file when it was
saved, kept in ``config.json`` under ``"files"``, and the check against it when it loads.

A damaged file is named (``model.keras: damaged ...``) instead of failing later with a
library's message about something else ("File not found" for a zip that exists). Older
bundles have no record and load as before. ``python -m training.export --seal BUNDLE``
records a bundle's files again after a deliberate change.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from handcam.errors import BundleError
from handcam.system.files import write_bytes_atomic

FILES_KEY = "files"
CONFIG = "config.json"  # holds the record, so it is not in it
_CHUNK = 1 << 20


def digest(path: Path) -> dict[str, Any]:
    """{"size": bytes, "sha256": hex} of one file."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while block := fh.read(_CHUNK):
            sha.update(block)
            size += len(block)
    return {"size": size, "sha256": sha.hexdigest()}


def record(root: Path) -> dict[str, dict[str, Any]]:
    """The record of every file of a bundle folder but config.json (hidden files and
    sub-folders are not part of a bundle)."""
    return {
        p.name: digest(p)
        for p in sorted(Path(root).iterdir())
        if p.is_file() and p.name != CONFIG and not p.name.startswith(".")
    }


def seal(root: str | os.PathLike) -> dict[str, dict[str, Any]]:
    """Write the record of ``root``'s files into its config.json (atomically); return it."""
    root = Path(root)
    path = root / CONFIG
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: unreadable JSON ({exc})") from exc
    if not isinstance(config, dict):
        raise BundleError(f"{path}: must be a JSON object")
    config[FILES_KEY] = record(root)
    data = json.dumps(config, indent=2, ensure_ascii=False).encode("utf-8")
    write_bytes_atomic(path, data, overwrite=True)
    return config[FILES_KEY]


def update(root: str | os.PathLike, names: list[str]) -> None:
    """Record these files again (they were just written on purpose); the others keep
    their record. Nothing for a bundle without a record."""
    root = Path(root)
    path = root / CONFIG
    config = json.loads(path.read_text(encoding="utf-8"))
    files = recorded(root, config)
    if files is None:
        return
    for name in names:
        if (root / name).is_file():
            files[name] = digest(root / name)
    config[FILES_KEY] = dict(sorted(files.items()))
    data = json.dumps(config, indent=2, ensure_ascii=False).encode("utf-8")
    write_bytes_atomic(path, data, overwrite=True)


def recorded(root: Path, config: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """The record in a bundle's config (None: an older bundle without one), checked."""
    files = config.get(FILES_KEY)
    if files is None:
        return None
    where = root / CONFIG
    if not isinstance(files, dict):
        raise BundleError(f"{where}: {FILES_KEY!r} must be an object of file records")
    for name, entry in files.items():
        if (
            not isinstance(name, str)
            or name in ("", ".", "..")
            or "/" in name
            or "\\" in name
            or not isinstance(entry, dict)
            or not isinstance(entry.get("size"), int)
            or not isinstance(entry.get("sha256"), str)
        ):
            raise BundleError(f"{where}: bad record for file {name!r} in {FILES_KEY!r}")
    return files


def damage(root: Path, name: str, entry: dict[str, Any]) -> str | None:
    """Why ``root/name`` is not the file recorded at save, or None when it is."""
    path = root / name
    if not path.is_file():
        return f"{path}: missing (it was part of the bundle when it was saved)"
    try:
        size = path.stat().st_size
        if size != entry["size"]:
            return (
                f"{path}: damaged ({size:,} bytes where {entry['size']:,} were saved; "
                "the file was cut short or changed)"
            )
        if digest(path)["sha256"] != entry["sha256"]:
            return f"{path}: damaged (its contents differ from the file saved with the bundle)"
    except OSError as exc:
        return f"{path}: unreadable ({exc.strerror or exc})"
    return None


def check_all(root: Path, config: dict[str, Any]) -> dict[str, str]:
    """{file name: why it is damaged} for the files a bundle records ({}: all well, or no
    record)."""
    files = recorded(root, config) or {}
    found = {name: damage(root, name, entry) for name, entry in files.items()}
    return {name: why for name, why in found.items() if why}


def verify_file(root: str | os.PathLike, name: str) -> None:
    """BundleError naming ``root/name`` when it is not the file recorded at save (nothing
    when the bundle records no files, or not this one)."""
    root = Path(root)
    try:
        config = json.loads((root / CONFIG).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return  # the bundle's own loader says what is wrong with its config
    files = recorded(root, config) if isinstance(config, dict) else None
    if files and name in files:
        why = damage(root, name, files[name])
        if why:
            raise BundleError(why)
