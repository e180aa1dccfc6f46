"""``python -m benchmarks.device_check``: how fast handcam's own training code trains on
this machine's Keras backend and device, one JSON line per model.

Needs only numpy, Keras and one backend (TensorFlow, JAX or PyTorch): no MediaPipe,
OpenCV, Qt or scikit-learn, and TensorFlow only when it is the backend. The landmark
model trains from a bundle's carried set (the real recipe: 60 epochs, cosine learning
rate, bone-length and mirror augmentation) and is scored on that bundle's test part;
each crop model trains on generated crops for a fixed time. Everything goes through
the functions ``handcam-train`` uses (``build_model``, ``training_batches``, ``fit``,
the crop augmentation layer).

Figures per line: ``samples_per_s`` and ``ms_per_sample`` from the epochs after the
first (the first compiles), ``first_epoch_s``, ``epoch_s`` (median of the others).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from handcam.features.preprocess import PreprocessConfig
from handcam.hands.hand import NUM_LANDMARKS
from handcam.model.bundle import ModelBundle
from handcam.model.trainset import load_bundle_handset
from training.augment import LandmarkAugment
from training.backend import select_device, set_seed
from training.crop_augment import keras_random_layers, with_crop_augment
from training.fit import ModelData, fit, predict, training_batches
from training.models import MODELS, build_model, crop_augment_strength, get_spec
from training.progress import Progress

CROP_MODELS = ("crop_cnn", "mobilenetv3", "efficientnetb0")
DEFAULT_BUNDLE = Path(__file__).resolve().parent.parent / "models" / "digits"
LANDMARK_EPOCHS = 60  # the fixed budget handcam-train uses (training.config.FIXED_BUDGET)


class Quiet(Progress):
    """Progress that keeps training's per-epoch lines off the terminal."""

    def message(self, text: str) -> None:
        pass


