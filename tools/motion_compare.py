"""``python -m tools.motion_compare``: template matching against a learned path scorer.

Both use the same candidate segments and gates of :class:`handcam.signs.motion.MotionSigns`; only
the last step differs: the template distance, or a small classifier (scikit-learn MLP) on
the segment's resampled path (positions and stroke directions), trained on synthetic
sequences with seeds of their own. Printed: on test seeds neither has seen, each method's
detection rate of J and Z at the thresholds that keep false signs on every negative kind
within 0-4% (a sequence counts as detected when a candidate within 1 s of its motion's
end passes the threshold). ``--bench`` also picks thresholds on development seeds (at most
``--max-false`` on every negative kind) and runs the full benchmark with them.
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np

from handcam.signs.motion import MotionConfig, MotionSigns
from handcam.signs.motion_templates import TemplateBank
from tools.motion_bench import evaluate, format_report
from tools.synth.motion import KINDS, NEGATIVES, make_sequence

log = logging.getLogger(__name__)
TRAIN_SEED, DEV_SEED, TEST_SEED = 50_000, 0, 10_000


def path_features(paths: np.ndarray) -> np.ndarray:
    """(K, n, 2) normalised paths -> (K, 4n - 2): positions and unit stroke directions."""
    steps = np.diff(paths, axis=1)
    steps /= np.maximum(np.linalg.norm(steps, axis=2, keepdims=True), 1e-9)
    return np.concatenate([paths.reshape(len(paths), -1), steps.reshape(len(paths), -1)], 1)


class _Recorder(MotionSigns):
    """Never shows a sign; records every gated candidate: (frame time, sign, start, paths)
    and, for the template matcher, the best distance per sign over the sequence."""

    def __init__(self, config: MotionConfig) -> None:
        super().__init__(config)
        self.rows: list[tuple[float, int, np.ndarray, np.ndarray]] = []
        self.now = 0.0

    def _match(self, k: int, bank: TemplateBank, paths: np.ndarray) -> float:
        self.rows.append((self.now, k, bank.distance(paths), paths))
        return np.inf


def record(kind: str, seed: int, config: MotionConfig) -> tuple[object, list]:
    seq = make_sequence(kind, seed)
    rec = _Recorder(config)
    for t, hand, _ in seq.frames:
        rec.now = t
        rec.update(t, hand)
    return seq, rec.rows


def training_set(n: int, config: MotionConfig) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per sign: features and labels of gated candidates. Positive: a candidate of that
    sign's sequence seen from 0.25 s before to 0.5 s after the motion's end (the frames where
    it should fire). Negative: any candidate of a negative sequence or of the other sign."""
    data: dict[int, list] = {0: [], 1: []}
    for k_kind, kind in enumerate(KINDS):
        for i in range(n):
            seq, rows = record(kind, TRAIN_SEED + 1000 * k_kind + i, config)
            for now, k, _, paths in rows:
                own = (kind, k) in (("J", 0), ("Z", 1))
                if own and not seq.motion[1] - 0.25 <= now <= seq.motion[1] + 0.5:
                    continue  # part of the motion: neither a clean positive nor a negative
                data[k].append((path_features(paths), np.full(len(paths), own)))
    return {
        k: (np.concatenate([f for f, _ in v]), np.concatenate([y for _, y in v]))
        for k, v in data.items()
    }


