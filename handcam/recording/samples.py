"""Recorded samples: a dataset folder in the layout the training module reads.

    ROOT/LABEL/ID.jpg          the full frame
    ROOT/LABEL/ID.json         sidecar: landmarks, handedness, box, source, time, session
    ROOT/LABEL/crops/ID.jpg    the hand crop

Every file is written atomically and never overwrites; if any part of a sample fails
(disk full, permissions), the parts already written are removed.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from handcam import __version__
from handcam.capture.images import encode_image
from handcam.errors import LabelError, StorageError
from handcam.features.preprocess import PreprocessConfig, crop_hand
from handcam.hands.hand import Hand
from handcam.labels import validate_label
from handcam.system.files import write_bytes_atomic

log = logging.getLogger(__name__)


SESSION_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")  # what new_session_id() makes


def new_session_id() -> str:
    """A recording session's id: its start time and six random hex digits."""
    return datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]


def is_session_id(group: str) -> bool:
    """True for a group that is one of the recorder's sessions (not a named person)."""
    return bool(SESSION_ID.match(group))


@dataclass(frozen=True)
class SavedSample:
    label: str
    image: Path
    sidecar: Path
    crop: Path


class SampleStore:
    """Writes samples under ``root``; one store = one recording session id."""

    def __init__(
        self, root: Path, session: str | None = None, crop_config: PreprocessConfig | None = None
    ) -> None:
        self.root = Path(root).expanduser()
        self.session = session or new_session_id()
        self.crop_config = crop_config or PreprocessConfig()
        self._counter = itertools.count()

    def label_dir(self, label: str) -> Path:
        """The folder for ``label``; raises LabelError if it would leave the dataset root."""
        name = validate_label(label)
        root = self.root.resolve()
        folder = (root / name).resolve()
        if folder.parent != root:
            raise LabelError(f"label {label!r} would write outside {root}")
        return folder

    def save(
        self,
        label: str,
        frame: np.ndarray,
        hand: Hand,
        source: str = "",
        frame_index: int | None = None,
    ) -> SavedSample:
        folder = self.label_dir(label)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        sample_id = f"{stamp}-{self.session[-6:]}-{next(self._counter):04d}"
        crop = crop_hand(frame, hand.landmarks, hand.handedness, self.crop_config)
        sidecar = {
            "label": validate_label(label),
            "hand": hand.to_dict(),
            "source": source,
            "frame_index": frame_index,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "session": self.session,
            "image_size": [int(frame.shape[1]), int(frame.shape[0])],
            "crop": f"crops/{sample_id}.jpg",
            "handcam_version": __version__,
        }
        paths = SavedSample(
            validate_label(label),
            folder / f"{sample_id}.jpg",
            folder / f"{sample_id}.json",
            folder / "crops" / f"{sample_id}.jpg",
        )
        written: list[Path] = []
        try:
            for path, data in (
                (paths.crop, encode_image(crop)),
                (paths.sidecar, json.dumps(sidecar, indent=1, ensure_ascii=False).encode()),
                (paths.image, encode_image(frame)),  # last: the image makes it a sample
            ):
                write_bytes_atomic(path, data)
                written.append(path)
        except (StorageError, OSError) as exc:
            for path in written:
                path.unlink(missing_ok=True)
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"could not save sample in {folder}: {exc}") from exc
        return paths

    def delete(self, sample: SavedSample) -> None:
        """Remove one sample (undo), image first so it never counts half-deleted."""
        for path in (sample.image, sample.sidecar, sample.crop):
            path.unlink(missing_ok=True)

    def counts(self) -> dict[str, int]:
        """Samples per label folder currently in the dataset (still samples and motion
        clips alike)."""
        if not self.root.is_dir():
            return {}
        return {
            d.name: sum(
                1
                for p in d.iterdir()
                if p.name.endswith((".jpg", ".clip.json")) and not p.name.startswith(".")
            )
            for d in sorted(self.root.iterdir())
            if d.is_dir() and not d.name.startswith(".")
        }


def hand_is_steady(previous: Hand | None, current: Hand, tolerance: float = 0.04) -> bool:
    """True when the landmarks moved less than ``tolerance`` of the hand's size."""
    if previous is None:
        return False
    x0, y0, x1, y1 = current.box
    size = max(x1 - x0, y1 - y0, 1.0)
    moved = np.linalg.norm(current.landmarks[:, :2] - previous.landmarks[:, :2], axis=1)
    return float(moved.mean()) / size < tolerance