def _timer(budget_s: float):
    """A callback that times epochs and stops training before an epoch would overrun
    ``budget_s`` seconds after the first epoch (which includes the compilation)."""
    import keras

    class Timer(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.start = time.perf_counter()
            self.epochs: list[float] = []
            self.cpu: list[float] = []  # process CPU seconds (all threads) per epoch

        def on_epoch_begin(self, epoch, logs=None):
            self.began = time.perf_counter()
            self.began_cpu = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            now = time.perf_counter()
            self.epochs.append(now - self.began)
            self.cpu.append(time.process_time() - self.began_cpu)
            # The first epoch compiles: the budget counts from its end, and a second epoch
            # always runs (the figures come from it and those after it).
            if len(self.epochs) == 1:
                self.steady_start = now
            elif now - self.steady_start + self.epochs[-1] > budget_s:
                self.model.stop_training = True

    return Timer()


def _figures(timer, samples: int) -> dict:
    steady = timer.epochs[1:] or timer.epochs
    epoch_s = float(np.median(steady)) if steady else float("nan")
    return {
        "epochs": len(timer.epochs),
        "samples_per_epoch": samples,
        "first_epoch_s": round(timer.epochs[0], 3) if timer.epochs else None,
        "epoch_s": round(epoch_s, 4),
        "samples_per_s": round(samples / epoch_s, 1),
        "ms_per_sample": round(1000 * epoch_s / samples, 4),
        "steady": len(timer.epochs) > 1,
        "train_s": round(time.perf_counter() - timer.start, 2),
        # On a shared machine wall time counts the others' work too: CPU time does not.
        "cpu_ms_per_sample": round(1000 * float(np.median(timer.cpu[1:] or timer.cpu)) / samples, 4)
        if timer.cpu
        else None,
        "load_avg_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def check_landmarks(bundle_dir: Path, budget_s: float, batch: int, seed: int) -> dict:
    """Train the landmark model on ``bundle_dir``'s carried set; score its test part."""
    bundle = ModelBundle.load(bundle_dir)
    hands = load_bundle_handset(bundle_dir)
    if hands is None:
        raise SystemExit(f"{bundle_dir}: carries no training set (trainset.npz)")
    labels = list(bundle.labels)
    y = np.array([labels.index(lab) for lab in hands.labels], dtype=np.int64)
    data = ModelData(hands, None, bundle.preprocess, ("landmarks",))
    tr, va, te = (np.flatnonzero(hands.parts == p) for p in ("train", "validation", "test"))
    device = select_device(Quiet(), ("landmarks",))
    set_seed(seed)
    train = data.subset(tr)
    model, _ = build_model(
        "landmarks", len(labels), bundle.preprocess, "none", train.arrays()["landmarks"]
    )
    batches = training_batches(train, y[tr], {}, batch, seed, LandmarkAugment())
    validation = (data.subset(va).arrays(), y[va]) if len(va) else None
    timer = _timer(budget_s)
    fit(model, batches, validation, LANDMARK_EPOCHS, 1e-3, None, Quiet(), "check",
        device["gpu"], [timer])  # fmt: skip
    test = te if len(te) else va
    accuracy = float(np.mean(predict(model, data.subset(test).arrays()).argmax(1) == y[test]))
    return {
        **device,
        **_figures(timer, len(tr)),
        "test_accuracy": round(accuracy, 4),
        "test_n": len(test),
        "data": f"{bundle_dir.name} carried set",
    }


def generated_crops(n: int, size: int, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (size x size x 3) uint8 crops of ``classes`` kinds: a bright disc whose place
    and colour depend on the class, on noise (learnable, so training does real work)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    crops = rng.integers(0, 120, (n, size, size, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:size, 0:size]
    for k in range(classes):
        angle = 2 * np.pi * k / classes
        cx, cy = size / 2 + size / 4 * np.cos(angle), size / 2 + size / 4 * np.sin(angle)
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < (size / 8) ** 2
        part = crops[y == k]
        part[:, disc] = (200 + 5 * k, 255 - 10 * k, 100 + 15 * k)
        crops[y == k] = part
    return crops, y.astype(np.int64)


def check_crops(
    name: str, budget_s: float, n: int, size: int, batch: int, seed: int, augment: str
) -> dict:
    """Train crop model ``name`` on generated crops for about ``budget_s`` seconds."""
    classes = 10
    crops, y = generated_crops(n, size, classes, seed)
    zeros = np.zeros((n, NUM_LANDMARKS, 3), np.float32)
    text = np.full(n, "", dtype=str)
    from handcam.model.trainset import HandSet

    hands = HandSet(zeros, zeros, np.full(n, "Right"), text, text, text, text)
    pre = PreprocessConfig(crop_size=size)
    data = ModelData(hands, crops, pre, ("crop",))
    device = select_device(Quiet(), ("crop",))
    set_seed(seed)
    model, _ = build_model(name, classes, pre, "none")
    if augment == "device":
        trainer = with_crop_augment(model, crop_augment_strength(get_spec(name)), seed)
    else:  # Keras's Random* layers, as crop models held them before
        import keras

        inp = keras.Input((size, size, 3), name="crop")
        x = inp
        for layer in keras_random_layers(crop_augment_strength(get_spec(name))):
            x = layer(x)
        trainer = keras.Model({"crop": inp}, model({"crop": x}))
    batches = training_batches(data, y, {}, batch, seed, None)
    timer = _timer(budget_s)
    fit(trainer, batches, None, 1000, 1e-3, None, Quiet(), "check", device["gpu"], [timer])
    return {
        **device,
        **_figures(timer, len(batches) * batch),
        "crop_size": size,
        "augment": "CropAugment layer" if augment == "device" else "Keras Random* layers",
        "data": "generated crops",
    }


def versions() -> dict:
    import keras

    out = {"keras": keras.__version__, "python": platform.python_version(), "numpy": np.__version__}
    backend = keras.config.backend()
    module = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend)
    if module:
        out[backend] = getattr(sys.modules.get(module), "__version__", None)
    out["cpus"] = os.cpu_count()
    return out


def _run_one(name: str, args: argparse.Namespace) -> dict:
    if name == "landmarks":
        budget = args.landmark_seconds or args.seconds
        return check_landmarks(args.bundle, budget, args.batch, args.seed)
    return check_crops(
        name, args.seconds, args.crops, args.crop_size, args.batch, args.seed, args.augment
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.device_check", description=__doc__)
    p.add_argument(
        "--models",
        default=",".join(("landmarks", *CROP_MODELS)),
        help=f"comma-separated, of: landmarks, {', '.join(CROP_MODELS)}",
    )
    p.add_argument(
        "--seconds", type=float, default=60.0, help="training time per model after its first epoch"
    )
    p.add_argument(
        "--landmark-seconds", type=float, help="the landmark model's (default --seconds)"
    )
    p.add_argument(
        "--bundle", type=Path, default=DEFAULT_BUNDLE, help="landmark data: its carried set"
    )
    p.add_argument("--crops", type=int, default=2048, help="generated crops per epoch")
    p.add_argument("--crop-size", type=int, default=96)
    p.add_argument("--batch", type=int, default=32, help="batch size (handcam-train's default)")
    p.add_argument("--augment", choices=("device", "keras-layers"), default="device")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, help="also append the JSON lines to this file")
    args = p.parse_args(argv)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in MODELS or m == "fusion"]
    if unknown:
        p.error(f"unknown or unsupported models {unknown}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    status = 0
    for name in names:
        started = time.perf_counter()
        try:
            with contextlib.redirect_stderr(io.StringIO()):  # training's per-epoch lines
                line = _run_one(name, args)
        except Exception as exc:  # one model failing must not hide the others' figures
            import keras

            line = {
                "backend": keras.config.backend(),
                "error": f"{type(exc).__name__}: {exc}"[:500],
            }
            status = 1
        line = {"check": "handcam device check", "model": name, "batch": args.batch, **line}
        line.update(wall_s=round(time.perf_counter() - started, 1), **versions())
        text = json.dumps(line)
        print(text, flush=True)
        if args.out:
            with args.out.open("a", encoding="utf-8") as f:
                f.write(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
