"""The report written next to every model: figures, pictures, exports, metadata."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

from handcam.bundle import REPORT_FILE, write_bundle_metadata
from training import evaluate
from training.features import Features
from training.fit import predict
from training.progress import Progress


def data_report(dataset, feats: Features, progress: Progress) -> dict:
    """Per-class counts, imbalance, unreadable files and images without a hand."""
    counts = dataset.counts()
    status = list(zip(dataset.samples, feats.status, strict=True))
    no_hand = [str(s.path) for s, st in status if st == "no_hand"]
    unreadable = [str(s.path) for s, st in status if st == "unreadable"]
    nonzero = [c for c in counts.values() if c]
    imbalance = round(max(nonzero) / min(nonzero), 2) if nonzero else None
    progress.message("per class: " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
    progress.message(f"imbalance (largest/smallest class): {imbalance}")
    if unreadable:
        progress.message(f"warning: skipped {len(unreadable)} unreadable file(s)")
    if no_hand:
        progress.message(f"no hand found in {len(no_hand)} image(s): e.g. {no_hand[:3]}")
    return {
        "roots": [str(r) for r in dataset.roots],
        "images": len(dataset.samples),
        "per_class": counts,
        "imbalance": imbalance,
        "unreadable": unreadable,
        "no_hand": no_hand,
        "ignored_folders": dataset.ignored_folders,
    }


def write_report(run, model, history: dict, split, extra: dict) -> dict:
    """Save the model, evaluate it on validation and test, draw the pictures, export
    TFLite, write labels/config/report into ``run.work``; return the report."""
    from training.export import export_tflite

    tr, va, te = split
    names, feats, y, labels, work = run.spec.inputs, run.feats, run.y, run.labels, run.work
    model.save(work / "model.keras")
    evaluation: dict = {}
    for part, idx in (("validation", va), ("test", te)):
        if len(idx) == 0:
            continue
        probs = predict(model, run.inputs(idx))
        pred = probs.argmax(1)
        evaluation[part] = evaluate.metrics(y[idx], pred, labels)
        evaluate.plot_confusion(
            evaluation[part]["confusion_matrix"],
            labels,
            work / f"confusion_{part}.png",
            f"{run.spec.name}: {part}",
        )
        rows = run.idx_ok[idx]
        evaluation[part]["misclassified"] = evaluate.plot_misclassified(
            feats.crops[rows],
            y[idx],
            pred,
            probs.max(1),
            labels,
            [feats.samples[i].path.name for i in rows],
            work / f"misclassified_{part}.png",
        )
    evaluate.plot_learning_curves(history, work / "learning_curves.png", run.spec.name)
    exports: dict = {}
    if run.cfg.export:
        run.progress.message("exporting TFLite float16 and int8")
        parts = {"validation": va, "test": te}
        exports = export_tflite(
            model,
            list(names),
            work,
            run.inputs(tr),
            {p: (run.inputs(i), y[i]) for p, i in parts.items() if len(i)},
        )
    training_info = {k: v for k, v in asdict(run.cfg).items() if k != "overwrite"}
    training_info.update(epochs_run=len(history.get("loss", [])), device=extra["device"])
    write_bundle_metadata(work, labels, run.preprocess, run.spec.name, list(names), training_info)
    report = {
        "model": run.spec.name,
        "description": run.spec.description,
        "bundle": run.cfg.out,
        "labels": labels,
        "data": extra["data"],
        "split": extra["split"],
        "device": extra["device"],
        "evaluation": evaluation,
        "exports": exports,
        "cross_validation": extra["cv"],
        "history": history,
        "command": run.cfg.command,
        "duration_s": round(time.time() - extra["started"], 1),
        "size_kb": round((work / "model.keras").stat().st_size / 1024, 1),
    }
    (work / REPORT_FILE).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return report
