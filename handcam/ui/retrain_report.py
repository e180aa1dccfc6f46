"""What a retrain's report says, for people: one headline to act on (how well the model
should read sittings and people it never saw, or plainly that this cannot be measured
yet and what to record next), the figures of each label, a confusion matrix that stays
readable for 26 labels and more (full size on a click), and the details (split policy,
training length, data, the "not a sign" gate) one click away.

It reads the ``report.json`` that training writes (``training/report.py``) and never
writes it.
"""

from __future__ import annotations

from dataclasses import dataclass

SITTINGS_NEEDED = 3  # the split keeps sittings apart for a label recorded in this many


@dataclass(frozen=True)
class Headline:
    title: str  # one line a person can act on
    body: str  # what it was measured on, or what to record next
    measured: bool  # True: the figure is for sittings or people never trained on


@dataclass(frozen=True)
class LabelRow:
    label: str
    recall: float | None  # of this label's held-out samples, the share read right
    precision: float | None  # of the samples read as this label, the share right
    n: int  # held-out samples of this label
    mistaken_for: str  # the labels it was read as instead, most often first
    optimistic: bool  # recorded in too few sittings: its figures come from them


def percent(x: float) -> str:
    """94%, or 99.6% when rounding would claim a perfect score."""
    return f"{x:.1%}" if 0.995 <= x < 1.0 else f"{x:.0%}"


def held_out_part(report: dict) -> tuple[str, dict]:
    """("test", figures) when there is a test part, else the validation part."""
    ev = report.get("evaluation") or {}
    name = "test" if ev.get("test") else "validation"
    return name, ev.get(name) or {}


def _names(labels: list[str], most: int = 8) -> str:
    shown = ", ".join(labels[:most])
    return shown + (f" and {len(labels) - most} more" if len(labels) > most else "")


def _rows_accuracy(part: dict, labels: list[str], keep: set[str]) -> tuple[float | None, int]:
    """Accuracy over the held-out samples of the labels in ``keep`` (confusion rows)."""
    cm = part.get("confusion_matrix") or []
    right = total = 0
    for i, row in enumerate(cm):
        if i < len(labels) and labels[i] in keep:
            right += row[i]
            total += sum(row)
    return (right / total if total else None), total


def headline(report: dict) -> Headline:
    """The one thing to read first (see the module's docstring)."""
    part_name, part = held_out_part(report)
    split = report.get("split") or {}
    labels = list(report.get("labels") or [])
    by_sample = [lab for lab in split.get("by_sample_labels") or [] if lab in labels]
    record_again = (
        f"record {'each of them' if len(by_sample) > 1 else 'it'} again in "
        f"{SITTINGS_NEEDED - 1} more sittings (another day, other light, or another person), "
        "then retrain."
    )
    if part.get("accuracy") is None:
        return Headline(
            "No figure: nothing could be held out to test the new model on",
            "Record more samples of each label, in more than one sitting, and retrain.",
            False,
        )
    honest = {lab for lab in labels if lab not in by_sample}
    acc, n = _rows_accuracy(part, labels, honest)
    groups = (split.get("groups") or {}).get(part_name)
    where = ""
    if groups:
        where = f" from {groups} sittings or people" if groups > 1 else " from 1 sitting or person"
    if acc is None:  # every label was split by sample: one sitting each
        return Headline(
            "How well it reads people you did not record cannot be measured from one sitting",
            f"Each label was recorded in fewer than {SITTINGS_NEEDED} sittings, so its "
            f"{part_name} samples come from the sittings it was trained on: the "
            f"{percent(part['accuracy'])} they score is optimistic. Next: {record_again}",
            False,
        )
    title = f"Expect about {percent(acc)} right on sittings and people it never saw"
    body = (
        f"Measured on {n} {part_name} samples{where} kept out of training. People you did "
        "not record may read lower; more people and sittings make the figure firmer."
    )
    if by_sample:
        _, m = _rows_accuracy(part, labels, set(by_sample))
        title = (
            f"Expect about {percent(acc)} right on sittings it never saw, for the "
            f"{len(honest)} labels that can be measured"
        )
        body = (
            f"{len(by_sample)} label(s) ({_names(by_sample)}) were recorded in fewer than "
            f"{SITTINGS_NEEDED} sittings: how well they read others cannot be measured yet "
            f"(their {m} held-out samples come from the sittings they were trained on): "
            f"{record_again} The {percent(acc)} is from {n} {part_name} samples{where} of the "
            "other labels."
        )
    return Headline(title, body, True)


def motion_text(report: dict) -> str:
    """One line on the motion signs learned from clips; "" when there are none."""
    motion = report.get("motion")
    if not motion:
        return ""
    signs = ", ".join(motion.get("signs", []))
    check = motion.get("check")
    if not check:
        return f"Motion signs {signs}: {motion.get('note') or 'not measured'}"
    caught = "; ".join(
        f"{sign} {percent(v['caught_once'])}" for sign, v in check.get("signs", {}).items()
    )
    return (
        f"Motion signs {signs}: caught once on varied copies of a clip kept back ({caught}); "
        f"{check.get('false_per_min', 0):.1f} false onsets a minute over still hands"
    )


