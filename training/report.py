"""The report written next to every model: figures, pictures, exports, metadata."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict

import numpy as np

from handcam.model.bundle import REPORT_FILE, write_bundle_metadata
from training import evaluate
from training.augment import landmark_augment
from training.export import CALIBRATION_ROWS
from training.fit import predict
from training.progress import Progress


def data_report(dataset, extracted, progress: Progress) -> dict:
    """Per-class counts, imbalance, unreadable files and images without a hand."""
    counts = dataset.counts()
    status = list(zip(dataset.samples, extracted.status, strict=True))
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
    if dataset.bad_sidecars:
        progress.message(
            f"warning: {len(dataset.bad_sidecars)} sidecar(s) ignored: {dataset.bad_sidecars[:3]}"
        )
    return {
        "roots": [str(r) for r in dataset.roots],
        "images": len(dataset.samples),
        "per_class": counts,
        "imbalance": imbalance,
        "unreadable": unreadable,
        "no_hand": no_hand,
        "ignored_folders": dataset.ignored_folders,
        "bad_sidecars": dataset.bad_sidecars,
    }


def write_report(run, model, history: dict, plan, extra: dict) -> dict:
    """Save the model, evaluate it on validation and test, draw the pictures, export
    TFLite, write labels/config/report into ``run.work``; return the report."""
    from training.backend import float32_model
    from training.export import export_bundle

    names, y, labels, work = run.spec.inputs, run.y, run.labels, run.work
    model = float32_model(model)  # what the app runs, whatever precision trained it
    model.save(work / "model.keras")
    evaluation: dict = {}
    auc = evaluate.auc_roc(y[plan.test], None, labels, "test")  # no test part: why
    for part, idx in (("validation", plan.validation), ("test", plan.test)):
        if len(idx) == 0:
            continue
        probs = predict(model, run.inputs(idx))
        pred = probs.argmax(1)
        if part == "test":
            auc = evaluate.auc_roc(y[idx], probs, labels, part)
        evaluation[part] = evaluate.metrics(y[idx], pred, labels)
        evaluation[part]["by_source"] = _by_source(run.sources[idx], y[idx], pred)
        evaluate.plot_confusion(
            evaluation[part]["confusion_matrix"],
            labels,
            work / f"confusion_{part}.png",
            f"{run.spec.name}: {part} ({extra['split']['policy']} split)",
        )
        evaluation[part]["misclassified"] = _misclassified(run, idx, pred, probs, part)
    evaluate.plot_learning_curves(history, work / "learning_curves.png", run.spec.name)
    cv = extra.get("cv")
    if cv and cv.get("confusion_matrix"):
        kind = "grouped" if cv["grouped"] else "by sample"
        evaluate.plot_confusion(
            cv["confusion_matrix"],
            labels,
            work / "confusion_cv.png",
            f"{run.spec.name}: {cv['folds']}-fold cross-validation ({kind}), all held-out folds",
        )
    openset = _open_set(run, plan, evaluation) if names == ("landmarks",) else None
    device = extra["device"]
    training_info = {k: v for k, v in asdict(run.cfg).items() if k != "overwrite"}
    training_info.update(
        epochs_run=len(history.get("loss", [])),
        device=device["device"],
        backend=device["backend"],
        precision=device["precision"],
        members=run.members,
        pretrained_asked=run.cfg.pretrained,  # a path, auto or none
        pretrained=str(run.pretrained.path) if run.pretrained is not None else None,
    )
    if "landmarks" in names:
        training_info["augment"] = landmark_augment(run.cfg, run.spec).to_dict()
    write_bundle_metadata(
        work, labels, run.preprocess, run.spec.name, list(names), training_info,
        tuple(run.cfg.motion_signs),
    )  # fmt: skip
    exports: dict = {}
    if run.cfg.export:
        run.progress.message("exporting TFLite float16 and int8")
        parts = {"validation": plan.validation, "test": plan.test}
        exports = export_bundle(
            model,
            list(names),
            work,
            run.inputs(plan.train[:CALIBRATION_ROWS]),
            {p: (run.inputs(i), y[i]) for p, i in parts.items() if len(i)},
        )
        if "skipped" in exports:
            run.progress.message(f"warning: {exports['skipped']}")
    report = {
        "model": run.spec.name,
        "description": run.spec.description,
        "bundle": run.cfg.out,
        "labels": labels,
        "features": run.preprocess.features,
        "data": extra["data"],
        "split": extra["split"],
        "selection": extra["selection"],
        "device": device["device"],
        "backend": device["backend"],
        "precision": device["precision"],
        "evaluation": evaluation,
        "auc_roc": auc,  # macro one-vs-rest, on the test part
        "exports": exports,
        "cross_validation": extra["cv"],
        "open_set": openset,
        "history": history,
        "command": run.cfg.command,
        "duration_s": round(time.time() - extra["started"], 1),
        "size_kb": round((work / "model.keras").stat().st_size / 1024, 1),
    }
    (work / REPORT_FILE).write_text(
        json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return report


def _open_set(run, plan, evaluation: dict) -> dict:
    """Fit and save the "not a sign" gate (training.gate_fit) on the hands of the people
    the model was not tested on (training and validation parts), calibrated on those
    people left out in turn; say how, which labels never reject and why, and how many of
    the test part's signs it lets pass (frontal and turned / moved)."""
    from handcam.model.gate import OPENSET_FILE
    from training.gate_fit import PASS_RATE, fit_shape_gate, gate_report

    init = run.init
    same_signs = init is not None and list(init.labels) == list(run.labels)
    if run.cfg.adapt and same_signs and (init.path / OPENSET_FILE).is_file():
        shutil.copy2(init.path / OPENSET_FILE, run.work / OPENSET_FILE)  # the gate as it was
        kept = dict((init.report or {}).get("open_set") or {})
        kept["kept_from"] = str(init.path)
        return kept
    rows = np.concatenate([plan.train, plan.validation]).astype(int)
    hands = run.data.subset(rows).hands
    gate, info = fit_shape_gate(
        hands, run.labels, run.preprocess, run.cfg.seed, mirror=run.cfg.mirror_augment
    )
    gate.save(run.work / OPENSET_FILE)
    test = run.data.subset(plan.test).hands if len(plan.test) else None
    return gate_report(gate, info, run.preprocess, test, PASS_RATE)


def _by_source(sources: np.ndarray, y: np.ndarray, pred: np.ndarray) -> dict:
    """Accuracy per data source (a dataset folder, or the set carried from a bundle)."""
    out = {}
    for src in sorted(set(sources.tolist())):
        m = sources == src
        out[src] = {"accuracy": round(float(np.mean(pred[m] == y[m])), 4), "n": int(m.sum())}
    return out


def _misclassified(run, idx: np.ndarray, pred: np.ndarray, probs: np.ndarray, part: str) -> int:
    """Draw the wrongly classified samples: hand crops for crop models, landmark skeletons
    otherwise (carried samples have no photos, and no photo enters a bundle)."""
    data = run.data.subset(idx)
    names = [o.split("/")[-1] for o in data.hands.origins]
    path = run.work / f"misclassified_{part}.png"
    args = (run.y[idx], pred, probs.max(1), run.labels, names, path)
    if data.crops is not None:
        return evaluate.plot_misclassified(data.crops, *args)
    return evaluate.plot_misclassified_skeletons(data.hands, run.preprocess, *args)
