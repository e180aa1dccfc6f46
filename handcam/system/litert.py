"""One way to open a TFLite model: LiteRT (``ai-edge-litert``), else TensorFlow's
interpreter. Both are imported lazily; LiteRT does not load TensorFlow."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def tflite_runtime() -> str | None:
    """ "litert" or "tensorflow" (whichever interpreter is importable), or None."""
    import importlib.util

    if importlib.util.find_spec("ai_edge_litert") is not None:
        return "litert"
    if importlib.util.find_spec("tensorflow") is not None:
        return "tensorflow"
    return None


def make_interpreter(path: str | Path | None, threads: int = 1, content: bytes | None = None):
    """An allocated interpreter for ``path`` or the model bytes ``content`` (one thread:
    steadiest latency on CPU)."""
    from handcam.system.native_logs import configure_native_logging, native_quiet

    configure_native_logging()
    runtime = tflite_runtime()
    with native_quiet():  # "Created TensorFlow Lite XNNPACK delegate for CPU."
        if runtime == "litert":
            from ai_edge_litert.interpreter import Interpreter
        elif runtime == "tensorflow":
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter  # noqa: N806 - a class
        else:
            raise ImportError("no TFLite runtime: pip install ai-edge-litert")
        if content is not None:
            interpreter = Interpreter(model_content=content, num_threads=threads)
        else:
            interpreter = Interpreter(model_path=str(path), num_threads=threads)
        interpreter.allocate_tensors()
    log.debug("opened %s with the %s interpreter", path or "a model in memory", runtime)
    return interpreter
