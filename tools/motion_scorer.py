"""``python -m tools.motion_scorer``: train the J / Z candidate scorer of
:mod:`handcam.signs.motion` on the varied motion's ``train`` set (the tune people's hands,
seeds of their own; never the test people), and export it as numpy weights.

    python -m tools.motion_scorer collect cand.npz [--shard 0/2]   # candidates, labelled
    python -m tools.motion_scorer mine hard.npz --scorer first.npz  # what a scorer gets wrong
    python -m tools.motion_scorer train out.npz cand.npz [hard.npz[:K] ...]
    python -m tools.motion_scorer merge out.npz a.npz b.npz         # an ensemble of both

``collect`` runs the recogniser over every second frame of the train set's sequences (with the
still model's probabilities, left out for 30% of the sequences, as the app may have none)
and keeps every candidate that is a J / Z motion (starts near its start, ends near its end)
and 15% of those that are none (ignoring those that overlap one). ``mine`` keeps, of
every frame, the non-motion candidates a scorer rates at ``--min`` or more (hard negatives).
``train`` fits a small MLP per sign (scikit-learn; positives repeated to about 1:5) and
writes the weights :class:`~handcam.signs.motion_candidates.MLPScorer` reads.
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks import motion_varied
from handcam.signs.motion import MotionConfig, MotionSigns
from handcam.signs.motion_candidates import MLPScorer, vectorize


def label_of(sign: str, f: dict, motions) -> np.ndarray:
    """Per candidate: 1 the whole motion of ``sign``, 0 none, -1 a part of one (ignored)."""
    y = np.zeros(len(f["dur"]), int)
    for lab, t0, t1 in motions:
        if lab != sign:
            continue
        dur = t1 - t0
        s, e = f["start"], f["end"]
        whole = (np.abs(s - t0) <= max(0.15, 0.25 * dur)) & (e >= t1 - max(0.1, 0.15 * dur))
        whole &= e <= t1 + 0.25
        inter = np.clip(np.minimum(e, t1) - np.maximum(s, t0), 0, None)
        iou = inter / (np.maximum(e, t1) - np.minimum(s, t0))
        y = np.where(whole, 1, np.where((iou >= 0.4) & (y == 0), -1, y))
    return y


class _Recorder:
    """A scorer that records each frame's candidates (and rates them with ``inner``)."""

    def __init__(self, inner=None) -> None:
        self.inner, self.box = inner, []

    def __call__(self, sign: str, f: dict) -> np.ndarray:
        s = self.inner(sign, f) if self.inner else np.zeros(len(f["dur"]))
        self.box.append((sign, f, s))
        return np.zeros(len(f["dur"]))


def _nothing(now: float) -> tuple[None, float]:
    return None, 0.0


def _some_negatives(share: float):
    def keep(y: np.ndarray, s: np.ndarray, rng) -> np.ndarray:
        return (y == 1) | ((y == 0) & (rng.random(len(y)) < share))

    return keep


def gather(args, keep_fn, every: int) -> dict:
    rng = np.random.default_rng(0)
    shard, nshard = (int(x) for x in args.shard.split("/"))
    out: dict = {k: [] for k in ("J_X", "J_y", "J_g", "Z_X", "Z_y", "Z_g")}
    inner = MLPScorer(args.scorer) if getattr(args, "scorer", None) else None
    seqs = motion_varied.sequences("train", args.n_pos, args.n_neg, (shard, nshard), args.first)
    for si, seq in enumerate(seqs):
        si = si * nshard + shard  # noqa: PLW2901 (the sequence's number in the whole set)
        no_still = rng.random() < 0.3  # some sequences without still probabilities
        rec = _Recorder(inner)
        signs = MotionSigns(MotionConfig(), scorer=rec)
        rate = signs._recognise
        for i, ((t, hand, _), p) in enumerate(zip(seq.frames, seq.info["probs"], strict=True)):
            rec.box.clear()
            signs._recognise = _nothing if i % every else rate  # the track takes every frame
            signs.update(t, hand, None, None if no_still else p)
            for sign, f, s in rec.box:
                y = label_of(sign, f, seq.motions)
                keep = keep_fn(y, s, rng)
                if keep.any():
                    out[f"{sign}_X"].append(vectorize(f)[keep])
                    out[f"{sign}_y"].append(y[keep])
                    out[f"{sign}_g"].append(np.full(int(keep.sum()), si))
        if si % 200 == 0:
            print(si, {k: sum(map(len, v)) for k, v in out.items() if k.endswith("_y")}, flush=True)
    empty = {"X": np.zeros((0, 37)), "y": np.zeros(0, int), "g": np.zeros(0, int)}
    return {k: np.concatenate(v) if v else empty[k[-1]] for k, v in out.items()}


