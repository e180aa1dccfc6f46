"""Which Keras backend runs, and on which device: TensorFlow, JAX or PyTorch.

Keras 3 runs on the backend named by ``KERAS_BACKEND`` (else ``~/.keras/keras.json``,
else TensorFlow). Each backend finds the GPU by itself; this module only asks it, and
imports nothing but Keras and that backend (never TensorFlow under JAX or PyTorch).
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Device:
    """Where Keras computes: ``backend``, ``kind`` ("GPU" or "CPU"), a readable ``name``,
    and for a GPU its CUDA compute capability (e.g. (9, 0)) when the backend says."""

    backend: str
    kind: str
    name: str
    capability: tuple[int, int] | None = None

    @property
    def gpu(self) -> bool:
        return self.kind == "GPU"

    def describe(self) -> str:
        """e.g. "GPU:0 NVIDIA H200 (jax)" or "CPU, 2 cores (tensorflow)"."""
        return f"{self.name} ({self.backend})"

    def to_dict(self) -> dict:
        out = asdict(self)
        out["capability"] = list(self.capability) if self.capability else None
        return out


def keras_backend() -> str:
    """The backend Keras runs on (imports Keras, and with it that backend)."""
    from handcam.system.native_logs import native_quiet

    with native_quiet():
        import keras

    return keras.config.backend()


def keras_device() -> Device:
    """The device the Keras backend computes on: its first GPU when it sees one."""
    backend = keras_backend()
    probe = {"tensorflow": _tensorflow, "jax": _jax, "torch": _torch}.get(backend)
    try:
        found = probe() if probe else None
    except Exception as exc:  # a broken CUDA set-up must not stop the app or training
        log.warning("%s could not list its devices (%s); assuming CPU", backend, exc)
        found = None
    if found is None:
        return Device(backend, "CPU", f"CPU, {os.cpu_count()} cores")
    name, capability = found
    return Device(backend, "GPU", f"GPU:0 {name}".strip(), capability)


def _tensorflow() -> tuple[str, tuple[int, int] | None] | None:
    from handcam.system.native_logs import native_quiet

    with native_quiet():
        import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    try:
        details = tf.config.experimental.get_device_details(gpus[0])
    except (RuntimeError, ValueError):
        details = {}
    cap = details.get("compute_capability")
    return details.get("device_name", ""), (tuple(cap) if cap else None)


def _jax() -> tuple[str, tuple[int, int] | None] | None:
    import jax

    gpus = [d for d in jax.devices() if d.platform in ("gpu", "cuda", "rocm")]
    if not gpus:
        return None
    cap = getattr(gpus[0], "compute_capability", None)  # "9.0" on CUDA
    try:
        major, minor = (int(v) for v in str(cap).split(".")[:2])
        capability = (major, minor)
    except ValueError:
        capability = None
    return getattr(gpus[0], "device_kind", "") or "", capability


def _torch() -> tuple[str, tuple[int, int] | None] | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return torch.cuda.get_device_name(0), tuple(torch.cuda.get_device_capability(0))
