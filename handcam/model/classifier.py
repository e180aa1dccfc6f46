"""Classifier runtimes: load a bundle and return class probabilities for one hand.

:func:`load_classifier` picks the runtime (the app, ``predict`` and ``bench`` all use
it): the bundle's TFLite export through LiteRT on CPU (a landmark MLP: ~0.005 ms per
hand, against ~0.6 ms for the Keras model); the Keras model, compiled once on whichever
backend Keras runs (TensorFlow, JAX or PyTorch), when there is no export, or when a GPU
is there to serve a model that takes image crops. Never ``model.predict`` per frame.
Both warm up at load.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.features.preprocess import HandFeatures, feature_size
from handcam.model.bundle import ModelBundle
from handcam.model.personal import FEATURES, PERSONAL_FILE, PersonalShapes, load_personal
from handcam.system.accelerator import keras_device
from handcam.system.litert import make_interpreter, tflite_runtime

log = logging.getLogger(__name__)


class Classifier:
    """Interface: ``labels`` and ``predict(features) -> probabilities`` (sum 1)."""

    labels: tuple[str, ...]
    needs_crop: bool = False
    device: str = "cpu"

    def predict(self, features: HandFeatures) -> np.ndarray:
        raise NotImplementedError

    def is_own_shape(self, features: HandFeatures, label: int) -> bool:
        """Whether the hand is one of the person's own shapes of sign ``label`` (a
        calibration's, :mod:`handcam.model.personal`): never held back as "not a sign"."""
        return False


class KerasClassifier(Classifier):
    """Runs a bundle's Keras model (loaded with ``safe_mode=True``)."""

    def __init__(self, bundle: ModelBundle) -> None:
        from handcam.system.native_logs import configure_native_logging, native_quiet

        configure_native_logging()
        with native_quiet():
            self._load(bundle)

    def _load(self, bundle: ModelBundle) -> None:
        import keras

        bundle.check(bundle.model_path.name)  # a damaged file is named, not half-loaded
        self.bundle = bundle
        self.labels = bundle.labels
        t0 = time.perf_counter()
        try:
            self.model = keras.models.load_model(bundle.model_path, compile=False, safe_mode=True)
        except Exception as exc:  # keras raises many types for bad files
            raise BundleError(f"{bundle.model_path}: cannot load model ({exc})") from exc
        self._specs = check_model_fits(self.model, bundle)
        self.needs_crop = "crop" in self._specs
        device = keras_device()
        self.device = device.describe()
        self._fn = compiled_forward(self.model, self._specs)
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
        import keras

        out = keras.ops.convert_to_numpy(self._fn(*self._inputs([features])))
        return np.asarray(out[0], dtype=np.float32)


def compiled_forward(model, specs: dict[str, tuple]) -> Callable:
    """``fn(*arrays) -> probabilities``, compiled once for batch-1 inputs named as
    ``specs``: a ``tf.function`` with a fixed signature (TensorFlow), a ``jax.jit``
    (JAX), the model under ``torch.no_grad`` (PyTorch)."""
    import keras

    names = list(specs)
    backend = keras.config.backend()
    pack = input_packer(model, names)
    if backend == "tensorflow":
        import tensorflow as tf

        signature = [tf.TensorSpec(shape, tf.float32, name=n) for n, shape in specs.items()]

        def forward(*tensors):
            return model(pack(tensors), training=False)

        return tf.function(forward, input_signature=signature, reduce_retracing=True)
    if backend == "jax":
        import jax

        state = (
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
        )

        @jax.jit
        def stateless(trainable, non_trainable, *arrays):
            inputs = pack(arrays)
            return model.stateless_call(trainable, non_trainable, inputs, training=False)[0]

        return lambda *arrays: stateless(*state, *arrays)
    if backend == "torch":
        import torch

        def no_grad(*arrays):
            with torch.no_grad():
                return model(pack(arrays), training=False)

        return no_grad
    return lambda *arrays: model(pack(arrays), training=False)


def input_packer(model, names: list[str]) -> Callable:
    """Arrays (in ``names`` order) -> the structure the model was built with: a dict by
    name, a list, or one tensor (a mismatched structure makes Keras warn on every call)."""
    struct = getattr(model, "input", None)
    if isinstance(struct, dict):
        return lambda arrays: dict(zip(names, arrays, strict=True))
    if isinstance(struct, list | tuple):
        order = [names.index(t.name.split(":")[0]) for t in struct]
        return lambda arrays: [arrays[i] for i in order]
    return lambda arrays: arrays[0]


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