def record(name: str, n_pos: int, n_neg: int, scorer_path=None) -> list:
    """Every frame's candidates rated 0.3 or more, per sequence: (seq, [(t, sign, starts,
    scores, still)]) with no sign ever recognised (see :func:`simulate`)."""
    inner = MLPScorer(scorer_path) if scorer_path else MLPScorer()
    out = []
    for seq in motion_varied.sequences(name, n_pos, n_neg):
        rec = _Recorder(inner)
        signs = MotionSigns(MotionConfig(), scorer=rec)
        rows = []
        for (t, hand, _), p in zip(seq.frames, seq.info["probs"], strict=True):
            rec.box.clear()
            signs.update(t, hand, None, p)
            for sign, f, sc in rec.box:
                keep = sc >= 0.3
                if keep.any():
                    rows.append((t, sign, f["start"][keep], sc[keep], f["still"][keep]))
        out.append((seq.kind, seq.motions, seq.duration, rows))
    return out


def simulate(recs: list, thr: dict, confirm: int = 1, repeat_s: float = 1.0, hold_s=0.6) -> dict:
    """Onsets as the recogniser would give them at thresholds ``thr`` (sign -> probability)
    reached on ``confirm`` recorded frames in a row (no more than 0.12 s apart): after one,
    candidates that start before it are gone, nothing for ``hold_s``, the same sign not for
    ``repeat_s``; figures as :func:`benchmarks.motion_varied.score` counts them."""
    from collections import defaultdict

    tot: dict = defaultdict(float)
    for kind, motions, duration, rows in recs:
        onsets, until, forget, last = [], -np.inf, -np.inf, {"J": -np.inf, "Z": -np.inf}
        frames: dict = {}
        for t, sign, starts, scores, _ in rows:
            frames.setdefault(t, []).append((sign, starts, scores))
        streak = {"J": (0, -np.inf), "Z": (0, -np.inf)}
        for t in sorted(frames):
            if t < until:
                continue
            top, seen = (None, 0.0), set()
            for sign, starts, scores in frames[t]:
                ok = starts >= forget
                if t < last[sign] + repeat_s or not ok.any():
                    continue
                p = float(scores[ok].max())
                if p >= thr[sign]:
                    n, t_last = streak[sign]
                    streak[sign] = (n + 1 if t - t_last <= 0.12 else 1, t)
                    seen.add(sign)
                    if streak[sign][0] >= confirm and p > top[1]:
                        top = (sign, p)
            streak |= {s: (0, -np.inf) for s in ("J", "Z") if s not in seen}
            if top[0]:
                onsets.append((t, top[0]))
                until, forget, last[top[0]] = t + hold_s, t, t
                streak = {"J": (0, -np.inf), "Z": (0, -np.inf)}
        seq = type("S", (), {"motions": motions, "duration": duration})
        sc = motion_varied.score(seq, onsets)
        for key in ("hits", "n", "double", "false", "other_s"):
            tot[(kind, key)] += sc[key]
            tot[key] += sc[key]
    out = {s: tot[(s, "hits")] / max(tot[(s, "n")], 1) for s in ("J", "Z")}
    out["double"] = (tot[("J", "double")] + tot[("Z", "double")]) / max(tot["n"], 1)
    out["false_per_min"] = 60 * tot["false"] / max(tot["other_s"], 1e-9)
    out["still_false"] = tot[("I_still", "false")] + tot[("D_still", "false")]
    return out


