"""The person's own hand shapes a calibration keeps beside the model it writes
(:mod:`handcam.model.personal`): the feature vectors of the samples it adapted to, plus
those the ``--init`` bundle kept (a second calibration adds to the first)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.features.preprocess import feature_size
from handcam.model.bundle import CONFIG_FILE, ModelBundle
from handcam.model.personal import PERSONAL_FILE, PersonalShapes, load_personal, save_personal
from training.config import Run

log = logging.getLogger(__name__)


def keep_personal(run: Run, work: Path, rows: np.ndarray) -> int:
    """Write ``work``'s personal shapes: the samples ``rows`` (the person's, when adapting;
    empty otherwise) after the init bundle's own; returns how many were kept (0: none,
    nothing written)."""
    shapes = _init_shapes(run.init)
    if len(rows) and "landmarks" in run.spec.inputs:
        feats = run.data.arrays(run.data.hands.subset(rows))["landmarks"]
        new = PersonalShapes(feats, tuple(str(s) for s in run.data.hands.labels[rows]))
        shapes = new if shapes is None else shapes.merged(new)
    if shapes is None:
        return 0
    shapes = shapes.only(run.labels)
    if not len(shapes.labels):
        return 0
    save_personal(work / PERSONAL_FILE, shapes)
    config = json.loads((work / CONFIG_FILE).read_text("utf-8"))
    config["personal"] = {"file": PERSONAL_FILE, "shapes": len(shapes.labels)}
    (work / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")
    run.progress.message(
        f"kept {len(shapes.labels)} of your hand shapes beside the model "
        f"({len(set(shapes.labels))} signs): a hand near one of them is read as its sign"
    )
    return len(shapes.labels)


def _init_shapes(init: ModelBundle | None) -> PersonalShapes | None:
    """The shapes the init bundle kept (None: none, or its file is damaged, said in the log)."""
    if init is None or not init.personal:
        return None
    try:
        init.check(PERSONAL_FILE)
        return load_personal(init.path / PERSONAL_FILE, feature_size(init.preprocess.features))
    except BundleError as exc:  # a damaged file loses the old shapes, not the run
        log.warning("%s; its personal shapes are not carried", exc)
        return None
