"""Classifier runtime: loads a bundle and returns class probabilities for one hand.

Per-frame inference goes through a ``tf.function`` with a fixed input signature
(~1-5 ms on CPU), never ``model.predict``. The model is warmed up at load.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import numpy as np

from handcam.bundle import ModelBundle
from handcam.errors import BundleError
from handcam.preprocess import HandFeatures, feature_size

log = logging.getLogger(__name__)


class Classifier:
    """Interface: ``labels`` and ``predict(features) -> probabilities`` (sum 1)."""

    labels: tuple[str, ...]
    needs_crop: bool = False
    device: str = "cpu"

    def predict(self, features: HandFeatures) -> np.ndarray:
        raise NotImplementedError


def tensorflow_device() -> str:
    """ "GPU:0 (name)" when TensorFlow sees a GPU, else "CPU"."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    try:
        name = tf.config.experimental.get_device_details(gpus[0]).get("device_name", "")
    except (RuntimeError, ValueError):
        name = ""
    return f"GPU:0 {name}".strip()


class KerasClassifier(Classifier):
    """Runs a bundle's Keras model (loaded with ``safe_mode=True``)."""

    def __init__(self, bundle: ModelBundle) -> None:
        from handcam.quiet import configure_native_logging, native_quiet

        configure_native_logging()
        with native_quiet():
            self._load(bundle)

    def _load(self, bundle: ModelBundle) -> None:
        import keras
        import tensorflow as tf

        self.bundle = bundle
        self.labels = bundle.labels
        t0 = time.perf_counter()
        try:
            self.model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
        except Exception as exc:  # keras raises many types for bad files
            raise BundleError(f"{bundle.model_path}: cannot load model ({exc})") from exc
        self._specs = check_model_fits(self.model, bundle)
        self.needs_crop = "crop" in self._specs
        self.device = tensorflow_device()
        signature = [tf.TensorSpec(shape, tf.float32, name=n) for n, shape in self._specs.items()]
        names = list(self._specs)
        model = self.model

        def _forward(*tensors):
            return model(dict(zip(names, tensors, strict=True)), training=False)

        self._fn = tf.function(_forward, input_signature=signature, reduce_retracing=True)
        self._warm_up()
        log.info(
            "loaded %s (%s, %d labels) on %s in %.1f s",
            bundle.path,
            bundle.model_name,
            len(self.labels),
            self.device,
            time.perf_counter() - t0,
        )

    def _warm_up(self) -> None:
        zeros = [np.zeros((1, *shape[1:]), np.float32) for shape in self._specs.values()]
        for _ in range(2):
            self._fn(*zeros)

    def _inputs(self, batch: Sequence[HandFeatures]) -> list[np.ndarray]:
        arrays = []
        for name in self._specs:
            if name == "landmarks":
                arrays.append(np.stack([f.landmarks for f in batch]).astype(np.float32))
            else:
                if any(f.crop is None for f in batch):
                    raise ValueError("this model needs hand crops, but none were given")
                arrays.append(np.stack([f.crop for f in batch]).astype(np.float32))
        return arrays

    def predict(self, features: HandFeatures) -> np.ndarray:
        return np.asarray(self._fn(*self._inputs([features]))[0], dtype=np.float32)


def check_model_fits(model, bundle: ModelBundle) -> dict[str, tuple]:
    """Check a Keras model against its bundle; return {input name: batch-1 shape}."""
    specs: dict[str, tuple] = {}
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        shape = tuple(tensor.shape)
        if name == "landmarks":
            expected = (None, feature_size(bundle.preprocess.features))
        elif name == "crop":
            s = bundle.preprocess.crop_size
            expected = (None, s, s, 3)
        else:
            raise BundleError(
                f"{bundle.path}: model input {name!r} is not one the app can feed "
                "(expected 'landmarks' and/or 'crop')"
            )
        if shape != expected:
            raise BundleError(
                f"{bundle.path}: model input {name!r} has shape {shape}, expected {expected}"
            )
        specs[name] = (1, *expected[1:])
    if set(specs) != set(bundle.inputs):
        raise BundleError(
            f"{bundle.path}: model inputs {sorted(specs)} differ from config {list(bundle.inputs)}"
        )
    out_shape = tuple(model.outputs[0].shape)
    if len(out_shape) != 2 or out_shape[1] != len(bundle.labels):
        raise BundleError(
            f"{bundle.path}: model has {out_shape[-1]} outputs but labels.json has "
            f"{len(bundle.labels)} labels"
        )
    return specs


class FakeClassifier(Classifier):
    """Probabilities from a function of the features (tests). Default: uniform-ish, class 0."""

    def __init__(
        self,
        labels: Sequence[str],
        fn: Callable[[HandFeatures], Sequence[float]] | None = None,
        needs_crop: bool = False,
    ) -> None:
        self.labels = tuple(labels)
        self.needs_crop = needs_crop
        n = len(self.labels)
        self.fn = fn or (lambda f: [0.9 if i == 0 else 0.1 / (n - 1) for i in range(n)])
        self.device = "fake"

    def predict(self, features: HandFeatures) -> np.ndarray:
        p = np.asarray(self.fn(features), dtype=np.float32)
        return p / p.sum()