def gate_text(report: dict) -> str:
    """One line on the "not a sign" gate, from the report's ``gate`` entry (or the older
    ``open_set`` entry); "" when the report has neither."""
    gate = report.get("gate")
    if gate is not None:
        return f"Not-a-sign gate: {_plain(gate)}"
    openset = report.get("open_set")
    if not openset:
        return ""
    state = openset.get("state")
    if state == "off":  # too few people to say how others make these signs
        return f"Not-a-sign gate: off; {openset.get('why', '')}".rstrip("; ")
    how = openset.get("calibrated_on")
    text = f"Not-a-sign gate: {state or 'on'}" + (f", calibrated on {how}" if how else "")
    if openset.get("open_labels"):
        text += f"; never rejects {', '.join(openset['open_labels'])} (too few people)"
    for part in ("test", "validation"):
        passing = openset.get(f"{part}_signs_passing")
        if passing is not None:
            return f"{text}; it lets {percent(passing)} of the {part} signs through"
    return text


def _plain(value) -> str:
    """A report entry as plain text: a string as it is, a mapping as "key: value"."""
    if isinstance(value, dict):
        for key in ("summary", "text", "message"):
            if isinstance(value.get(key), str):
                return value[key]
        return "; ".join(
            f"{k.replace('_', ' ')}: {_plain(v)}"
            for k, v in value.items()
            if isinstance(v, str | int | float | bool | dict) or v is None
        )
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def label_rows(report: dict) -> list[LabelRow]:
    """One row per label with held-out samples, the weakest first."""
    _, part = held_out_part(report)
    labels = list(report.get("labels") or [])
    per_class = part.get("per_class") or {}
    cm = part.get("confusion_matrix") or []
    by_sample = set((report.get("split") or {}).get("by_sample_labels") or [])
    rows = []
    for i, label in enumerate(labels):
        m = per_class.get(label) or {}
        n = int(m.get("support") or 0)
        if not n:
            continue
        wrong = []
        if i < len(cm):
            wrong = sorted(
                ((c, labels[j]) for j, c in enumerate(cm[i]) if j != i and c), reverse=True
            )
        mistaken = ", ".join(f"{lab} ({c})" for c, lab in wrong[:3])
        rows.append(
            LabelRow(label, m.get("recall"), m.get("precision"), n, mistaken, label in by_sample)
        )
    return sorted(rows, key=lambda r: (r.recall if r.recall is not None else 2.0, r.label))


def auc_lines(auc: dict | None) -> list[str]:
    """The test part's macro one-vs-rest AUC-ROC, or why there is none (older reports
    have no such entry: nothing is said)."""
    if not auc:
        return []
    if auc.get("macro_ovr") is None:
        return [f"AUC-ROC (macro, one-vs-rest): not measured: {auc.get('why', 'unknown')}"]
    line = f"AUC-ROC (macro, one-vs-rest) on the test part: {auc['macro_ovr']:.3f}"
    if auc.get("labels_missing"):
        line += f", {auc.get('why')} ({_names(auc['labels_missing'])})"
    return [line]


def details_text(report: dict) -> str:
    """Everything else worth knowing, as plain text (the Details tab)."""
    lines = []
    part_name, part = held_out_part(report)
    split = report.get("split") or {}
    if part.get("accuracy") is not None:
        lines.append(
            f"Held-out {part_name}: {percent(part['accuracy'])} of {part.get('n')} samples"
            f" (split: {split.get('policy', '?')}), macro F1 {part.get('macro_f1')}"
        )
        for source, fig in (part.get("by_source") or {}).items():
            lines.append(f"  from {source}: {percent(fig['accuracy'])} of {fig['n']}")
    lines += auc_lines(report.get("auc_roc"))
    sizes = [f"{k} {split[k]}" for k in ("train", "validation", "test") if k in split]
    if sizes:
        lines.append("Samples per part: " + ", ".join(sizes))
    lines += [f"- {note}" for note in split.get("notes") or []]
    gate = gate_text(report)
    if gate:
        lines.append(gate)
    sel = report.get("selection") or {}
    if sel:
        lines.append(f"Training length: {sel.get('policy')} ({sel.get('why', '')})")
    cv = report.get("cross_validation")
    if cv and cv.get("mean_accuracy") is not None:
        kind = "grouped" if cv.get("grouped") else "by sample"
        lines.append(
            f"Cross-validation ({cv.get('folds')} folds, {kind}): mean "
            f"{percent(cv['mean_accuracy'])}"
        )
    data = report.get("data") or {}
    if data:
        lines.append(
            f"Data: {data.get('images')} images in {', '.join(data.get('roots') or [])}; "
            f"largest/smallest label {data.get('imbalance')}"
        )
        for name, counts in (data.get("carried") or {}).items():
            lines.append(
                f"  carried from {name}: {sum(counts.values())} hands, {len(counts)} labels"
            )
        if data.get("no_hand"):
            lines.append(f"  no hand found in {len(data['no_hand'])} image(s)")
    extra = [f"model: {report.get('model')}", f"trained on {report.get('device')}"]
    if report.get("duration_s") is not None:
        extra.append(f"in {report['duration_s']:.0f} s")
    lines.append(", ".join(extra))
    if report.get("bundle"):
        lines.append(
            f"Saved in {report['bundle']} (with pictures of the confusion matrices, "
            "the learning curves and the misclassified samples)"
        )
    if report.get("command"):
        lines.append(f"Command: {report['command']}")
    return "\n".join(lines)
