"""Crop augmentation as a few batched tensor ops, fast on a GPU and on any backend.

Keras's five Random* layers (rotation, zoom, translation, brightness, contrast) took
over 90% of a GPU's training time: each warps the batch on its own. :class:`CropAugment`
gives each crop the same variety with one affine warp (rotation, zoom and shift
composed into one matrix, bilinear sampling, edges replicated as ``fill_mode="nearest"``)
and then brightness and contrast, in ``keras.ops`` only (TensorFlow, JAX, PyTorch).

It is never part of a saved model: training wraps the model in it
(:func:`with_crop_augment`) and saves the model alone, so the app's preprocessing and
the exports do not change. At ``training=False`` it only casts to float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Keras's layers this replaces took these factors (rotation as a fraction of a turn).
ROTATION = 0.05  # +-18 degrees
ZOOM = 0.12  # scale 0.88-1.12
SHIFT = 0.06  # of the crop size, each axis
BRIGHTNESS = 0.25  # of the 0..255 range, added
CONTRAST = 0.25  # factor 0.75-1.25 about each channel's mean


@dataclass(frozen=True)
class CropVariety:
    """Ranges of the random changes, at ``strength`` times the defaults above."""

    rotate_rad: float
    zoom: float
    shift: float
    brightness: float
    contrast: float

    @classmethod
    def at(cls, strength: float = 1.0) -> CropVariety:
        s = float(strength)
        return cls(ROTATION * s * 2 * math.pi, ZOOM * s, SHIFT * s, BRIGHTNESS * s, CONTRAST * s)


def _layer_class():
    import keras
    from keras import ops

    class CropAugment(keras.layers.Layer):
        """Random rotation, zoom, shift, brightness and contrast of (B, S, S, C) crops in
        0..255 while training; float32 crops out. ``seed`` makes it repeatable."""

        def __init__(self, strength: float = 1.0, seed: int | None = None, **kwargs):
            kwargs.setdefault("dtype", "float32")  # pixel geometry in float32, always
            super().__init__(**kwargs)
            self.strength = float(strength)
            self.seed = seed
            self.variety = CropVariety.at(strength)
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, images, training=None):
            images = ops.cast(images, "float32")
            if not training:
                return images
            return augment_crops(images, self.variety, self.seed_generator)

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {**super().get_config(), "strength": self.strength, "seed": self.seed}

    return CropAugment


_CLASS = None


def CropAugment(strength: float = 1.0, seed: int | None = None, **kwargs):  # noqa: N802
    """A :class:`CropAugment` layer (the class is made on first use: Keras loads lazily)."""
    global _CLASS
    if _CLASS is None:
        _CLASS = _layer_class()
    return _CLASS(strength=strength, seed=seed, **kwargs)


def augment_crops(images, variety: CropVariety, seed):
    """Randomly changed copies of float32 (B, H, W, C) crops in 0..255."""
    from keras import ops, random

    b = ops.shape(images)[0]
    h, w, c = (int(v) for v in images.shape[1:])

    def uniform(limit: float, centre: float = 0.0):
        return random.uniform((b, 1, 1), centre - limit, centre + limit, seed=seed)

    angle, scale = uniform(variety.rotate_rad), uniform(variety.zoom, 1.0)
    dx, dy = uniform(variety.shift * w), uniform(variety.shift * h)
    # Each output pixel reads the source at R(-angle) * scale * (p - centre) + centre - d.
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    ys = ops.reshape(ops.arange(h, dtype="float32") - cy, (1, h, 1))
    xs = ops.reshape(ops.arange(w, dtype="float32") - cx, (1, 1, w))
    cos, sin = ops.cos(angle) * scale, ops.sin(angle) * scale
    src_x = ops.clip(cos * xs + sin * ys + cx - dx, 0.0, w - 1.0)  # edges replicate
    src_y = ops.clip(cos * ys - sin * xs + cy - dy, 0.0, h - 1.0)
    x0, y0 = ops.floor(src_x), ops.floor(src_y)
    fx, fy = ops.expand_dims(src_x - x0, -1), ops.expand_dims(src_y - y0, -1)
    x0, y0 = ops.cast(x0, "int32"), ops.cast(y0, "int32")
    x1, y1 = ops.minimum(x0 + 1, w - 1), ops.minimum(y0 + 1, h - 1)
    flat = ops.reshape(images, (-1, c))
    base = ops.reshape(ops.arange(b, dtype="int32") * (h * w), (-1, 1, 1))

    def tap(yy, xx):
        idx = ops.reshape(base + yy * w + xx, (-1,))
        return ops.reshape(ops.take(flat, idx, axis=0), (-1, h, w, c))

    top = tap(y0, x0) * (1 - fx) + tap(y0, x1) * fx
    bottom = tap(y1, x0) * (1 - fx) + tap(y1, x1) * fx
    out = top * (1 - fy) + bottom * fy
    # Brightness (an offset of up to +-25% of the range), then contrast about each
    # channel's mean, as Keras's RandomBrightness and RandomContrast do.
    bright = ops.expand_dims(uniform(variety.brightness * 255.0), -1)
    out = ops.clip(out + bright, 0.0, 255.0)
    factor = ops.expand_dims(uniform(variety.contrast, 1.0), -1)
    mean = ops.mean(out, axis=(1, 2), keepdims=True)
    return ops.clip((out - mean) * factor + mean, 0.0, 255.0)


def with_crop_augment(model, strength: float = 1.0, seed: int | None = None):
    """A model for training: ``model`` with its "crop" input augmented first (shares
    its weights). A model that augments inside already (Keras Random* layers, as bundles
    trained before this had) or takes no crops is returned as it is."""
    import keras

    names = [t.name.split(":")[0] for t in model.inputs]
    if "crop" not in names or has_random_layers(model):
        return model
    inputs = {n: keras.Input(t.shape[1:], name=n) for n, t in zip(names, model.inputs, strict=True)}
    x = dict(inputs)
    x["crop"] = CropAugment(strength, seed, name="crop_augment")(inputs["crop"])
    return keras.Model(inputs, model(x), name=f"{model.name}_training")


def has_random_layers(model) -> bool:
    """Whether ``model`` holds Keras's random augmentation layers (RandomRotation...)."""
    return any(
        type(layer).__name__.startswith("Random")
        for layer in model._flatten_layers(include_self=False)
    )


def keras_random_layers(strength: float = 1.0) -> list:
    """Keras's five Random* layers as crop models held them before :class:`CropAugment`
    (kept to measure the two against each other: ``python -m benchmarks.device_check``)."""
    import keras

    return [
        keras.layers.RandomRotation(ROTATION * strength, fill_mode="nearest"),
        keras.layers.RandomZoom(ZOOM * strength, fill_mode="nearest"),
        keras.layers.RandomTranslation(SHIFT * strength, SHIFT * strength, fill_mode="nearest"),
        keras.layers.RandomBrightness(BRIGHTNESS * strength, value_range=(0, 255)),
        keras.layers.RandomContrast(CONTRAST * strength),
    ]
