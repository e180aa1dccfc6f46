"""J / Z on varied motion (:mod:`tools.synth.varied`): recall, doubles, wrong signs, latency and
false onsets per minute of other letters, as ``python -m benchmarks.motion_bench --varied`` prints.

Sets are fixed by seeds and by whose real hands they use (the carried letters set's signers):
``tune`` (people P1, P3, P5, P6, P7, P8; narrower ranges) is where thresholds are chosen,
``train`` (the same people, other seeds) is what the learned scorer is trained on, and
``test`` (people P2 and P4, held out; the full ranges: 15-60 fps, 0.4-1.5 s, tilts to 30
degrees, the drawing plane turned 40 degrees) is what is reported. Every frame is read by
the shipped letters model as in the app, and its probabilities go to the recogniser.

A motion is caught when the first onset from its start to 1 s after its end is its sign;
doubled when its sign is shown more than once from 0.3 s before it to 1.5 s after; wrong when
another sign is shown then. Any other onset is a false one, counted per minute of the time
outside J / Z motions (the other letters, their transitions and the look-alikes).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tools.synth.realhands import RealHands
from tools.synth.varied import NEGATIVE, POSITIVE, RANGES, TUNE_RANGES
from tools.synth.varied_scenes import make

REPO = Path(__file__).resolve().parents[1]
TUNE_PEOPLE = ("P1", "P3", "P5", "P6", "P7", "P8")
TEST_PEOPLE = ("P2", "P4")  # held out: never used to choose or train anything
SETS = {  # name: (first seed, people, ranges)
    "tune": (0, TUNE_PEOPLE, TUNE_RANGES),
    "train": (1_000_000, TUNE_PEOPLE, TUNE_RANGES),
    "test": (500_000, TEST_PEOPLE, RANGES),
}
LATE_S = 1.0  # an onset later than this after the motion's end is not a catch


class StillModel:
    """The shipped letters model on each frame's landmarks (what the app feeds motion)."""

    def __init__(self, bundle_path: Path = REPO / "models/letters") -> None:
        from handcam.model.bundle import ModelBundle
        from handcam.model.classifier import TFLiteClassifier

        self.bundle = ModelBundle.load(bundle_path)
        self.clf = TFLiteClassifier(self.bundle)
        self.labels = self.bundle.labels

    def probs(self, frames) -> list:
        from handcam.features.preprocess import HandFeatures, landmark_features

        idx = [i for i, (_, h, _) in enumerate(frames) if h is not None]
        out: list = [None] * len(frames)
        if not idx:
            return out
        lms = np.stack([frames[i][1].landmarks for i in idx])
        world = np.stack([frames[i][1].world_landmarks for i in idx])
        hand = [frames[i][1].handedness for i in idx]
        feats = landmark_features(lms, world, hand, self.bundle.preprocess)
        for i, f in zip(idx, feats, strict=True):
            p = self.clf.predict(HandFeatures(f, None))
            out[i] = dict(zip(self.labels, map(float, p), strict=True))
        return out


def sequences(
    name: str,
    n_pos: int,
    n_neg: int,
    shard: tuple[int, int] = (0, 1),
    first: int = 0,
    model: Path | None = None,
):
    """Yield the set's sequences, ``n_pos`` of J and of Z and ``n_neg`` of each look-alike
    from the ``first`` of each (of those, every ``shard[1]``-th from the ``shard[0]``-th),
    each with ``info["probs"]`` (the still model's, per frame: ``model``'s, else the shipped
    letters')."""
    seed0, people, ranges = SETS[name]
    hands, still = RealHands(), StillModel(model) if model else StillModel()
    seeds = [(kind, seed0 + 10_000 * k + first + i) for k, kind in enumerate(POSITIVE + NEGATIVE)
             for i in range(n_pos if kind in POSITIVE else n_neg)]  # fmt: skip
    for kind, seed in seeds[shard[0] :: shard[1]]:
        seq = make(kind, seed, hands, people, ranges)
        seq.info["probs"] = still.probs(seq.frames)
        yield seq


