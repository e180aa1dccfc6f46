"""Model variants, selectable by name. Inputs are named as the app feeds them:
"landmarks" (63 floats) and "crop" (S x S x 3, 0..255; scaling happens inside)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from handcam.errors import HandcamError
from handcam.features.preprocess import PreprocessConfig, feature_size


class ModelError(HandcamError):
    """A model cannot be built as asked (unknown name, weights unavailable...)."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    inputs: tuple[str, ...]
    description: str
    backbone: str | None = None


MODELS: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        ModelSpec("landmarks", ("landmarks",), "MLP on normalised hand landmarks (default)"),
        ModelSpec("crop_cnn", ("crop",), "small CNN on hand crops, trained from scratch"),
        ModelSpec("fusion", ("landmarks", "crop"), "landmark MLP and crop CNN, fused"),
        ModelSpec(
            "mobilenetv3",
            ("crop",),
            "MobileNetV3-Small transfer learning on crops",
            "MobileNetV3Small",
        ),
        ModelSpec(
            "efficientnetb0",
            ("crop",),
            "EfficientNetB0 transfer learning on crops",
            "EfficientNetB0",
        ),
    )
}
DEFAULT_MODEL = "landmarks"
DEFAULT_FEATURES = "shape"  # landmark feature set of new models (handcam.features.preprocess)


def get_spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ModelError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}")
    return MODELS[name]


def _landmark_branch(keras, x, stats, width: int = 256, dropout: float = 0.3):
    # Standardised inside the model (mean and variance of the training features, fixed):
    # the feature sets mix distances, cosines and lane positions. No batch normalisation:
    # its running statistics do not settle on the few samples of a personalisation run.
    if stats is not None:
        norm = keras.layers.Normalization(name="standardise")
        norm.adapt(stats)
        x = norm(x)
    for units in (width, width // 2):
        x = keras.layers.Dense(units, activation="relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    return x


def _crop_branch(keras, x):
    # No augmentation inside: training wraps the model in training.crop_augment's layer.
    x = keras.layers.Rescaling(1.0 / 255)(x)
    for filters in (32, 64, 96, 128):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization(momentum=0.9)(x)  # settles within few epochs
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.layers.Dropout(0.3)(x)


def build_model(
    name: str,
    num_classes: int,
    preprocess: PreprocessConfig,
    weights: str = "none",
    landmark_stats=None,
):
    """A compiled-later Keras model for ``name``. Returns (model, backbone or None).
    Crops are augmented outside it (:func:`crop_augment_strength`).

    ``landmark_stats``: training feature vectors whose mean and variance standardise the
    landmark input inside the model (so the app feeds raw features)."""
    import keras

    spec = get_spec(name)
    crop_size = preprocess.crop_size
    inputs, feats = {}, []
    backbone = None
    if "landmarks" in spec.inputs:
        inputs["landmarks"] = keras.Input((feature_size(preprocess.features),), name="landmarks")
        feats.append(_landmark_branch(keras, inputs["landmarks"], landmark_stats))
    if "crop" in spec.inputs:
        inputs["crop"] = keras.Input((crop_size, crop_size, 3), name="crop")
        if spec.backbone:
            backbone = load_backbone(spec.backbone, crop_size, weights)
            x = backbone(inputs["crop"], training=False)
            x = keras.layers.GlobalAveragePooling2D()(x)
            feats.append(keras.layers.Dropout(0.3)(x))
        else:
            feats.append(_crop_branch(keras, inputs["crop"]))
    x = feats[0] if len(feats) == 1 else keras.layers.Concatenate()(feats)
    if len(feats) > 1:
        x = keras.layers.Dense(128, activation="relu")(x)
        x = keras.layers.Dropout(0.3)(x)
    out = keras.layers.Dense(num_classes, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inputs, out, name=name), backbone


def crop_augment_strength(spec: ModelSpec) -> float:
    """How strongly crops are augmented in training: pretrained backbones a little less."""
    return 0.7 if spec.backbone else 1.0


def load_backbone(name: str, crop_size: int, weights: str):
    """A keras.applications backbone; ``weights`` is "imagenet", "none" or a file path.

    "imagenet" needs the internet once (Keras caches the file); offline it fails within
    seconds with a message that names the alternatives.
    """
    import keras

    cls = getattr(keras.applications, name)
    kwargs = {"input_shape": (crop_size, crop_size, 3), "include_top": False}
    if name.startswith("MobileNetV3"):
        kwargs["include_preprocessing"] = True  # takes 0..255 like our crops
    if weights == "none":
        return cls(weights=None, **kwargs)
    if weights == "imagenet":
        old = socket.getdefaulttimeout()
        socket.setdefaulttimeout(10)
        try:
            return cls(weights="imagenet", **kwargs)
        except Exception as exc:
            raise ModelError(
                f"could not get ImageNet weights for {name} ({type(exc).__name__}: {exc}). "
                "They are downloaded once and cached in ~/.keras/models; offline, use "
                "--weights none (train from scratch) or --weights PATH (a weights file)"
            ) from exc
        finally:
            socket.setdefaulttimeout(old)
    if not os.path.isfile(weights):
        raise ModelError(f"--weights {weights}: no such file (use imagenet, none or a path)")
    try:
        return cls(weights=weights, **kwargs)
    except Exception as exc:
        raise ModelError(f"--weights {weights}: does not fit {name} ({exc})") from exc


def ensemble(members: list, name: str = "landmarks"):
    """One model whose output is the mean of the members' probabilities (same inputs).

    Members are trained on their own (different seeds) and kept whole inside, so a
    fine-tune can start each member from its counterpart. One member: that model itself.
    """
    import keras

    if len(members) == 1:
        return members[0]
    first = members[0]
    inputs = {
        t.name.split(":")[0]: keras.Input(t.shape[1:], name=t.name.split(":")[0])
        for t in first.inputs
    }
    outs = []
    for i, member in enumerate(members):
        member.name = f"member_{i + 1}"
        outs.append(member(inputs))
    out = keras.layers.Average(name="probs", dtype="float32")(outs)
    return keras.Model(inputs, out, name=name)


def ensemble_members(model) -> list:
    """The members of a model made by :func:`ensemble` (a plain model: itself alone)."""
    import keras

    inner = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    is_ensemble = inner and type(model.layers[-1]).__name__ == "Average"
    return inner if is_ensemble else [model]
