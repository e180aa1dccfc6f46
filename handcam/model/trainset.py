"""A set of detected hands with labels: what a bundle carries of its own training data.

Only numbers derived from the photos travel (MediaPipe landmarks, world landmarks,
handedness), never the photos. A later retrain can recompute any feature set from them,
merge them with new recordings, and keep the same people in the same split parts.

File ``trainset.npz`` (``numpy.savez_compressed``, no pickles)::

    landmarks   (N, 21, 3) float32  image landmarks in pixels (z in the scale of x)
    world       (N, 21, 3) float32  world landmarks in metres (NaN where unknown)
    handedness  (N,) str            "Left" / "Right", as MediaPipe reported it
    labels      (N,) str            class name
    groups      (N,) str            signer or recording session ("" when unknown)
    parts       (N,) str            "train" / "validation" / "test" in the bundle's own
                                    training ("" when not assigned yet)
    origins     (N,) str            where the sample came from (dataset/file), for reports
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.hands.hand import NUM_LANDMARKS, Hand

TRAINSET_FILE = "trainset.npz"
_STR_FIELDS = ("handedness", "labels", "groups", "parts", "origins")


@dataclass(frozen=True, eq=False)
class HandSet:
    """Aligned arrays, one row per labelled hand. Immutable by convention."""

    landmarks: np.ndarray
    world: np.ndarray
    handedness: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    parts: np.ndarray
    origins: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.labels)
        if self.landmarks.shape != (n, NUM_LANDMARKS, 3) or self.world.shape != (
            n,
            NUM_LANDMARKS,
            3,
        ):
            raise ValueError(
                f"landmark arrays must be ({n}, {NUM_LANDMARKS}, 3), got "
                f"{self.landmarks.shape} and {self.world.shape}"
            )
        for name in _STR_FIELDS:
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} rows, expected {n}")

    def __len__(self) -> int:
        return len(self.labels)

    @classmethod
    def empty(cls) -> HandSet:
        z = np.zeros((0, NUM_LANDMARKS, 3), np.float32)
        s = np.array([], dtype=str)
        return cls(z, z.copy(), s, s, s, s, s)

    @classmethod
    def from_hands(
        cls,
        hands: Sequence[Hand],
        labels: Sequence[str],
        groups: Sequence[str] | None = None,
        origins: Sequence[str] | None = None,
        parts: Sequence[str] | None = None,
    ) -> HandSet:
        n = len(hands)
        if n == 0:
            return cls.empty()
        world = [
            h.world_landmarks
            if h.world_landmarks is not None
            else np.full((NUM_LANDMARKS, 3), np.nan, np.float32)
            for h in hands
        ]
        return cls(
            landmarks=np.stack([h.landmarks for h in hands]).astype(np.float32),
            world=np.stack(world).astype(np.float32),
            handedness=_strings([h.handedness for h in hands]),
            labels=_strings(labels),
            groups=_strings(groups if groups is not None else [""] * n),
            parts=_strings(parts if parts is not None else [""] * n),
            origins=_strings(origins if origins is not None else [""] * n),
        )

    def subset(self, rows: np.ndarray) -> HandSet:
        """The rows selected by an index array or a boolean mask."""
        return HandSet(**{name: getattr(self, name)[rows] for name in _ALL_FIELDS})

    def with_parts(self, parts: np.ndarray) -> HandSet:
        return HandSet(**{**self._fields(), "parts": _strings(parts)})

    def hand(self, i: int) -> Hand:
        world = self.world[i]
        return Hand(
            self.landmarks[i],
            str(self.handedness[i]),
            1.0,
            None if np.isnan(world).any() else world,
        )

    @staticmethod
    def concat(sets: Sequence[HandSet]) -> HandSet:
        sets = [s for s in sets if len(s)]
        if not sets:
            return HandSet.empty()
        return HandSet(
            **{
                name: (
                    np.concatenate([getattr(s, name) for s in sets]).astype(np.float32)
                    if name in ("landmarks", "world")
                    else _strings(np.concatenate([getattr(s, name).astype(str) for s in sets]))
                )
                for name in _ALL_FIELDS
            }
        )

    def _fields(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ALL_FIELDS}

    # --- files ---------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the set (compressed); the caller makes the write atomic (bundle folder)."""
        buf = io.BytesIO()
        np.savez_compressed(buf, **{k: np.asarray(v) for k, v in self._fields().items()})
        Path(path).write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike) -> HandSet:
        """Read and validate a ``trainset.npz``; BundleError naming the file if it is bad."""
        p = Path(path)
        try:
            with np.load(p, allow_pickle=False) as z:
                data = {name: z[name] for name in _ALL_FIELDS}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            raise BundleError(f"{p}: unreadable carried training set ({exc})") from exc
        try:
            for name in ("landmarks", "world"):
                data[name] = np.asarray(data[name], dtype=np.float32)
            if not np.isfinite(data["landmarks"]).all():
                raise ValueError("landmarks contain NaN or infinite values")
            for name in _STR_FIELDS:
                if data[name].dtype.kind not in "U":
                    raise ValueError(f"{name} is not text")
            return cls(**data)
        except ValueError as exc:
            raise BundleError(f"{p}: bad carried training set ({exc})") from exc


_ALL_FIELDS = ("landmarks", "world", *_STR_FIELDS)


def _strings(values) -> np.ndarray:
    """A numpy unicode array (never object dtype, so it saves without pickles)."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    if arr.size == 0:
        return np.array([], dtype=str)
    return arr.astype(str)


def load_bundle_handset(bundle_path: str | os.PathLike) -> HandSet | None:
    """A bundle's carried training set, or None when it carries none; BundleError when it
    is not the file saved with the bundle."""
    from handcam.model.integrity import verify_file

    path = Path(bundle_path) / TRAINSET_FILE
    if not path.is_file():
        return None
    verify_file(bundle_path, TRAINSET_FILE)
    return HandSet.load(path)
