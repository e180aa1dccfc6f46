"""Several model kinds trained on the same grouped split, side by side (``python -m
benchmarks.retrain compare``)."""

from __future__ import annotations

import json
from pathlib import Path


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
    (out / "comparison.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "comparison.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print("\n".join(lines))
    return rows
