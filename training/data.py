"""Labelled image folders: one sub-folder per class, optional group CSV, app sidecars."""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from handcam.errors import HandcamError, LabelError
from handcam.imageio import is_image_path
from handcam.labels import validate_label

log = logging.getLogger(__name__)
GROUP_COLUMNS = ("group", "signer", "session", "subject", "person", "user")


class DatasetError(HandcamError):
    """The data cannot be trained on (empty, one class, unreadable...)."""


@dataclass(frozen=True)
class Sample:
    path: Path
    label: str
    group: str | None = None
    sidecar: Path | None = None  # the app's JSON with landmarks already known


@dataclass
class Dataset:
    samples: list[Sample]
    labels: list[str]
    roots: list[Path]
    ignored_folders: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(s.label for s in self.samples)
        return {label: c.get(label, 0) for label in self.labels}


def scan_dataset(roots: list[Path], groups_csv: Path | None = None) -> Dataset:
    """All images directly inside each class folder of each root; labels = folder names.

    Several roots merge (same folder name = same class). Raises DatasetError when there
    is nothing to train on.
    """
    groups = read_groups(groups_csv) if groups_csv else {}
    samples: list[Sample] = []
    ignored: list[str] = []
    for root in roots:
        root = _class_root(Path(root).expanduser())
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if folder.name.startswith((".", "_")):
                continue
            try:
                label = validate_label(folder.name)
            except LabelError as exc:
                ignored.append(f"{folder.name} ({exc})")
                continue
            images = sorted(
                p
                for p in folder.iterdir()
                if p.is_file() and is_image_path(p) and not p.name.startswith(".")
            )
            for image in images:
                sidecar = image.with_suffix(".json")
                rel = image.relative_to(root).as_posix()
                group = groups.get(rel) or groups.get(image.name)
                sc = sidecar if sidecar.is_file() else None
                if group is None and sc is not None:
                    group = _sidecar_session(sc)
                samples.append(Sample(image, label, group, sc))
    for item in ignored:
        log.warning("ignoring class folder %s", item)
    labels = sorted({s.label for s in samples}, key=_label_key)
    where = ", ".join(str(r) for r in roots)
    if not samples:
        raise DatasetError(
            f"{where}: no images found. Expected one sub-folder per class, "
            "each holding .jpg/.png/.bmp/.webp images"
        )
    if len(labels) < 2:
        raise DatasetError(
            f"{where}: only one class ({labels[0]!r}); a classifier needs at least two"
        )
    return Dataset(samples, labels, [Path(r) for r in roots], ignored)


def _class_root(root: Path) -> Path:
    """The folder holding the class folders: steps into a lone wrapper folder, as in
    archives that unpack to ``name/name/A, B, ...`` (the Kaggle ASL alphabet)."""
    if not root.is_dir():
        raise DatasetError(f"{root}: no such data folder")
    while True:
        entries = [p for p in root.iterdir() if not p.name.startswith((".", "_"))]
        subdirs = [p for p in entries if p.is_dir()]
        if len(subdirs) != 1 or any(p.is_file() and is_image_path(p) for p in entries):
            return root
        inner = subdirs[0]
        if not any(p.is_dir() for p in inner.iterdir()):
            return root  # a single class folder: let the one-class check speak
        log.info("using %s (the only folder inside %s)", inner, root)
        root = inner


def _label_key(label: str) -> tuple:
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
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read group CSV ({exc})") from exc


def _sidecar_session(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data.get("session")
    except (OSError, ValueError):
        return None
