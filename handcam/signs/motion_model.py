"""A bundle's learned motion signs (``motion.npz``): a small network on
:mod:`handcam.signs.motion_features` windows, run with numpy on every frame.

The file holds the signs (``labels``; the network's last output is "no motion sign"), the
feature scaling, the dense layers' weights (ReLU between them, softmax at the end), the
window lengths the spotter tries, the probability from which a sign is caught and on how
many frames in a row. :mod:`training.motion` writes it; :func:`load_motion_model` reads it
and says what is wrong with a bad one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.labels import validate_label
from handcam.signs.motion_features import FEATURES, energy, extent

MOTION_FILE = "motion.npz"
MOTION_CLIPS_FILE = "motion_clips.npz"  # the clips it learned from (what --init carries)


@dataclass(frozen=True, eq=False)
class MotionModel:
    labels: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    members: tuple[tuple[np.ndarray, ...], ...]  # per network: W0, b0, W1, b1, ...
    durations: np.ndarray  # window lengths tried, seconds
    threshold: float = 0.9
    confirm: int = 2
    still_like: dict[str, tuple[str, ...]] | None = None  # still signs a motion passes through
    min_energy: np.ndarray | None = None  # per sign: less motion than this is not it
    rest_ratio: float = 0.0  # caught once the hand slows to this share of its peak (0: off)
    min_extent: np.ndarray | None = None  # per sign: a hand that went less far is not it

    def __post_init__(self) -> None:
        if self.mean.shape != (FEATURES,) or self.scale.shape != (FEATURES,):
            raise ValueError(f"feature scaling must have {FEATURES} values")
        if not self.members:
            raise ValueError("no network")
        for weights in self.members:
            ins = FEATURES
            for w, b in zip(weights[::2], weights[1::2], strict=True):
                if w.ndim != 2 or w.shape[0] != ins or b.shape != (w.shape[1],):
                    raise ValueError("layer shapes do not chain")
                ins = w.shape[1]
            if ins != len(self.labels) + 1:
                raise ValueError(f"{ins} outputs for {len(self.labels)} signs (+1 for none)")
        if not 0 < self.threshold <= 1 or self.confirm < 1 or not len(self.durations):
            raise ValueError("bad threshold, confirm or durations")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """(N, FEATURES) -> (N, signs + 1) probabilities, the last "none" (the mean of
        the networks')."""
        x0 = (np.asarray(features, np.float32) - self.mean) / self.scale
        out = 0.0
        for weights in self.members:
            x = x0
            layers = list(zip(weights[::2], weights[1::2], strict=True))
            for k, (w, b) in enumerate(layers):
                x = x @ w + b
                if k < len(layers) - 1:
                    x = np.maximum(x, 0.0)
            e = np.exp(x - x.max(axis=1, keepdims=True))
            out = out + e / e.sum(axis=1, keepdims=True)
        out = out / len(self.members)
        # a window that moved too little, or where the hand itself went too little, is
        # none of the signs whose floor it is under
        low = np.zeros(out[:, :-1].shape, bool)
        if self.min_energy is not None:
            low |= energy(features)[:, None] < self.min_energy[None]
        if self.min_extent is not None:
            low |= extent(features)[:, None] < self.min_extent[None]
        out[:, :-1] = np.where(low, 0.0, out[:, :-1])
        return out

    def save(self, path: str | os.PathLike) -> None:
        arrays = {f"m{j}_w{k}": w for j, ws in enumerate(self.members) for k, w in enumerate(ws)}
        meta = {
            "labels": list(self.labels),
            "threshold": self.threshold,
            "confirm": self.confirm,
            "still_like": {k: list(v) for k, v in (self.still_like or {}).items()},
            "rest_ratio": self.rest_ratio,
        }
        with open(path, "wb") as fh:
            if self.min_energy is not None:
                arrays["min_energy"] = np.asarray(self.min_energy, np.float32)
            if self.min_extent is not None:
                arrays["min_extent"] = np.asarray(self.min_extent, np.float32)
            np.savez(
                fh,
                mean=self.mean,
                scale=self.scale,
                durations=self.durations,
                meta=np.array(json.dumps(meta)),
                **arrays,
            )


def load_motion_model(path: str | os.PathLike) -> MotionModel:
    """The motion model in ``path``; BundleError naming it when it cannot be used."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            names = [k for k in z.files if k.startswith("m") and "_w" in k]
            count = 1 + max(int(k[1 : k.index("_")]) for k in names)
            members = tuple(
                tuple(
                    z[f"m{j}_w{k}"].astype(np.float32)
                    for k in range(sum(1 for n in names if n.startswith(f"m{j}_")))
                )
                for j in range(count)
            )
            labels = tuple(validate_label(x) for x in meta["labels"])
            if z["mean"].shape != (FEATURES,):
                raise BundleError(
                    f"{path}: made by an earlier handcam (its motion signs read "
                    f"{z['mean'].size} features a window, this one {FEATURES}): "
                    f"handcam-train DATA --init {path.parent} learns them again from the "
                    "clips it carries (DATA: new samples or clips, or that bundle itself)"
                )
            return MotionModel(
                labels,
                z["mean"].astype(np.float32),
                z["scale"].astype(np.float32),
                members,
                z["durations"].astype(np.float64),
                float(meta["threshold"]),
                int(meta["confirm"]),
                {k: tuple(v) for k, v in meta.get("still_like", {}).items()},
                z["min_energy"].astype(np.float32) if "min_energy" in z.files else None,
                float(meta.get("rest_ratio", 0.0)),
                z["min_extent"].astype(np.float32) if "min_extent" in z.files else None,
            )
    except BundleError:
        raise
    except Exception as exc:  # a damaged or foreign file: say which and why
        raise BundleError(f"{path}: not a motion model this handcam can read ({exc})") from exc
