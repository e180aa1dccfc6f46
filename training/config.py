"""What a training run is made of: its configuration (saved in the bundle's config.json),
the state its steps share, its error type and the measured training budgets."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handcam.errors import HandcamError
from handcam.features.preprocess import PreprocessConfig
from handcam.model.bundle import ModelBundle
from training.fit import ModelData
from training.models import DEFAULT_FEATURES, DEFAULT_MODEL, ModelSpec
from training.progress import Progress

DEFAULT_EPOCHS = {
    "landmarks": 200,
    "crop_cnn": 40,
    "fusion": 60,
    "mobilenetv3": 20,
    "efficientnetb0": 20,
}
FINE_TUNE_EPOCHS = 60
# Epochs of a fixed budget (landmark models always; others when validation cannot steer
# training): measured by leave-one-signer-out cross-validation on the shared letters.
FIXED_BUDGET = {"landmarks": 60, "fine-tune": 60, "crop": 30}


@dataclass
class TrainConfig:
    """Everything a training run depends on; saved in the bundle's config.json."""

    data_dirs: list[str]
    out: str
    model: str = DEFAULT_MODEL
    init: str | None = None
    pretrained: str | None = None  # a bundle whose network(s) every new network starts from
    groups: str | list[str] | None = None  # group CSV(s)
    epochs: int | None = None
    batch_size: int = 32
    learning_rate: float | None = None
    seed: int = 0
    val_fraction: float = 0.15
    test_fraction: float = 0.15
    folds: int = 0
    weights: str = "imagenet"
    crop_size: int = 96
    features: str = DEFAULT_FEATURES
    mirror_augment: bool = True
    # landmark augmentation (training.augment.LandmarkAugment fields over its defaults);
    # the bundle's config.json records every value used
    augment: dict | None = None
    carried: bool = True
    patience: int | None = None
    members: int | None = None  # networks averaged in the model; None: the init's, else 1
    # signers (groups) kept out of the model entirely: a final holdout scored afterwards
    leave_out: tuple[str, ...] = ()
    # webcam-like copies of each photo (training.webcam_hands); None: as --webcam-copies says
    webcam_copies: int = 0
    # signs read only from their motion (J, Z): the still classifier lacks them, still
    # samples of them are left out; with --init, the bundle's unless given
    motion_signs: tuple[str, ...] = ()
    # recorded samples kept back: the start model and the new one are scored on them
    check: str | None = None
    # with init: True adapts its output layers only (training.adapt), False fine-tunes every
    # layer, None decides: adapt when every new sample's sign is already the model's
    adapt: bool | None = None
    export: bool = True
    overwrite: bool = False
    command: str = field(default_factory=lambda: " ".join(["handcam-train", *sys.argv[1:]]))


class TrainingError(HandcamError):
    """Training could not run or finish; the message says why."""


@dataclass
class Run:
    """What every step of one training run shares."""

    cfg: TrainConfig
    spec: ModelSpec
    init: ModelBundle | None
    preprocess: PreprocessConfig
    data: ModelData  # every usable row (new samples and carried ones)
    y: np.ndarray  # class index of each row
    labels: list[str]
    epochs: int
    patience: int
    lr: float
    progress: Progress
    work: Path
    sources: np.ndarray  # (N,) "dataset" name of each row, for per-source figures
    members: int = 1
    pretrained: ModelBundle | None = None
    device: dict = field(default_factory=dict)  # training.backend.select_device's answer

    def inputs(self, idx: np.ndarray) -> dict:
        return self.data.subset(idx).arrays()
