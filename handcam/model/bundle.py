"""Model bundles: a folder holding a Keras model, its labels, its preprocessing
settings, its training config and its evaluation report. Labels never live in code.

Layout::

    BUNDLE/
      model.keras        the classifier (inputs named "landmarks" and/or "crop")
      labels.json        class names, in output order
      config.json        {"format", "model", "inputs", "preprocess", "training", "files",
                         optional "motion_signs": signs read only from their motion,
                         optional "motion_model": {"file", "signs"}: those of them
                         learned from clips (handcam.signs.motion_model); "model":
                         "motion" for a bundle of motion signs only, without model.keras;
                         optional "personal": {"file", "shapes"}: the person's own hand
                         shapes kept by a calibration, see handcam.model.personal}
                         ("files": each other file's size and SHA-256 at save, checked
                         at load: see handcam.model.integrity)
      report.json        evaluation figures (optional)
      *.png, *.tflite    report pictures and exports (optional)
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handcam.errors import BundleError, LabelError
from handcam.features.preprocess import PreprocessConfig
from handcam.labels import validate_label
from handcam.model.integrity import check_all

log = logging.getLogger(__name__)

BUNDLE_FORMAT = 1
MODEL_FILE = "model.keras"
LABELS_FILE = "labels.json"
CONFIG_FILE = "config.json"
REPORT_FILE = "report.json"
KNOWN_INPUTS = ("landmarks", "crop")
MOTION_ONLY = "motion"  # the "model" of a bundle that reads motion signs only


@dataclass(frozen=True)
class ModelBundle:
    """A bundle's metadata, read without loading TensorFlow."""

    path: Path
    labels: tuple[str, ...]
    preprocess: PreprocessConfig
    model_name: str
    inputs: tuple[str, ...]
    training: dict[str, Any] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)
    damaged: dict[str, str] = field(default_factory=dict)  # file name -> what is wrong
    # signs read only from their motion (J, Z): not the classifier's outputs, never a still
    motion_signs: tuple[str, ...] = ()
    learned_motion: tuple[str, ...] = ()  # of them, those of the learned motion model
    personal: int = 0  # hand shapes of the person a calibration adapted it to

    @property
    def motion_only(self) -> bool:
        """A bundle of motion signs only: no still classifier."""
        return self.model_name == MOTION_ONLY

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    def check(self, *names: str) -> None:
        """BundleError naming the first of these files that differs from the one saved."""
        for name in names:
            if name in self.damaged:
                raise BundleError(self.damaged[name])

    def damage_warnings(self, used: str) -> list[str]:
        """What each damaged file other than ``used`` (the classifier's file) costs."""
        costs = {
            MODEL_FILE: f"signs are read from {used}, but training from this bundle "
            "(--init, --pretrained, Retrain) needs it",
            "trainset.npz": "training from this bundle (--init) needs it",
            "openset.npz": 'running without "not a sign"',
            "motion.npz": "running without its motion signs",
            "motion_clips.npz": "training from this bundle (--init) loses its motion signs",
            "personal.npz": "running without your own hand shapes (calibrate again)",
        }
        return [
            f"{why}; {costs.get(name, 'not needed to read signs')}"
            for name, why in sorted(self.damaged.items())
            if name != used
        ]

    @classmethod
    def load(cls, path: str | os.PathLike) -> ModelBundle:
        """Read and validate a bundle's metadata; BundleError naming the file if it is bad."""
        root = bundled_or_given(Path(path).expanduser())
        if not root.is_dir():
            raise BundleError(
                f"{root}: no such model bundle folder (the bundled ones, by name: "
                f"{', '.join(p.name for p in find_bundles(bundled_models_dir())) or 'none'})"
            )
        motion_only = says_motion_only(root / CONFIG_FILE)
        for name in (CONFIG_FILE, LABELS_FILE, MODEL_FILE):  # config first: it says what else
            if not (root / name).is_file() and not (name == MODEL_FILE and motion_only):
                raise BundleError(f"{root}: not a model bundle (missing {name})")
        config = _read_json(root / CONFIG_FILE)
        where = f"{root / CONFIG_FILE}"
        if not isinstance(config, dict):
            raise BundleError(f"{where}: must be a JSON object")
        damaged = check_all(root, config)
        if LABELS_FILE in damaged:  # every use of a bundle needs its labels
            raise BundleError(damaged[LABELS_FILE])
        labels = _labels(
            root / LABELS_FILE, _read_json(root / LABELS_FILE), 1 if motion_only else 2
        )
        if config.get("format") != BUNDLE_FORMAT:
            raise BundleError(f"{where}: unsupported bundle format {config.get('format')!r}")
        inputs = config.get("inputs")
        if (
            not isinstance(inputs, list)
            or not inputs
            or any(not isinstance(n, str) or n not in KNOWN_INPUTS for n in inputs)
        ):
            raise BundleError(f"{where}: inputs {inputs!r} must be a list among {KNOWN_INPUTS}")
        pre = config.get("preprocess", {})
        if not isinstance(pre, dict):
            raise BundleError(f"{where}: preprocess must be an object")
        try:
            preprocess = PreprocessConfig.from_dict(pre)
        except (TypeError, ValueError) as exc:
            raise BundleError(f"{where}: bad preprocessing settings: {exc}") from exc
        training = config.get("training") or {}
        model_name = config.get("model", "unknown")
        motion_signs = _motion_signs(
            where, config.get("motion_signs", []), () if motion_only else labels
        )
        learned = _learned_motion(where, config.get("motion_model"), motion_signs)
        shapes = _personal_count(config.get("personal"))
        if not isinstance(training, dict) or not isinstance(model_name, str):
            raise BundleError(f"{where}: 'training' must be an object and 'model' a name")
        return cls(
            path=root,
            labels=labels,
            preprocess=preprocess,
            model_name=model_name,
            inputs=tuple(inputs),
            training=dict(training),
            report=_optional_report(root / REPORT_FILE),
            damaged=damaged,
            motion_signs=motion_signs,
            learned_motion=learned,
            personal=shapes,
        )