def feed(seq, rec, use_still: bool = True) -> tuple[list, list]:
    """(onsets [(t, label)], CPU seconds of every update)."""
    onsets, costs = [], []
    for (t, hand, _), p in zip(seq.frames, seq.info["probs"], strict=True):
        sp = p if use_still else None
        top = max(p, key=p.get) if sp else None
        c = time.thread_time()
        res = rec.update(t, hand, top, sp)
        costs.append(time.thread_time() - c)
        if res.onset:
            onsets.append((t, res.label))
    return onsets, costs


def score(seq, onsets) -> dict:
    out: dict = {"hits": 0, "n": 0, "double": 0, "wrong": 0, "latency": [], "false": 0}
    windows = [(t0, t1 + 1.5) for _, t0, t1 in seq.motions]
    for lab, t0, t1 in seq.motions:
        out["n"] += 1
        inside = [(t, x) for t, x in onsets if t0 <= t <= t1 + LATE_S]
        if inside and inside[0][1] == lab:
            out["hits"] += 1
            out["latency"].append(inside[0][0] - t1)
        near = [x for t, x in onsets if t0 - 0.3 <= t <= t1 + 1.5]
        out["double"] += sum(x == lab for x in near) > 1
        out["wrong"] += any(x != lab for x in near)
    out["false"] = sum(not any(a - 0.3 <= t <= b for a, b in windows) for t, _ in onsets)
    out["other_s"] = seq.duration - sum(t1 - t0 for _, t0, t1 in seq.motions)
    return out


def evaluate(seqs, factory: Callable, use_still: bool = True) -> dict:
    """Figures of a fresh ``factory()`` recogniser per sequence."""
    rows: dict = defaultdict(lambda: defaultdict(float))
    lat: dict = defaultdict(list)
    costs: list = []
    for seq in seqs:
        onsets, c = feed(seq, factory(), use_still)
        costs += c
        sc = score(seq, onsets)
        row = rows[seq.kind]
        row["seqs"] += 1
        for key in ("hits", "n", "double", "wrong", "false", "other_s"):
            row[key] += sc[key]
        lat[seq.kind] += sc["latency"]
    report: dict = {"kinds": {}}
    neg = [0.0, 0.0]
    total = [0.0, 0.0]
    for kind in POSITIVE + NEGATIVE:
        if kind not in rows:
            continue
        row = rows[kind]
        r = {"seqs": int(row["seqs"]), "false": int(row["false"]),
             "false_per_min": 60 * row["false"] / max(row["other_s"], 1e-9)}  # fmt: skip
        if kind in POSITIVE:
            la = lat[kind] or [float("nan")]
            r.update(recall=row["hits"] / row["n"], double=row["double"] / row["n"],
                     wrong=row["wrong"] / row["n"], latency_median=float(np.median(la)),
                     latency_p90=float(np.percentile(la, 90)))  # fmt: skip
        else:
            neg[0] += row["false"]
            neg[1] += row["other_s"]
        total[0] += row["false"]
        total[1] += row["other_s"]
        report["kinds"][kind] = r
    report["neg_false_per_min"] = 60 * neg[0] / max(neg[1], 1e-9)
    report["false_per_min"] = 60 * total[0] / max(total[1], 1e-9)
    report["other_minutes"] = total[1] / 60
    report["update_us_median"] = float(np.median(costs) * 1e6)
    report["update_us_p99"] = float(np.percentile(costs, 99) * 1e6)
    return report


def format_report(report: dict) -> str:
    lines = []
    for kind, r in report["kinds"].items():
        if "recall" in r:
            lines.append(f"  {kind:<10} recall {r['recall']:6.1%}  double {r['double']:5.1%}"
                         f"  wrong {r['wrong']:5.1%}  latency after the motion median"
                         f" {r['latency_median']:+.2f} s, p90 {r['latency_p90']:+.2f} s"
                         f"  ({r['seqs']} seqs)")  # fmt: skip
        else:
            lines.append(f"  {kind:<10} false onsets {r['false']:3d} in {r['seqs']:3d} seqs"
                         f"  ({r['false_per_min']:.2f}/min)")  # fmt: skip
    lines.append(f"  false onsets per minute of other letters: {report['false_per_min']:.2f}"
                 f" overall ({report['other_minutes']:.1f} min), {report['neg_false_per_min']:.2f}"
                 f" in the look-alikes;  update {report['update_us_median']:.0f} us median,"
                 f" {report['update_us_p99']:.0f} p99")  # fmt: skip
    return "\n".join(lines)