TFLITE_FILES = ("model_fp16.tflite", "model.tflite", "model_int8.tflite")  # preferred first


class TFLiteClassifier(Classifier):
    """Runs a bundle's TFLite export with one interpreter thread (LiteRT, else TensorFlow).

    Input sizes come from the model file, so a bundle with another landmark feature
    size works as long as the app's preprocessing produces that size.
    """

    def __init__(self, bundle: ModelBundle, path: Path | None = None) -> None:
        path = path or tflite_file(bundle)
        if path is None:
            raise BundleError(f"{bundle.path}: no TFLite export ({', '.join(TFLITE_FILES)})")
        bundle.check(path.name)
        self.bundle = bundle
        self.labels = bundle.labels
        self.path = path
        try:
            self._it = make_interpreter(path)
        except (ValueError, RuntimeError) as exc:
            raise BundleError(f"{path}: cannot load TFLite model ({exc})") from exc
        self._inputs: dict[str, dict] = {}
        for d in self._it.get_input_details():
            name = next((n for n in bundle.inputs if n in d["name"]), None)
            if name is None and len(bundle.inputs) == 1:
                name = bundle.inputs[0]
            if name is None or name in self._inputs:
                raise BundleError(f"{path}: input {d['name']!r} matches none of {bundle.inputs}")
            self._inputs[name] = d
        if set(self._inputs) != set(bundle.inputs):
            raise BundleError(f"{path}: inputs {sorted(self._inputs)} differ from {bundle.inputs}")
        self._out = self._it.get_output_details()[0]
        if int(self._out["shape"][-1]) != len(self.labels):
            raise BundleError(
                f"{path}: model has {int(self._out['shape'][-1])} outputs but labels.json has "
                f"{len(self.labels)} labels"
            )
        self.needs_crop = "crop" in self._inputs
        self.input_shapes = {n: tuple(int(v) for v in d["shape"]) for n, d in self._inputs.items()}
        self.device = f"CPU (TFLite {path.name}, {tflite_runtime()})"
        for name, d in self._inputs.items():  # warm up
            self._it.set_tensor(d["index"], np.zeros(self.input_shapes[name], d["dtype"]))
        self._it.invoke()
        log.info("loaded %s on %s", path, self.device)

    def _set(self, name: str, value: np.ndarray) -> None:
        d = self._inputs[name]
        shape = self.input_shapes[name]
        if value.size != int(np.prod(shape)):
            raise ValueError(
                f"{self.path}: input {name!r} takes {shape[1:]}, the features give {value.shape}"
            )
        scale, zero = d["quantization"]
        if np.issubdtype(d["dtype"], np.integer) and scale:
            info = np.iinfo(d["dtype"])
            value = np.clip(np.round(value / scale + zero), info.min, info.max)
        self._it.set_tensor(d["index"], value.reshape(shape).astype(d["dtype"]))

    def predict(self, features: HandFeatures) -> np.ndarray:
        if "landmarks" in self._inputs:
            self._set("landmarks", features.landmarks)
        if self.needs_crop:
            if features.crop is None:
                raise ValueError("this model needs hand crops, but none were given")
            self._set("crop", features.crop.astype(np.float32))
        self._it.invoke()
        out = self._it.get_tensor(self._out["index"])[0]
        scale, zero = self._out["quantization"]
        if np.issubdtype(out.dtype, np.integer) and scale:
            out = (out.astype(np.float32) - zero) * scale
        return np.asarray(out, dtype=np.float32)


def tflite_file(bundle: ModelBundle) -> Path | None:
    """The bundle's preferred TFLite export that is not damaged, or None."""
    return next(
        (
            bundle.path / n
            for n in TFLITE_FILES
            if (bundle.path / n).is_file() and n not in bundle.damaged
        ),
        None,
    )


class WithMotionSigns(Classifier):
    """A still classifier with a bundle's motion signs (J, Z) after its own labels, each
    at probability 0: a still hand is never one of them; the motion recogniser reads them
    (:mod:`handcam.signs.motion`) and everything downstream sees one list of signs."""

    def __init__(self, still: Classifier, motion_signs: Sequence[str]) -> None:
        self.still = still
        self.motion_signs = tuple(motion_signs)
        self.labels = (*still.labels, *self.motion_signs)
        self.needs_crop = still.needs_crop
        self.device = still.device
        self._pad = np.zeros(len(motion_signs), np.float32)
        if hasattr(still, "path"):
            self.path = still.path  # the file signs are read from

    def predict(self, features: HandFeatures) -> np.ndarray:
        return np.concatenate([np.asarray(self.still.predict(features), np.float32), self._pad])

    def is_own_shape(self, features: HandFeatures, label: int) -> bool:
        return label < len(self.still.labels) and self.still.is_own_shape(features, label)


