"""The one assembly: bundle -> classifier -> "not a sign" gate -> detector -> pipeline.

The window's session, ``handcam predict``, ``handcam bench`` and the soak all build their
pipelines here: :func:`load_model` reads a bundle once (its classifier runtime, its gate and
whether J / Z come from motion), :func:`assemble` puts a loaded model together with a hand
detector for a kind of source ("video": a tracker; "image": unrelated stills).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from handcam.errors import BundleError
from handcam.features.preprocess import PreprocessConfig, feature_size
from handcam.hands.hand import HandDetector
from handcam.model.bundle import ModelBundle
from handcam.model.classifier import Classifier
from handcam.model.gate import Gate
from handcam.recognition.pipeline import Pipeline
from handcam.signs.motion import MOTION_LABELS, MotionConfig, motion_config_for
from handcam.signs.motion_model import MotionModel
from handcam.signs.smoothing import SmootherConfig

log = logging.getLogger(__name__)

SOURCE_KINDS = ("video", "image")


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A model ready to classify: its runtime, preprocessing, gate and motion signs."""

    path: str
    classifier: Classifier
    preprocess: PreprocessConfig
    gate: Gate | None = None
    motion: MotionConfig | None = None
    warnings: tuple[str, ...] = ()  # damaged files the model runs without
    motion_model: MotionModel | None = None  # the motion signs learned from clips
    personal: int = 0  # the person's own hand shapes it leans toward (a calibration's)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.classifier.labels

    @property
    def motion_signs(self) -> tuple[str, ...]:
        """The labels read only from their motion (the bundle's ``motion_signs``)."""
        return getattr(self.classifier, "motion_signs", ())

    @property
    def device(self) -> str:
        return self.classifier.device

    @classmethod
    def of(
        cls,
        classifier: Classifier,
        preprocess: PreprocessConfig | None = None,
        gate: Gate | None = None,
        path: str = "",
    ) -> LoadedModel:
        """A model from parts (tests and fakes); J / Z from motion when its labels have them."""
        return cls(
            path,
            classifier,
            preprocess or PreprocessConfig(),
            gate,
            motion_config_for(classifier.labels),
        )


def bundle_gate(bundle: ModelBundle) -> Gate | None:
    """The bundle's open-set gate (None: a crop model, or no ``openset.npz``): the gate reads
    the landmark feature vector the classifier reads. A broken gate file loses only "not a
    sign" (said in the log); the model still works."""
    if "landmarks" not in bundle.inputs or getattr(bundle, "motion_only", False):
        return None
    from handcam.model.gate import OPENSET_FILE, load_gate

    if OPENSET_FILE in bundle.damaged:  # said by load_model
        return None

    try:
        gate = load_gate(bundle.path, feature_size(bundle.preprocess.features))
    except BundleError as exc:
        log.warning("%s; running without the open-set gate", exc)
        return None
    from handcam.model.shape_gate import ShapeGate

    # a people-measured gate reads the classifier's top label: it must have the same labels
    if isinstance(gate, ShapeGate) and tuple(gate.labels) != tuple(bundle.labels):
        log.warning(
            "%s: the open-set gate's labels are not the model's; running without it",
            bundle.path,
        )
        return None
    return gate


def load_model(path: str | os.PathLike, runtime: str = "auto") -> LoadedModel:
    """Read a bundle and load its classifier (``runtime``: auto, tflite or keras), its gate
    and its motion signs; BundleError naming the file when it is bad."""
    from handcam.model.classifier import load_classifier, personal_shapes_in_use

    bundle = ModelBundle.load(path)
    classifier = load_classifier(bundle, runtime)
    learned = bundle_motion_model(bundle)  # a motion-only bundle without it: the error alone
    warnings = bundle.damage_warnings(getattr(classifier, "path", bundle.model_path).name)
    for warning in warnings:
        log.warning("%s", warning)
    hand_written = None if set(MOTION_LABELS) & set(bundle.learned_motion) else classifier.labels
    return LoadedModel(
        str(path),
        classifier,
        bundle.preprocess,
        bundle_gate(bundle),
        motion_config_for(hand_written) if hand_written else None,
        tuple(warnings),
        learned,
        personal_shapes_in_use(classifier),
    )


def bundle_motion_model(bundle: ModelBundle) -> MotionModel | None:
    """The bundle's learned motion signs (None: it has none). A damaged file loses only
    them (said in the log): the still signs still work, unless there are none."""
    if not bundle.learned_motion:
        return None
    from handcam.signs.motion_model import MOTION_FILE, load_motion_model

    try:
        bundle.check(MOTION_FILE)
        model = load_motion_model(bundle.path / MOTION_FILE)
    except BundleError as exc:
        if bundle.motion_only:
            raise
        if MOTION_FILE not in bundle.damaged:  # a damaged one is said with the others
            log.warning("%s; running without its motion signs", exc)
        return None
    if tuple(model.labels) != tuple(bundle.learned_motion):
        message = f"{bundle.path / MOTION_FILE}: its signs are not the bundle's motion_model signs"
        if bundle.motion_only:
            raise BundleError(message)
        log.warning("%s; running without its motion signs", message)
        return None
    return model


def detector_for(kind: str, preprocess: PreprocessConfig, max_hands: int = 2) -> HandDetector:
    """The hand detector for a kind of source ("video", "image": see
    :func:`~handcam.capture.sources.detection_kind`), with the detection settings a model
    was trained with (the session's, ``handcam record``'s)."""
    from handcam.hands.factory import make_detector

    return make_detector(kind, preprocess.detector_complexity, preprocess.still_padding, max_hands)


def assemble(
    model: LoadedModel,
    kind: str = "video",
    smoother: SmootherConfig | None = None,
    detector: HandDetector | None = None,
    max_hands: int = 2,
) -> Pipeline:
    """A ready pipeline: ``kind`` "video" tracks hands and smooths in time; "image" reads
    each frame as an unrelated still. ``detector``: one already made (it is reset)."""
    if kind not in SOURCE_KINDS:
        raise ValueError(f"kind must be one of {SOURCE_KINDS}, not {kind!r}")
    if detector is None:
        detector = detector_for(kind, model.preprocess, max_hands)
    else:
        detector.reset()
    return Pipeline(
        detector,
        model.classifier,
        model.preprocess,
        smoother,
        stills=kind == "image",
        gate=model.gate,
        motion=model.motion,
        motion_model=model.motion_model,
    )
