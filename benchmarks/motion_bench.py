"""``python -m benchmarks.motion_bench``: J / Z recognition on seeded synthetic sequences.

For every kind of :mod:`tools.synth.motion` sequence, runs a fresh
:class:`~handcam.signs.motion.MotionSigns` over N sequences and reports: for J and Z, how often
the motion was recognised (the first sign shown, between the motion's start and 1 s after
its end, is the right one), double triggers and the latency from the motion's end to the
sign; for every negative kind, how often a J or Z was shown at all; and the cost of one
``update`` in CPU microseconds. These paths are the family the first (template) recogniser
was built from; ``--varied`` instead runs :mod:`benchmarks.motion_varied`: J / Z as people make
them on real hands of people held out, with false onsets per minute of other letters (the
figures the shipped recogniser is judged by). ``--shapes DIR`` instead checks the
handshape test on real photos (one folder per label), with MediaPipe.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from handcam.capture.images import is_image_path, read_image
from handcam.signs.motion import MotionConfig, MotionSigns, handshapes
from tools.synth.motion import KINDS, NEGATIVES, SynthSequence, make_sequence

log = logging.getLogger(__name__)
LATE_S = 1.0  # a sign shown later than this after the motion's end does not count


def run_sequence(
    seq: SynthSequence, signs: MotionSigns, still_labels: bool = False
) -> tuple[list[tuple[float, str]], list[float]]:
    """Feed one sequence; the (time, label) of every onset and the CPU seconds of every update
    (thread time: other processes on the machine do not inflate it)."""
    onsets, costs = [], []
    for t, hand, still in seq.frames:
        start = time.thread_time()
        result = signs.update(t, hand, still if still_labels else None)
        costs.append(time.thread_time() - start)
        if result.onset:
            onsets.append((t, result.label))
    return onsets, costs


def evaluate(
    n: int,
    seed: int = 10_000,
    config: MotionConfig | None = None,
    still_labels: bool = False,
    kinds: tuple[str, ...] = KINDS,
    make: Callable[[], MotionSigns] | None = None,
) -> dict:
    """Figures over ``n`` sequences per kind, seeds ``seed`` .. ``seed + n - 1``."""
    make = make or (lambda: MotionSigns(config))
    report: dict = {"n": n, "seed": seed, "still_labels": still_labels, "kinds": {}}
    all_costs: list[float] = []
    for k, kind in enumerate(kinds):
        hits, doubles, wrong, shown, latency = 0, 0, 0, 0, []
        for i in range(n):
            seq = make_sequence(kind, seed + 1000 * k + i)
            onsets, costs = run_sequence(seq, make(), still_labels)
            all_costs += costs
            shown += bool(onsets)
            if seq.label is None:
                continue
            t0, t1 = seq.motion
            inside = [(t, lab) for t, lab in onsets if t0 <= t <= t1 + LATE_S]
            if inside and inside[0][1] == seq.label:
                hits += 1
                latency.append(inside[0][0] - t1)
            wrong += any(lab != seq.label for _, lab in onsets)
            doubles += sum(lab == seq.label for _, lab in onsets) > 1
        row: dict = {"shown": shown / n}
        if kind in ("J", "Z"):
            lat = np.array(latency) if latency else np.array([np.nan])
            row.update(
                detected=hits / n,
                wrong=wrong / n,
                double=doubles / n,
                latency_mean_s=float(np.mean(lat)),
                latency_p90_s=float(np.percentile(lat, 90)),
            )
        report["kinds"][kind] = row
    costs_us = np.array(all_costs) * 1e6
    report["update_us"] = {
        "mean": float(costs_us.mean()),
        "median": float(np.median(costs_us)),
        "p99": float(np.percentile(costs_us, 99)),
    }
    neg = [report["kinds"][k]["shown"] for k in kinds if k in NEGATIVES]
    report["false_mean"] = float(np.mean(neg)) if neg else 0.0
    return report


def format_report(report: dict) -> str:
    lines = [
        f"{report['n']} sequences per kind, seeds from {report['seed']}"
        f"{', with still labels' if report['still_labels'] else ''}"
    ]
    for kind, row in report["kinds"].items():
        if "detected" in row:
            lines.append(
                f"  {kind:<11} detected {row['detected']:6.1%}  wrong sign {row['wrong']:5.1%}"
                f"  twice {row['double']:5.1%}  latency after the motion mean"
                f" {row['latency_mean_s']:+.3f} s, p90 {row['latency_p90_s']:+.3f} s"
            )
        else:
            lines.append(f"  {kind:<11} false J/Z {row['shown']:6.1%}")
    cost = report["update_us"]
    lines.append(
        f"  negatives   false J/Z mean {report['false_mean']:.1%}"
        f"\n  update      {cost['mean']:.0f} us mean, {cost['median']:.0f} median,"
        f" {cost['p99']:.0f} p99"
    )
    return "\n".join(lines)


def shape_rates(root: Path, per_label: int = 0) -> dict[str, dict[str, float]]:
    """On photos in ``root/LABEL/*`` (a real-hand check of :func:`handshapes`): per label,
    the photos with a hand found and the share read as I-like and as pointing."""
    from handcam.hands.factory import make_detector

    rates = {}
    with make_detector("image") as detector:
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            files = sorted(p for p in folder.iterdir() if is_image_path(p))
            flags = []
            for path in files[:per_label] if per_label else files:
                hands = detector.detect(read_image(path))
                if hands:
                    flags.append(handshapes(hands[0].landmarks))
            if flags:
                arr = np.array(flags, float)
                rates[folder.name] = {"hands": len(arr), "i_like": arr[:, 0].mean(),
                                      "pointing": arr[:, 1].mean()}  # fmt: skip
    return rates


class _Learned:
    """A bundle's learned motion spotter with the hand-written recogniser's ``update``."""

    def __init__(self, model) -> None:
        from handcam.signs.motion_spotter import MotionSpotter

        self.spotter = MotionSpotter(model)

    def update(self, t, hand, top=None, probs=None):
        return self.spotter.update(t, hand)


def learned_reader(bundle: Path) -> Callable:
    """A factory of fresh readers of ``bundle``'s learned motion signs (J and Z)."""
    from handcam.errors import BundleError
    from handcam.signs.motion_model import MOTION_FILE, load_motion_model

    try:
        model = load_motion_model(bundle / MOTION_FILE)
    except BundleError as exc:
        raise SystemExit(str(exc)) from exc
    if not {"J", "Z"} <= set(model.labels):
        raise SystemExit(f"{bundle}: its learned motion signs are {model.labels}, not J and Z")
    return lambda: _Learned(model)


def varied(args) -> int:
    from benchmarks import motion_varied

    config = MotionConfig()
    for item in args.set:
        name, _, value = item.partition("=")
        config = replace(config, **{name: type(getattr(config, name))(float(value))})
    seqs = motion_varied.sequences(args.on, args.n, max(1, args.n // 5), model=args.model)
    factory: Callable = lambda: MotionSigns(config)  # noqa: E731
    if args.learned:
        factory = learned_reader(args.learned)
    report = motion_varied.evaluate(seqs, factory)
    print(f"varied motion, {args.on} set ({', '.join(motion_varied.SETS[args.on][1])}),"
          f" {args.n} of J and of Z, {max(1, args.n // 5)} of each look-alike")  # fmt: skip
    print(json.dumps(report, indent=1) if args.json else motion_varied.format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.motion_bench", description=__doc__)
    parser.add_argument("-n", type=int, default=200, help="sequences per kind (default 200)")
    parser.add_argument("--seed", type=int, default=10_000, help="first seed (default 10000)")
    parser.add_argument("--still-labels", action="store_true", help="feed simulated still labels")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                        help="override MotionConfig fields, e.g. j_threshold=0.9")  # fmt: skip
    parser.add_argument("--shapes", type=Path, metavar="DIR",
                        help="instead: handshape checks on real photos in DIR/LABEL/")  # fmt: skip
    parser.add_argument("--per-label", type=int, default=0, help="with --shapes: photos per label")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--varied", action="store_true",
                        help="instead: varied motion on real hands (benchmarks.motion_varied), "
                        "N of J and of Z and N/5 of each look-alike")  # fmt: skip
    parser.add_argument("--on", choices=("test", "tune"), default="test",
                        help="with --varied: the held-out test set (default) or tune")  # fmt: skip
    parser.add_argument("--model", type=Path, metavar="BUNDLE",
                        help="with --varied: the still model whose readings the recogniser "
                        "gets (default: models/letters)")  # fmt: skip
    parser.add_argument("--learned", type=Path, metavar="BUNDLE",
                        help="with --varied: read J and Z with BUNDLE's learned motion model "
                        "(taught from clips) instead of the hand-written recogniser")  # fmt: skip
    args = parser.parse_args(argv)
    if args.varied:
        return varied(args)
    if args.shapes:
        rates = shape_rates(args.shapes, args.per_label)
        for label, row in rates.items():
            print(f"{label:<8} {row['hands']:4d} hands  I-like {row['i_like']:6.1%}"
                  f"  pointing {row['pointing']:6.1%}")  # fmt: skip
        return 0
    config = MotionConfig()
    for item in args.set:
        name, _, value = item.partition("=")
        config = replace(config, **{name: type(getattr(config, name))(float(value))})
    report = evaluate(args.n, args.seed, config, args.still_labels, tuple(args.kinds))
    print(json.dumps(report, indent=1) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