def thresholds(args) -> None:
    import pickle

    recs = record("tune", args.n, max(1, args.n // 5), args.scorer)
    if args.save:
        with open(args.save, "wb") as fh:
            pickle.dump(recs, fh)
    for confirm in (1, 2, 3, 4):
        for thr in (0.9, 0.95, 0.98, 0.99):
            r = simulate(recs, {"J": thr, "Z": thr}, confirm)
            print(f"{confirm} frames at {thr:.2f}: J {r['J']:6.1%}  Z {r['Z']:6.1%}  double"
                  f" {r['double']:5.1%}  false {r['false_per_min']:.2f}/min  I/D still"
                  f" {r['still_false']:.0f}")  # fmt: skip


def train(args) -> None:
    from sklearn.metrics import average_precision_score
    from sklearn.model_selection import GroupShuffleSplit
    from sklearn.neural_network import MLPClassifier

    hidden = tuple(int(h) for h in args.hidden.split(","))
    parts = []
    for item in args.data:  # FILE or FILE:K (its rows K times: hard negatives weigh more)
        path, _, times = item.partition(":")
        parts += [np.load(path)] * int(times or 1)
    out = {}
    for sign in ("J", "Z"):
        x = np.concatenate([p[f"{sign}_X"] for p in parts])
        y = np.concatenate([p[f"{sign}_y"] for p in parts])
        g = np.concatenate([p[f"{sign}_g"] + 100_000 * k for k, p in enumerate(parts)])
        keep = y >= 0
        x, y, g = x[keep], y[keep], g[keep]
        tr, va = next(GroupShuffleSplit(1, test_size=0.15, random_state=0).split(x, y, g))
        mean, scale = x[tr].mean(0), x[tr].std(0) + 1e-6
        xs = (x - mean) / scale
        pos = np.where(y[tr] == 1)[0]
        reps = max(1, int(0.2 * (y[tr] == 0).sum() / max(len(pos), 1)))
        idx = np.concatenate([tr, np.repeat(tr[pos], reps - 1)])  # positives ~1:5
        clf = MLPClassifier(hidden, alpha=args.alpha, max_iter=60, early_stopping=True,
                            random_state=args.seed, batch_size=512)  # fmt: skip
        clf.fit(xs[idx], y[idx])
        ap = average_precision_score(y[va], clf.predict_proba(xs[va])[:, 1])
        print(f"{sign}: {len(y)} rows, {int(y.sum())} positive; validation AP {ap:.4f}")
        out[f"{sign}_mean"], out[f"{sign}_scale"] = mean, scale
        out[f"{sign}_layers"] = np.array(len(clf.coefs_))
        for i, (w, b) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True)):
            out[f"{sign}_W{i}"], out[f"{sign}_b{i}"] = w.astype(np.float32), b.astype(np.float32)
    np.savez(args.out, **out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.motion_scorer", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("collect", "mine"):
        p = sub.add_parser(name)
        p.add_argument("out")
        p.add_argument("--n-pos", type=int, default=600, help="J and Z sequences each")
        p.add_argument("--n-neg", type=int, default=120, help="sequences of each look-alike")
        p.add_argument("--shard", default="0/1", help="i/n: every n-th sequence from the i-th")
        p.add_argument("--first", type=int, default=0, help="skip this many of each kind")
        if name == "collect":
            p.add_argument("--neg-keep", type=float, default=0.15, help="share of negatives kept")
        if name == "mine":
            p.add_argument("--scorer", required=True)
            p.add_argument("--min", type=float, default=0.3)
    p = sub.add_parser("thresholds", help="record the tune set, print figures per threshold")
    p.add_argument("--n", type=int, default=200, help="J and Z sequences each (look-alikes N/5)")
    p.add_argument("--scorer", default=None)
    p.add_argument("--save", default=None, help="keep the recording (pickle)")
    p = sub.add_parser("merge", help="several trained scorers as one (logits averaged)")
    p.add_argument("out")
    p.add_argument("members", nargs="+")
    p = sub.add_parser("train")
    p.add_argument("out")
    p.add_argument("data", nargs="+")
    p.add_argument("--hidden", default="32,16")
    p.add_argument("--alpha", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.cmd == "merge":
        out = {"members": np.array(len(args.members))}
        for m, path in enumerate(args.members):
            with np.load(path) as data:
                out |= {f"m{m}/{k}": data[k] for k in data.files}
        np.savez(args.out, **out)
        return 0
    if args.cmd == "train":
        train(args)
        return 0
    if args.cmd == "thresholds":
        thresholds(args)
        return 0
    if args.cmd == "collect":
        data = gather(args, _some_negatives(args.neg_keep), 2)
    else:
        data = gather(args, lambda y, s, rng: (y == 0) & (s >= args.min), 1)
    np.savez_compressed(args.out, **data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