def learned_distance(model, paths: np.ndarray) -> np.ndarray:
    """exp(-logit) of a fitted binary MLPClassifier: falls with the odds of the sign and,
    unlike 1 - probability, does not flatten to 0 where the probability rounds to 1."""
    h = path_features(paths)
    for i, (w, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        h = h @ w + b
        if i < len(model.coefs_) - 1:
            h = np.maximum(h, 0.0)  # relu, MLPClassifier's default
    return np.exp(-np.clip(h[:, 0], -50.0, 50.0))


class LearnedSigns(MotionSigns):
    """MotionSigns with the template distance replaced by the classifier's (see above)."""

    def __init__(self, models: dict, config: MotionConfig) -> None:
        super().__init__(config)
        self.models = models

    def _match(self, k: int, bank: TemplateBank, paths: np.ndarray) -> float:
        return float(learned_distance(self.models[k], paths).min())


def best_scores(n: int, seed: int, config: MotionConfig, models: dict | None) -> dict:
    """Per kind, (n, 2): each sequence's smallest distance per sign (up to 1 s after a
    motion), for choosing thresholds without rerunning."""
    out = {}
    for k_kind, kind in enumerate(KINDS):
        rows_all = np.full((n, 2), np.inf)
        for i in range(n):
            seq, rows = record(kind, seed + 1000 * k_kind + i, config)
            end = seq.motion[1] + 1.0 if seq.motion else np.inf
            for now, k, dist, paths in rows:
                if now > end:
                    continue
                if models is not None:
                    dist = learned_distance(models[k], paths)
                rows_all[i, k] = min(rows_all[i, k], float(np.min(dist)))
        out[kind] = rows_all
    return out


def choose(scores: dict, k: int, label: str, max_false: float) -> float:
    """The largest threshold keeping every negative kind's false rate at most ``max_false``."""
    grid = np.unique(np.concatenate([s[:, k] for s in scores.values()]))
    grid = grid[np.isfinite(grid)]
    best = float(grid[0]) if len(grid) else 0.0
    for th in grid:
        if max((scores[n][:, k] <= th).mean() for n in NEGATIVES) <= max_false:
            best = float(th)
        else:
            break
    det = (scores[label][:, k] <= best).mean()
    log.info("%s threshold %.4f: dev detection %.3f", label, best, det)
    return best


def curve(scores: dict, k: int, label: str, levels: tuple[float, ...]) -> list[str]:
    """For each false-sign level: the detection rate at the largest threshold that keeps
    every negative kind's false rate within it."""
    grid = np.unique(np.concatenate([s[:, k] for s in scores.values()]))
    grid = grid[np.isfinite(grid)]
    worst = np.array([max((scores[n][:, k] <= th).mean() for n in NEGATIVES) for th in grid])
    out = []
    for level in levels:
        ok = grid[worst <= level + 1e-12]
        th = float(ok.max()) if len(ok) else -np.inf
        out.append(f"{(scores[label][:, k] <= th).mean():6.1%}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.motion_compare", description=__doc__)
    parser.add_argument("--train", type=int, default=150, help="training sequences per kind")
    parser.add_argument("--dev", type=int, default=150, help="development sequences per kind")
    parser.add_argument("--test", type=int, default=200, help="test sequences per kind")
    parser.add_argument("--max-false", type=float, default=0.01)
    parser.add_argument(
        "--bench", action="store_true", help="also: dev-seed thresholds, then the full benchmark"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from sklearn.neural_network import MLPClassifier

    base = MotionConfig(j_max_distance=1e9, z_max_distance=1e9)  # _Recorder never fires
    start = time.perf_counter()
    data = training_set(args.train, base)
    models = {}
    for k, (x, y) in data.items():
        log.info("sign %s: %d candidates, %d positive", "JZ"[k], len(y), int(y.sum()))
        mlp = MLPClassifier((64,), alpha=1e-3, max_iter=400, early_stopping=True, random_state=0)
        models[k] = mlp.fit(x, y)
    log.info("trained in %.0f s", time.perf_counter() - start)
    levels = (0.0, 0.005, 0.01, 0.02, 0.04)
    print(f"Detection on {args.test} test sequences per kind (seeds from {TEST_SEED}) at the")
    print("threshold keeping false signs on every negative kind within: "
          + " ".join(f"{lv:6.1%}" for lv in levels))  # fmt: skip
    for name, m in (("templates", None), ("learned", models)):
        test = best_scores(args.test, TEST_SEED, base, m)
        for k, label in enumerate("JZ"):
            print(f"  {name:<9} {label}: " + " ".join(curve(test, k, label, levels)))
    if not args.bench:
        return 0
    for name, m in (("templates", None), ("learned", models)):
        dev = best_scores(args.dev, DEV_SEED, base, m)
        j_th = choose(dev, 0, "J", args.max_false)
        z_th = choose(dev, 1, "Z", args.max_false)
        config = MotionConfig(j_max_distance=j_th, z_max_distance=z_th)
        make = (
            (lambda c=config: MotionSigns(c))
            if m is None
            else (lambda c=config: LearnedSigns(models, c))
        )
        report = evaluate(args.test, TEST_SEED, config, make=make)
        print(f"== {name} (thresholds J {j_th:.4f}, Z {z_th:.4f} from dev seeds)")
        print(format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
