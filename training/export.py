"""TFLite exports (float16, int8 calibrated on training data) with their accuracy."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import numpy as np

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
    for kind in ("fp16", "int8"):
        name = f"model_{kind}.tflite"
        try:
            conv = tf.lite.TFLiteConverter.from_keras_model(model)
            conv.optimizations = [tf.lite.Optimize.DEFAULT]
            if kind == "fp16":
                conv.target_spec.supported_types = [tf.float16]
            else:
                limit = min(200, n_cal)

                def representative(limit=limit):
                    for i in range(limit):
                        yield [calibration[n][i : i + 1].astype(np.float32) for n in input_names]

                conv.representative_dataset = representative
            with contextlib.redirect_stdout(io.StringIO()), native_quiet():
                blob = conv.convert()  # keras prints its traced signature: not for stdout
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
