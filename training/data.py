"""Labelled image folders: one sub-folder per class, optional group CSV, app sidecars.

Read exactly as handcam's record mode writes them: ``LABEL/ID.jpg`` is a sample,
``LABEL/ID.json`` its sidecar (landmarks, session) and ``LABEL/crops/`` thumbnails that
are never a class. A folder that holds images itself is one class (one recorded label).
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from handcam.capture.images import is_image_path
from handcam.errors import HandcamError, LabelError
from handcam.labels import validate_label

log = logging.getLogger(__name__)
GROUP_COLUMNS = ("group", "signer", "session", "subject", "person", "user")
CROPS_FOLDER = "crops"  # the record mode's thumbnails, inside each label folder


class DatasetError(HandcamError):
    """The data cannot be trained on (empty, one class, unreadable...)."""


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    group: str | None = None
    sidecar: Path | None = None  # the app's JSON with landmarks already known
    origin: str = ""  # "DATASET/LABEL/FILE", for reports


@dataclass
class Dataset:
    samples: list[Sample]
    labels: list[str]
    roots: list[Path]
    ignored_folders: list[str] = field(default_factory=list)
    bad_sidecars: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(s.label for s in self.samples)
        return {label: c.get(label, 0) for label in self.labels}


def scan_dataset(roots: list[Path], groups_csv: Path | list[Path] | None = None) -> Dataset:
    """All images directly inside each class folder of each root; labels = folder names.

    Several roots merge (same folder name = same class). One class is fine here (a new
    sign added to a base model); training checks the merged classes. Raises DatasetError
    when a root holds no images at all.
    """
    groups: dict[str, str] = {}
    for csv_path in [groups_csv] if isinstance(groups_csv, (str, Path)) else groups_csv or []:
        groups.update(read_groups(csv_path))
    samples: list[Sample] = []
    ignored: list[str] = []
    bad_sidecars: list[str] = []
    for given in roots:
        root = Path(given).expanduser()
        found = 0
        for label_name, folder in class_folders(root):
            try:
                label = validate_label(label_name)
            except LabelError as exc:
                ignored.append(f"{folder.name} ({exc})")
                continue
            for image in _images(folder):
                sidecar = image.with_suffix(".json")
                sc = sidecar if sidecar.is_file() else None
                rel = image.relative_to(folder.parent).as_posix()
                group = groups.get(rel) or groups.get(image.name)
                if group is None and sc is not None:
                    group = _sidecar_session(sc, bad_sidecars)
                origin = f"{folder.parent.name}/{rel}"
                samples.append(Sample(image, label, group, sc, origin))
                found += 1
        if not found:
            raise DatasetError(
                f"{root}: no images found. Expected one sub-folder per class, each holding "
                ".jpg/.png/.bmp/.webp images (or a folder of one label's images)"
            )
    for item in ignored:
        log.warning("ignoring class folder %s", item)
    labels = sorted({s.label for s in samples}, key=label_key)
    return Dataset(samples, labels, [Path(r) for r in roots], ignored, bad_sidecars)


def class_folders(root: Path) -> list[tuple[str, Path]]:
    """(label, folder) for each class folder under ``root``.

    A root that holds images itself is one class named after it; a lone wrapper folder
    (archives that unpack to ``name/name/A, B, ...``) is stepped into; ``crops/`` folders
    and hidden or ``_`` folders are never classes.
    """
    if not root.is_dir():
        raise DatasetError(f"{root}: no such data folder")
    while True:
        if _images(root):
            return [(root.name, root)]
        subdirs = _subfolders(root)
        if len(subdirs) == 1 and not _images(subdirs[0]) and _subfolders(subdirs[0]):
            log.info("using %s (the only folder inside %s)", subdirs[0], root)
            root = subdirs[0]
            continue
        return [(d.name, d) for d in subdirs]


def _subfolders(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name != CROPS_FOLDER
    )


CLIP_PICTURE = ".clip.png"


def _images(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and is_image_path(p)
        and not p.name.startswith(".")
        and not p.name.endswith(CLIP_PICTURE)  # a motion clip's picture, not a sample
    )


def label_key(label: str) -> tuple:
    """Digits in numeric order, then names alphabetically."""
    return (0, int(label), "") if label.isdigit() else (1, 0, label.casefold())


def read_groups(path: Path) -> dict[str, str]:
    """Map image path (relative to the data root, or bare file name) -> group id."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = [c.strip().lower() for c in reader.fieldnames or []]
            if "path" not in columns:
                raise DatasetError(f"{path}: needs a 'path' column")
            group_col = next((c for c in GROUP_COLUMNS if c in columns), None)
            if group_col is None:
                raise DatasetError(f"{path}: needs a group column, one of {GROUP_COLUMNS}")
            mapping = {}
            for row in reader:
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                rel = row["path"].replace("\\", "/")
                mapping[rel] = row[group_col]
                mapping.setdefault(Path(rel).name, row[group_col])
            return mapping
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: cannot read group CSV ({exc})") from exc


def _sidecar_session(path: Path, bad: list[str]) -> str | None:
    """The recording session in a sidecar; a broken sidecar is named and skipped."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        session = data.get("session")
        if session is not None and not isinstance(session, str):
            raise ValueError(f"'session' is {type(session).__name__}, not text")
        return session or None
    except (OSError, ValueError) as exc:
        log.warning("%s: sidecar ignored (%s)", path, exc)
        bad.append(f"{path} ({exc})")
        return None
