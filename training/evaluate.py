"""Figures and pictures for a model's report: metrics, confusion matrix, learning curves,
misclassified samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def metrics(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Accuracy, per-class precision/recall/F1/support, macro F1 and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    k = len(labels)
    cm = confusion_matrix(y_true, y_pred, labels=list(range(k)))
    prec, rec, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(prec[i]), 4),
            "recall": round(float(rec[i]), 4),
            "f1": round(float(f1[i]), 4),
            "support": int(support[i]),
        }
        for i, label in enumerate(labels)
    }
    present = [v["f1"] for v in per_class.values() if v["support"]]
    n = int(cm.sum())
    return {
        "n": n,
        "accuracy": round(float(np.trace(cm) / n), 4) if n else None,
        "macro_f1": round(float(np.mean(present)), 4) if present else None,
        "per_class": per_class,
        "confusion_matrix": cm.tolist(),
    }


def auc_roc(y_true: np.ndarray, probs: np.ndarray | None, labels: list[str], part: str) -> dict:
    """Macro one-vs-rest AUC-ROC of the class probabilities on one part, over the labels
    the part holds (each label's AUC of its probability against all other rows, averaged:
    scikit-learn's ``roc_auc_score(multi_class="ovr", average="macro")`` when every label
    is there). ``macro_ovr`` is None, with ``why``, when it cannot be measured."""
    from sklearn.metrics import roc_auc_score

    out: dict = {"part": part, "macro_ovr": None, "labels": 0, "labels_missing": []}
    if probs is None or len(y_true) == 0:
        return {**out, "why": f"there is no {part} part"}
    present = sorted(set(np.asarray(y_true).tolist()))
    out["labels_missing"] = [labels[c] for c in range(len(labels)) if c not in present]
    if len(present) < 2:
        only = labels[present[0]] if present else "none"
        return {**out, "why": f"the {part} part holds one label ({only}): AUC needs two"}
    scores = [roc_auc_score(y_true == c, probs[:, c]) for c in present]
    out.update(macro_ovr=round(float(np.mean(scores)), 4), labels=len(present))
    if out["labels_missing"]:
        out["why"] = (
            f"over the {len(present)} labels the {part} part holds; "
            f"{len(out['labels_missing'])} it lacks have no AUC"
        )
    return out


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_confusion(cm: list[list[int]], labels: list[str], path: Path, title: str) -> None:
    plt = _plt()
    arr = np.asarray(cm)
    size = max(4.0, 0.5 * len(labels) + 2)
    fig, ax = plt.subplots(figsize=(size, size * 0.9))
    norm = arr / np.maximum(arr.sum(axis=1, keepdims=True), 1)
    ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=45 if len(labels) > 12 else 0)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    if len(labels) <= 30:
        for i in range(len(labels)):
            for j in range(len(labels)):
                if arr[i, j]:
                    colour = "white" if norm[i, j] > 0.5 else "black"
                    ax.text(
                        j, i, str(arr[i, j]), ha="center", va="center", color=colour, fontsize=8
                    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_learning_curves(history: dict[str, list[float]], path: Path, title: str) -> None:
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
        for key, style in ((metric, "-"), (f"val_{metric}", "--")):
            if history.get(key):
                ax.plot(range(1, len(history[key]) + 1), history[key], style, label=key)
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _misclassified_gallery(
    draw, y_true, y_pred, confidence, labels, names, path: Path, limit: int, note: str = ""
) -> int:
    """The most confident mistakes, one cell each (``draw(ax, i)``); returns how many."""
    plt = _plt()
    wrong = np.flatnonzero(y_true != y_pred)
    shown = wrong[np.argsort(-confidence[wrong])][:limit]
    cols = max(1, min(6, len(shown)))
    rows = max(1, int(np.ceil(len(shown) / cols)))
    fig, axes = plt.subplots(
        rows, cols, figsize=(max(2.1 * cols, 4.5), 2.4 * rows + 0.4), squeeze=False
    )
    for ax in axes.ravel():
        ax.axis("off")
    if not len(shown):
        axes[0, 0].text(0.5, 0.5, "no misclassified samples", ha="center", va="center")
    for ax, i in zip(axes.ravel(), shown, strict=False):
        draw(ax, i)
        ax.set_title(
            f"true {labels[y_true[i]]} / pred {labels[y_pred[i]]}\n"
            f"{confidence[i]:.2f} {names[i][-18:]}",
            fontsize=7,
        )
    fig.suptitle(f"misclassified: {wrong.size} (most confident first{note})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return int(wrong.size)


def plot_misclassified(
    crops: np.ndarray,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    confidence: np.ndarray,
    labels: list[str],
    names: list[str],
    path: Path,
    limit: int = 24,
) -> int:
    """A gallery of wrongly classified hand crops; returns how many were wrong in all."""
    return _misclassified_gallery(
        lambda ax, i: ax.imshow(crops[i]), y_true, y_pred, confidence, labels, names, path, limit
    )


def plot_misclassified_skeletons(
    hands,
    preprocess,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    confidence: np.ndarray,
    labels: list[str],
    names: list[str],
    path: Path,
    limit: int = 24,
) -> int:
    """Wrongly classified hands drawn as landmark skeletons; returns how many were wrong."""
    from handcam.hands.hand import HAND_CONNECTIONS
    from handcam.model.skeleton import canonical_xy

    tips = [4, 8, 12, 16, 20]

    def draw(ax, i: int) -> None:
        pts = canonical_xy(
            hands.landmarks[i : i + 1], hands.handedness[i : i + 1], preprocess.mirror_left
        )[0]
        for a, b in HAND_CONNECTIONS:
            ax.plot(pts[[a, b], 0], -pts[[a, b], 1], color="#3a7", lw=1.5)
        ax.scatter(pts[:, 0], -pts[:, 1], s=6, color="#333", zorder=3)
        ax.scatter(pts[tips, 0], -pts[tips, 1], s=10, color="#d44", zorder=4)
        ax.set_aspect("equal")
        ax.set_xlim(-1.1, 1.1)
        ax.set_ylim(-1.1, 1.1)  # drawn y up; hands pointing down (P, Q) stay inside

    return _misclassified_gallery(
        draw, y_true, y_pred, confidence, labels, names, path, limit, "; fingertips red"
    )


def summary_text(report: dict) -> str:
    """A short printed summary of a training report."""
    lines = [f"model: {report['model']} -> {report['bundle']}"]
    for part in ("validation", "test"):
        m = report["evaluation"].get(part)
        if m and m.get("accuracy") is not None:
            lines.append(
                f"{part} accuracy: {m['accuracy']:.4f} on {m['n']} samples "
                f"(macro F1 {m['macro_f1']:.4f})"
            )
    auc = report.get("auc_roc") or {}
    if auc.get("macro_ovr") is not None:
        lines.append(f"test macro one-vs-rest AUC-ROC: {auc['macro_ovr']:.4f}")
    elif auc.get("why"):
        lines.append(f"test AUC-ROC: not measured ({auc['why']})")
    for name, t in report.get("exports", {}).items():
        if not isinstance(t, dict):  # "skipped": why there is no export
            lines.append(f"TFLite export {name}: {t}")
        elif "accuracy" in t:
            test = f", test {t['test_accuracy']:.4f}" if "test_accuracy" in t else ""
            lines.append(
                f"{name}: {t['size_kb']} KB, validation accuracy {t['accuracy']:.4f}{test}"
            )
        else:
            lines.append(f"{name}: {t.get('error', 'not exported')}")
    if report.get("cross_validation"):
        cv = report["cross_validation"]
        lines.append(
            f"{cv['folds']}-fold cross-validation: {cv['mean_accuracy']:.4f} "
            f"± {cv['std_accuracy']:.4f} (pooled {cv['pooled_accuracy']:.4f})"
        )
        recall = cv.get("recall_per_label", {})
        weak = sorted((r, lab) for lab, r in recall.items() if r < 1.0)
        if weak:
            lines.append("  held-out recall below 1: " + ", ".join(f"{b} {a:.3f}" for a, b in weak))
        pairs = cv.get("confusion_pairs", [])
        if pairs:
            lines.append(
                "  most confused (true->predicted): "
                + ", ".join(f"{p['true']}->{p['predicted']} {p['count']}" for p in pairs[:8])
            )
    where = report["device"]
    if report.get("backend"):
        where += f" ({report['backend']}, {report.get('precision', 'float32')})"
    lines.append(f"trained on {where} in {report['duration_s']:.0f} s")
    return "\n".join(lines)