class NoStill(Classifier):
    """The still classifier of a bundle of motion signs only: no still sign, ever."""

    labels: tuple[str, ...] = ()
    needs_crop = False
    device = "cpu"

    def predict(self, features: HandFeatures) -> np.ndarray:
        return np.zeros(0, np.float32)


def load_classifier(bundle: ModelBundle, runtime: str = "auto") -> Classifier:
    """The classifier for a bundle; ``runtime``: "auto", "tflite" or "keras".

    auto: the TFLite export on CPU; Keras when there is no export or no TFLite
    runtime, or when the model takes crops (a CNN) and TensorFlow sees a GPU.
    """
    if runtime not in ("auto", "tflite", "keras"):
        raise ValueError(f"runtime must be auto, tflite or keras, not {runtime!r}")
    if bundle.motion_only:
        return WithMotionSigns(NoStill(), bundle.motion_signs)
    still = with_personal_shapes(_still_classifier(bundle, runtime), bundle)
    return WithMotionSigns(still, bundle.motion_signs) if bundle.motion_signs else still


def with_personal_shapes(still: Classifier, bundle: ModelBundle) -> Classifier:
    """``still`` leaning toward the bundle's personal shapes, when a calibration kept some
    (:mod:`handcam.model.personal`); a damaged file loses only them (said in the log)."""
    if not bundle.personal or "landmarks" not in bundle.inputs:
        return still
    if PERSONAL_FILE in bundle.damaged:  # said once, with the bundle's other damage
        return still
    if bundle.preprocess.features != FEATURES:
        log.warning("%s: personal shapes need %r features; not used", bundle.path, FEATURES)
        return still
    try:
        size = feature_size(bundle.preprocess.features)
        shapes = load_personal(bundle.path / PERSONAL_FILE, size)
    except BundleError as exc:
        log.warning("%s; running without your own hand shapes", exc)
        return still
    if not (shapes.rows_of(still.labels) >= 0).any():
        log.warning("%s: no personal shape is of this model's signs; not used", bundle.path)
        return still
    return WithPersonalShapes(still, shapes)


def _still_classifier(bundle: ModelBundle, runtime: str) -> Classifier:
    if runtime == "tflite":
        return TFLiteClassifier(bundle)
    exported = runtime == "auto" and tflite_file(bundle) is not None and tflite_runtime()
    if exported and ("crop" not in bundle.inputs or not keras_device().gpu):
        return TFLiteClassifier(bundle)
    return KerasClassifier(bundle)


def personal_shapes_in_use(classifier: Classifier) -> int:
    """How many of a person's hand shapes ``classifier`` leans toward (0: none)."""
    inner = getattr(classifier, "still", classifier)  # inside WithMotionSigns
    if not isinstance(inner, WithPersonalShapes):
        return 0
    return int((inner.rows >= 0).sum())


class WithPersonalShapes(Classifier):
    """A classifier whose readings lean toward a person's own hand shapes
    (:mod:`handcam.model.personal`)."""

    def __init__(self, inner: Classifier, shapes: PersonalShapes) -> None:
        self.inner = inner
        self.shapes = shapes
        self.labels = inner.labels
        self.needs_crop = inner.needs_crop
        self.device = inner.device
        self.rows = shapes.rows_of(inner.labels)
        self._last: tuple[HandFeatures | None, np.ndarray] = (None, np.zeros(0))
        if hasattr(inner, "path"):
            self.path = inner.path  # the file signs are read from

    def _distances(self, features: HandFeatures) -> np.ndarray:
        """The hand's distances to the shapes, once a hand (predict, then the gate asks)."""
        if self._last[0] is not features:
            self._last = (features, self.shapes.distances(features.landmarks))
        return self._last[1]

    def is_own_shape(self, features: HandFeatures, label: int) -> bool:
        mine = self.rows == label
        return bool(mine.any() and self._distances(features)[mine].min() <= self.shapes.sigma)

    def predict(self, features: HandFeatures) -> np.ndarray:
        p = np.asarray(self.inner.predict(features), np.float32)
        q = p * self.shapes.boost(self._distances(features), self.rows, len(p))
        total = float(q.sum())
        return (q / total).astype(np.float32) if total > 0 else p
