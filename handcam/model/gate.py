""" "Not a sign": reading a bundle's gate, for hand shapes unlike all of its signs.

File ``openset.npz`` in a bundle. Bundles trained since issue 10 carry the turn-free,
leave-people-out calibrated gate of :mod:`handcam.model.shape_gate` (with a ``format``
entry; fitted by ``training.gate_fit``); older ones a Mahalanobis gate, read by the
compatibility reader :mod:`handcam.model.legacy_gate`. :func:`load_gate` reads either.
"""

from __future__ import annotations

import logging
import os
import zipfile
import zlib
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.model.legacy_gate import (
    MahalanobisGate,
    calibrated_on_own_hands,
    read_mahalanobis_gate,
)
from handcam.model.shape_gate import SHAPE_FORMAT, ShapeGate

log = logging.getLogger(__name__)

OPENSET_FILE = "openset.npz"
Gate = MahalanobisGate | ShapeGate  # what a bundle's openset.npz holds


def load_gate(bundle_path: str | os.PathLike, feature_size: int) -> Gate | None:
    """The bundle's "not a sign" gate, or None when it has none (older or crop bundles) or
    only a Mahalanobis gate calibrated on its own training hands (see
    :mod:`handcam.model.legacy_gate`). BundleError when the file is broken or does not fit
    the model."""
    path = Path(bundle_path) / OPENSET_FILE
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            fmt = str(z["format"]) if "format" in z.files else None
            if fmt is not None and fmt != SHAPE_FORMAT:
                raise BundleError(f"{path}: a gate format this handcam does not know ({fmt})")
            if fmt == SHAPE_FORMAT:
                try:
                    return ShapeGate.from_npz(z, feature_size)
                except ValueError as exc:
                    raise BundleError(f"{path}: open-set gate: {exc}") from exc
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise BundleError(f"{path}: unreadable open-set calibration ({exc})") from exc
    gate = read_mahalanobis_gate(path, feature_size)
    if calibrated_on_own_hands(Path(bundle_path)):
        log.warning(
            "%s: its 'not a sign' gate was calibrated on its own training hands and hides "
            "other people's signs; running without it (retrain for the new gate)",
            Path(bundle_path).name,
        )
        return None
    return gate


def describe_gate(gate: Gate | None) -> str:
    """One line for the window: what "not a sign" does with this model."""
    return "not a sign: none (this model has no gate)" if gate is None else gate.describe()