def says_motion_only(path: Path) -> bool:
    """True when ``path`` (a config.json) names a bundle of motion signs only."""
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False  # missing or broken: said by the loader
    return isinstance(config, dict) and config.get("model") == MOTION_ONLY


def _learned_motion(where: str, section: Any, motion_signs: tuple[str, ...]) -> tuple[str, ...]:
    """The signs of the learned motion model (config "motion_model"), all motion signs."""
    if section is None:
        return ()
    signs = section.get("signs") if isinstance(section, dict) else None
    if not isinstance(signs, list) or not set(signs) <= set(motion_signs):
        raise BundleError(f"{where}: motion_model.signs must list motion signs of the bundle")
    return tuple(signs)


def _personal_count(section: Any) -> int:
    """How many personal shapes the config says the bundle keeps (0: none, or a section
    that makes no sense: the shapes are lost, never the model; said in the log)."""
    if section is None:
        return 0
    shapes = section.get("shapes") if isinstance(section, dict) else None
    if isinstance(shapes, bool) or not isinstance(shapes, int) or shapes < 0:
        log.warning("config.json: 'personal' %r is not a count of shapes; not used", section)
        return 0
    return shapes


def _labels(path: Path, labels: Any, least: int = 2) -> tuple[str, ...]:
    """Labels as recording accepts them: safe names, at least ``least``, all different."""
    if not isinstance(labels, list) or len(labels) < least:
        raise BundleError(f"{path}: must be a list of at least {least} names")
    try:
        names = tuple(validate_label(label) for label in labels)
    except LabelError as exc:
        raise BundleError(f"{path}: {exc}") from exc
    if len(set(names)) != len(names):
        raise BundleError(f"{path}: labels are not unique")
    return names


def _motion_signs(where: str, names: Any, labels: tuple[str, ...]) -> tuple[str, ...]:
    """A bundle's motion signs: valid labels, none of them a still label."""
    if not isinstance(names, list):
        raise BundleError(f"{where}: motion_signs must be a list of labels")
    try:
        signs = tuple(validate_label(name) for name in names)
    except LabelError as exc:
        raise BundleError(f"{where}: bad motion sign: {exc}") from exc
    if set(signs) & set(labels) or len(set(signs)) != len(signs):
        raise BundleError(f"{where}: motion_signs {list(signs)} repeat a label")
    return signs


def _optional_report(path: Path) -> dict[str, Any]:
    """The evaluation report, or {} (with a warning) when it is missing or broken: a
    report is for people; it never stops a model from loading."""
    if not path.is_file():
        return {}
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("%s: unreadable report ignored (%s)", path, exc)
        return {}
    return report if isinstance(report, dict) else {}


def write_bundle_metadata(
    root: Path,
    labels: list[str],
    preprocess: PreprocessConfig,
    model_name: str,
    inputs: list[str],
    training: dict[str, Any],
    motion_signs: tuple[str, ...] = (),
) -> None:
    """Write labels.json and config.json (the model file is saved by the trainer);
    ``motion_signs``: signs read only from their motion, beside the classifier's."""
    root.mkdir(parents=True, exist_ok=True)
    (root / LABELS_FILE).write_text(
        json.dumps(list(labels), indent=1, ensure_ascii=False), encoding="utf-8"
    )
    config = {
        "format": BUNDLE_FORMAT,
        "model": model_name,
        "inputs": list(inputs),
        "preprocess": preprocess.to_dict(),
        "training": training,
    }
    if motion_signs:
        config["motion_signs"] = list(motion_signs)
    (root / CONFIG_FILE).write_text(
        json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: unreadable JSON ({exc})") from exc


def bundled_models_dir() -> Path:
    """The models shipped with the app: ``HANDCAM_MODELS_DIR``, else models/ beside the
    package (a checkout or editable install), else PREFIX/share/handcam/models (a wheel)."""
    env = os.environ.get("HANDCAM_MODELS_DIR")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2] / "models"
    if checkout.is_dir():
        return checkout
    import sys

    return Path(sys.prefix) / "share" / "handcam" / "models"


def bundled_or_given(path: Path) -> Path:
    """``path``, or where it names a bundled model that is not there (``digits`` or
    ``models/digits`` from an installed app, away from a checkout) that bundled model."""
    if path.exists() or path.is_absolute() or len(path.parts) > 2:
        return path
    if len(path.parts) == 2 and path.parts[0] != "models":
        return path
    bundled = bundled_models_dir() / path.name
    return bundled if (bundled / CONFIG_FILE).is_file() else path


def default_model_path() -> Path:
    return bundled_models_dir() / "digits"


def find_bundles(*roots: Path) -> list[Path]:
    """Bundle folders directly under each root (sorted by name)."""
    found = []
    for root in roots:
        if root.is_dir():
            found += sorted(
                p
                for p in root.iterdir()
                if p.is_dir() and not p.name.startswith(".") and (p / CONFIG_FILE).is_file()
            )
    return found
