"""TFLite exports (float16, int8 calibrated on training data) with their accuracy.

TFLite's converter is TensorFlow's. A model trained on JAX or PyTorch is exported from its
saved ``model.keras`` by a TensorFlow process (``python -m training.export BUNDLE``, which
the trainer runs by itself); where TensorFlow is not installed there is no export, the
report says so, and the app runs the Keras model.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

from handcam.model.integrity import seal, update
from handcam.system.native_logs import native_quiet

log = logging.getLogger(__name__)


def export_tflite(
    model,
    input_names: list[str],
    out_dir: Path,
    calibration: dict[str, np.ndarray],
    evaluation: dict[str, tuple[dict[str, np.ndarray], np.ndarray]],
) -> dict[str, dict]:
    """Write model_fp16.tflite and model_int8.tflite; return the size of each and its
    accuracy on each named split of ``evaluation`` (e.g. "validation", "test")."""
    import tensorflow as tf

    results: dict[str, dict] = {}
    n_cal = len(next(iter(calibration.values())))
    flat = _list_inputs(model, input_names)
    for kind in ("fp16", "int8"):
        name = f"model_{kind}.tflite"
        try:
            conv = tf.lite.TFLiteConverter.from_keras_model(flat)
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            if kind == "fp16":
                conv.target_spec.supported_types = [tf.float16]
            else:
                limit = min(200, n_cal)

                def representative(limit=limit):
                    for i in range(limit):
                        yield [calibration[n][i : i + 1].astype(np.float32) for n in input_names]

                conv.representative_dataset = representative
            # TensorFlow's converter warns "Statistics for quantized inputs were expected"
            # for every calibrated integer quantization (its own source says the check does
            # not apply there): the calibration above is the statistics. Only that message
            # is silenced, only here. Keras prints its traced signature: not for stdout.
            with (
                contextlib.redirect_stdout(io.StringIO()),
                native_quiet(),
                warnings.catch_warnings(),
            ):
                warnings.filterwarnings("ignore", message="Statistics for quantized inputs")
                blob = conv.convert()
            (out_dir / name).write_bytes(blob)
            entry = {"file": name, "size_kb": round(len(blob) / 1024, 1)}
            for part, (x, y) in evaluation.items():
                key = "accuracy" if part == "validation" else f"{part}_accuracy"
                entry[key] = tflite_accuracy(blob, input_names, x, y)
            results[kind] = entry
        except Exception as exc:  # an export problem must not lose the trained model
            log.warning("TFLite %s export failed: %s", kind, exc)
            results[kind] = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
    return results


def _list_inputs(model, input_names: list[str]):
    """The model behind inputs given as a list (named as before): the converter calls a
    Keras model with a list of tensors, and a model built with a dict of inputs makes Keras
    warn on every such call. The wrapper calls it with the dict it expects (its inputs are
    named NAME_input: a name may appear once in a model)."""
    import keras

    if not isinstance(model.input, dict):
        return model
    inputs = [keras.Input(model.input[n].shape[1:], name=f"{n}_input") for n in input_names]
    out = model(dict(zip(input_names, inputs, strict=True)))
    return keras.Model(inputs, out, name=model.name)


def tflite_accuracy(
    blob: bytes, input_names: list[str], x: dict[str, np.ndarray], y: np.ndarray
) -> float:
    from handcam.system.litert import make_interpreter

    interp = make_interpreter(None, content=blob)  # the runtime the app uses
    details = interp.get_input_details()
    index = {}
    for d in details:
        match = [n for n in input_names if n in d["name"]]
        index[match[0] if match else input_names[len(index)]] = d["index"]
    out = interp.get_output_details()[0]["index"]
    correct = 0
    for i in range(len(y)):
        for n in input_names:
            interp.set_tensor(index[n], x[n][i : i + 1].astype(np.float32))
        interp.invoke()
        correct += int(np.argmax(interp.get_tensor(out)[0]) == y[i])
    return round(correct / max(len(y), 1), 4)


CALIBRATION_ROWS = 200  # representative samples for int8 (export_tflite uses no more)
NO_TENSORFLOW = (
    "TensorFlow is not installed: no TFLite export was made; the app will run the Keras "
    "model (pip install tensorflow, then python -m training.export BUNDLE)"
)


def export_bundle(
    model,
    input_names: list[str],
    out_dir: Path,
    calibration: dict[str, np.ndarray],
    evaluation: dict[str, tuple[dict[str, np.ndarray], np.ndarray]],
) -> dict:
    """The exports of a bundle whose ``model.keras`` is saved in ``out_dir``, whatever
    backend trained it: in this process under TensorFlow, else in a TensorFlow process
    (``{"skipped": why}`` when there is no TensorFlow)."""
    import keras

    from training.backend import installed

    calibration = {k: v[:CALIBRATION_ROWS] for k, v in calibration.items()}
    if keras.config.backend() == "tensorflow":
        return export_tflite(model, input_names, out_dir, calibration, evaluation)
    if not installed("tensorflow"):
        log.warning(NO_TENSORFLOW)
        return {"skipped": NO_TENSORFLOW}
    arrays = {f"calibration/{k}": v for k, v in calibration.items()}
    for part, (x, y) in evaluation.items():
        arrays[f"{part}/y"] = y
        arrays.update({f"{part}/x/{k}": v for k, v in x.items()})
    data = out_dir / ".export-data.npz"
    np.savez(data, **arrays)
    try:
        return _export_in_tensorflow(out_dir, data)
    finally:
        data.unlink(missing_ok=True)


def _export_in_tensorflow(bundle: Path, data: Path) -> dict:
    root = str(Path(__file__).resolve().parent.parent)  # the folder holding training/
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    cmd = [sys.executable, "-m", "training.export", str(bundle), "--data", str(data), "--json"]
    log.info("exporting TFLite in a TensorFlow process: %s", " ".join(cmd))
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        why = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
        log.warning("TFLite export in a TensorFlow process failed: %s", why)
        return {"error": f"export process failed ({done.returncode}): {why}"}
    results = json.loads(lines[-1])
    for entry in results.values():
        entry["exported_by"] = "a TensorFlow process (the model trained on another backend)"
    return results


def _load_data(bundle: Path, data: Path | None, names: list[str]):
    """Calibration and evaluation inputs: from ``data`` (written by :func:`export_bundle`)
    or, for a landmark bundle, from its carried set (train part calibrates, validation
    and test evaluate)."""
    if data is not None:
        with np.load(data) as z:
            arrays = {k: z[k] for k in z.files}
        cal = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("calibration/")}
        evaluation = {}
        for part in {k.split("/")[0] for k in arrays} - {"calibration"}:
            x = {k.split("/")[2]: v for k, v in arrays.items() if k.startswith(f"{part}/x/")}
            evaluation[part] = (x, arrays[f"{part}/y"])
        return cal, evaluation
    from handcam.features.preprocess import landmark_features
    from handcam.model.bundle import ModelBundle
    from handcam.model.trainset import load_bundle_handset

    meta = ModelBundle.load(bundle)
    hands = load_bundle_handset(bundle)
    if names != ["landmarks"] or hands is None:
        raise SystemExit(f"{bundle}: give --data (only landmark bundles carry their inputs)")
    y = np.array([meta.labels.index(lab) for lab in hands.labels])

    def inputs(part: str) -> dict[str, np.ndarray]:
        h = hands.subset(np.flatnonzero(hands.parts == part))
        return {"landmarks": landmark_features(h.landmarks, h.world, h.handedness, meta.preprocess)}

    parts = [p for p in ("validation", "test") if np.any(hands.parts == p)]
    evaluation = {p: (inputs(p), y[hands.parts == p]) for p in parts}
    return {k: v[:CALIBRATION_ROWS] for k, v in inputs("train").items()}, evaluation


def main(argv: list[str] | None = None) -> int:
    """``python -m training.export BUNDLE [--data NPZ]``: write the TFLite exports of a
    saved bundle (trained on any backend) with TensorFlow, and record them in its report.
    ``--seal BUNDLE``: record the size and SHA-256 of every file of the bundle in its
    config.json as they are now (after a deliberate change), nothing else."""
    p = argparse.ArgumentParser(prog="python -m training.export", description=main.__doc__)
    p.add_argument("bundle", type=Path)
    p.add_argument("--data", type=Path, help="inputs written by the trainer (else: carried set)")
    p.add_argument("--json", action="store_true", help="print the results as one JSON line")
    p.add_argument(
        "--seal",
        action="store_true",
        help="only record every file's size and SHA-256 in config.json as they are now "
        "(what a bundle's load checks)",
    )
    args = p.parse_args(argv)
    if args.seal:
        return _seal(args.bundle)
    os.environ["KERAS_BACKEND"] = "tensorflow"
    from handcam.system.native_logs import configure_native_logging, native_quiet

    configure_native_logging()
    with native_quiet():
        import keras
    if keras.config.backend() != "tensorflow":
        raise SystemExit("training.export: Keras was loaded before KERAS_BACKEND could be set")
    config = json.loads((args.bundle / "config.json").read_text(encoding="utf-8"))
    names = list(config["inputs"])
    cal, evaluation = _load_data(args.bundle, args.data, names)
    with native_quiet():
        model = keras.models.load_model(args.bundle / "model.keras", compile=False, safe_mode=True)
        results = export_tflite(model, names, args.bundle, cal, evaluation)
    if args.data is None:  # run by hand: the report says what exports the bundle has
        report_path = args.bundle / "report.json"
        if report_path.is_file():
            report = json.loads(report_path.read_text(encoding="utf-8"))
            report["exports"] = results
            report_path.write_text(json.dumps(report, indent=1, ensure_ascii=False), "utf-8")
        written = [e["file"] for e in results.values() if "file" in e]
        update(args.bundle, [*written, "report.json"])  # the bundle's record of its files
    print(json.dumps(results) if args.json else json.dumps(results, indent=1))
    return 0


def _seal(bundle: Path) -> int:
    from handcam.errors import HandcamError
    from handcam.model.bundle import CONFIG_FILE

    if not (bundle / CONFIG_FILE).is_file():
        print(f"training.export: error: {bundle}: not a model bundle", file=sys.stderr)
        return 2
    try:
        files = seal(bundle)
    except HandcamError as exc:
        print(f"training.export: error: {exc}", file=sys.stderr)
        return 2
    total = sum(e["size"] for e in files.values())
    print(f"{bundle}: recorded {len(files)} files ({total:,} bytes) in {CONFIG_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
