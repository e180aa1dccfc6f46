"""The person's own hand shapes a calibration keeps beside the model it writes
(:mod:`handcam.model.personal`): the feature vectors of the samples it adapted to, after
those the ``--init`` bundle kept (a second calibration adds to the first). They are kept
only for the "shape" feature set and when every still sign has one: a sign without any
would lose its hands to the nearest sign that has some."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from handcam.errors import BundleError
from handcam.features.preprocess import feature_size
from handcam.model.bundle import CONFIG_FILE, REPORT_FILE, ModelBundle
from handcam.model.personal import (
    FEATURES,
    PERSONAL_FILE,
    PersonalShapes,
    load_personal,
    save_personal,
)
from training.config import Run


def keep_personal(run: Run, work: Path, rows: np.ndarray, report: dict) -> dict:
    """Write ``work``'s personal shapes: the samples ``rows`` (the person's, when adapting;
    none otherwise) after the init bundle's own; returns ``report`` with
    ``personal_shapes`` (how many were kept; 0: none, nothing written)."""
    shapes = _shapes(run, rows)
    missing = shapes.missing(run.labels) if shapes is not None else []
    if shapes is not None and missing:
        run.progress.message(
            f"your hand shapes are not kept: no sample of {', '.join(missing[:8])}"
            f"{' ...' if len(missing) > 8 else ''} (a calibration of every sign keeps them)"
        )
        shapes = None
    count = 0 if shapes is None else len(shapes.labels)
    if count:
        save_personal(work / PERSONAL_FILE, shapes)
        config = json.loads((work / CONFIG_FILE).read_text("utf-8"))
        config["personal"] = {"file": PERSONAL_FILE, "shapes": count}
        (work / CONFIG_FILE).write_text(json.dumps(config, indent=2, ensure_ascii=False), "utf-8")
        run.progress.message(
            f"kept {count} of your hand shapes beside the model: a hand near one of them "
            "is read as its sign"
        )
    report = {**report, "personal_shapes": count}
    (work / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")
    return report


def _shapes(run: Run, rows: np.ndarray) -> PersonalShapes | None:
    """The init bundle's shapes then those of ``rows``, of the run's signs (None: none)."""
    if "landmarks" not in run.spec.inputs or run.preprocess.features != FEATURES:
        return None
    labels = set(run.labels)
    shapes = _init_shapes(run)
    if len(rows):
        feats = run.data.arrays(run.data.hands.subset(rows))["landmarks"]
        new = PersonalShapes(feats, tuple(str(s) for s in run.data.hands.labels[rows]))
        shapes = (shapes or PersonalShapes(feats[:0], ())).merged(new)  # capped a sign
    if shapes is None:
        return None
    keep = [i for i, label in enumerate(shapes.labels) if label in labels]
    if not keep:
        return None
    return PersonalShapes(shapes.features[keep], tuple(shapes.labels[i] for i in keep))


def _init_shapes(run: Run) -> PersonalShapes | None:
    """The shapes the init bundle kept (None: none, or its file is damaged, said)."""
    init: ModelBundle | None = run.init
    if init is None or not init.personal:
        return None
    try:
        init.check(PERSONAL_FILE)
        return load_personal(init.path / PERSONAL_FILE, feature_size(init.preprocess.features))
    except BundleError as exc:  # a damaged file loses the old shapes, not the run
        run.progress.message(f"{exc}: its hand shapes are not carried")
        return None
