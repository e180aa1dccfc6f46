"""Training on whichever Keras backend is installed: the device, mixed precision, and
models saved in float32 whatever trained them.

The backend is Keras's (``KERAS_BACKEND=tensorflow|jax|torch``); each uses its first
GPU by itself when it sees one. Mixed precision pays where the model has convolutions
to run on a GPU's tensor cores; the landmark MLP is too small to gain from it, and on a
CPU it only costs. The output layer always stays float32.
"""

from __future__ import annotations

import os

from handcam.system.accelerator import Device, keras_device
from training.progress import Progress

PRECISION_ENV = "HANDCAM_PRECISION"  # float32 | mixed_float16 | mixed_bfloat16 | auto
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def choose_precision(device: Device, inputs: tuple[str, ...]) -> str:
    """The Keras dtype policy for a model with ``inputs`` on ``device``.

    Crop models on a GPU: bfloat16 where the GPU computes it natively (compute
    capability 8.0 and later: no loss scaling needed), else float16 with loss scaling.
    Everything else: float32. ``HANDCAM_PRECISION`` overrides (for measurements).
    """
    asked = os.environ.get(PRECISION_ENV, "auto").strip() or "auto"
    if asked != "auto":
        if asked not in POLICIES:
            raise ValueError(f"{PRECISION_ENV}={asked!r}: use auto or one of {POLICIES}")
        return asked
    if not device.gpu or "crop" not in inputs:
        return "float32"
    if device.capability and device.capability >= (8, 0):
        return "mixed_bfloat16"
    return "mixed_float16"


def select_device(progress: Progress, inputs: tuple[str, ...] = ("crop",)) -> dict:
    """Say where training runs (backend and device); set the dtype policy for a model
    with ``inputs``. Returns {"backend", "device", "gpu", "precision"}."""
    import keras

    device = keras_device()
    precision = choose_precision(device, inputs)
    keras.mixed_precision.set_global_policy(precision)
    where = device.describe()
    if device.gpu:
        why = "mixed precision" if precision != "float32" else "float32: too small to gain"
        progress.message(f"training on {where}, {precision} ({why})")
    else:
        progress.message(f"training on {where}, {precision}; no GPU found")
    return {
        "backend": device.backend,
        "device": device.name,
        "gpu": device.gpu,
        "precision": precision,
    }


def float32_model(model):
    """``model`` itself when it computes in float32; else a float32 copy with its weights
    (what is saved and exported: the app runs float32 on any CPU)."""
    import keras

    if not _has_mixed(model):
        return model
    config = _float32_config(model.get_config())
    copy = model.__class__.from_config(config)
    copy.set_weights(model.get_weights())
    return copy if isinstance(copy, keras.Model) else model


def _has_mixed(model) -> bool:
    return any(
        getattr(getattr(layer, "dtype_policy", None), "name", "float32") != "float32"
        for layer in model._flatten_layers(include_self=True)
    )


def _float32_config(value):
    """A model config with every mixed dtype policy replaced by float32."""
    if isinstance(value, dict):
        if value.get("class_name") == "DTypePolicy" and isinstance(value.get("config"), dict):
            return {**value, "config": {**value["config"], "name": "float32"}}
        return {
            k: "float32"
            if k == "dtype" and isinstance(v, str) and v.startswith("mixed_")
            else _float32_config(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_float32_config(v) for v in value]
    return value


def to_numpy(tensor):
    """A backend tensor (a CUDA one too) as a numpy array."""
    import keras

    return keras.ops.convert_to_numpy(tensor)


def set_seed(seed: int) -> None:
    """``keras.utils.set_random_seed``, without importing TensorFlow (seconds, and most of
    a gigabyte) only to seed it when Keras runs on another backend."""
    import random

    import keras
    import numpy as np

    backend = keras.config.backend()
    if backend == "tensorflow" or not installed("tensorflow"):
        keras.utils.set_random_seed(seed)
        return
    try:
        from keras.src.backend.common import global_state
        from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED
    except ImportError:  # another Keras layout: seed as Keras does, TensorFlow included
        keras.utils.set_random_seed(seed)
        return
    random.seed(seed)
    np.random.seed(seed)
    if backend == "torch":
        import torch

        torch.manual_seed(seed)
    global_state.set_global_attribute(GLOBAL_RANDOM_SEED, seed)


def installed(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
