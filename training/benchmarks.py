"""Benchmarks that print figures (never run as timed tests).

    python -m training.benchmarks personalise [--per-class 20] [--data DIR] [--model DIR]

``personalise`` builds a recorded-style dataset (full frame + JSON sidecar per sample,
as the app's record mode writes them) of N samples per class from DATA, then times the
whole retrain the app runs: ``python -m training DATA --init MODEL`` in a new process,
from start to a saved bundle.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handcam.bundle import default_model_path

SHARED = Path(__file__).resolve().parents[2] / "shared/datasets/sign-language-digits"


def build_recorded_set(data: Path, out: Path, per_class: int) -> int:
    """Record ``per_class`` samples of each class folder of ``data`` into ``out``."""
    from handcam.detection import MediaPipeHandDetector
    from handcam.imageio import read_image
    from handcam.recording import SampleStore
    from handcam.sources import list_images

    store = SampleStore(out, session="bench")
    saved = 0
    with MediaPipeHandDetector(mode="image") as det:
        for folder in sorted(p for p in data.iterdir() if p.is_dir()):
            n = 0
            for path in list_images(folder)[::-1]:  # the newest signers
                if n == per_class:
                    break
                image = read_image(path)
                hands = det.detect(image)
                if hands:
                    store.save(folder.name, image, hands[0], source=str(path))
                    n += 1
            saved += n
    return saved


def personalise(per_class: int, data: Path, model: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        rec = Path(tmp) / "recorded"
        t0 = time.perf_counter()
        n = build_recorded_set(data, rec, per_class)
        prep = time.perf_counter() - t0
        out = Path(tmp) / "bundle"
        cmd = [sys.executable, "-m", "training", str(rec), "--init", str(model), "--out", str(out)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"retrain failed:\n{proc.stderr[-3000:]}")
        report = json.loads((out / "report.json").read_text())
    val = report["evaluation"].get("test") or report["evaluation"]["validation"]
    return {
        "samples": n,
        "per_class": per_class,
        "recording_prep_s": round(prep, 1),
        "retrain_wall_s": round(wall, 1),
        "epochs_run": len(report["history"]["loss"]),
        "held_out_accuracy": val["accuracy"],
        "held_out_n": val["n"],
        "device": report["device"],
    }


def compare(
    models: list[str],
    data: Path,
    groups: Path | None,
    epochs: int | None,
    crop_size: int,
    out: Path,
) -> list[dict]:
    """Train each model on the same grouped split; write comparison.md/.json in ``out``."""
    from training.train import TrainConfig, train

    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in models:
        cfg = TrainConfig(
            data_dirs=[str(data)],
            out=str(out / name),
            model=name,
            groups=str(groups) if groups else None,
            epochs=epochs,
            crop_size=crop_size,
            weights="none",
            export=False,
            overwrite=True,
        )
        report = train(cfg)
        ev = report["evaluation"]
        rows.append(
            {
                "model": name,
                "description": report["description"],
                "test_accuracy": ev.get("test", {}).get("accuracy"),
                "validation_accuracy": ev["validation"]["accuracy"],
                "epochs_run": len(report["history"]["loss"]),
                "size_kb": report["size_kb"],
                "train_s": report["duration_s"],
            }
        )
    lines = [
        "| model | test acc. (unseen signers) | val. acc. | epochs | size KB | time s |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['model']} | {r['test_accuracy']} | {r['validation_accuracy']} | "
        f"{r['epochs_run']} | {r['size_kb']} | {r['train_s']} |"
        for r in rows
    ]
    (out / "comparison.md").write_text("\n".join(lines) + "\n")
    (out / "comparison.json").write_text(json.dumps(rows, indent=1))
    print("\n".join(lines))
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m training.benchmarks")
    sub = p.add_subparsers(dest="which", required=True)
    s = sub.add_parser("personalise", help="time a retrain on N recorded samples per class")
    s.add_argument("--per-class", type=int, default=20)
    s.add_argument("--data", type=Path, default=SHARED)
    s.add_argument("--model", type=Path, default=default_model_path())
    c = sub.add_parser("compare", help="train several models on one grouped split")
    c.add_argument("--models", nargs="+", default=["landmarks", "crop_cnn", "fusion"])
    c.add_argument("--data", type=Path, default=SHARED)
    c.add_argument("--groups", type=Path, default=SHARED / "signers.csv")
    c.add_argument("--epochs", type=int)
    c.add_argument("--crop-size", type=int, default=64)
    c.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    if args.which == "compare":
        compare(args.models, args.data, args.groups, args.epochs, args.crop_size, args.out)
        return 0
    result = personalise(args.per_class, args.data, args.model)
    print(json.dumps(result))
    print(
        f"retrain on {result['samples']} recorded samples: {result['retrain_wall_s']} s "
        f"wall clock (process start to saved bundle, {result['epochs_run']} epochs, "
        f"{result['device']}); held-out accuracy {result['held_out_accuracy']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
