"""Train the motion model of a bundle from clips (:mod:`training.motion_data`) and measure it.

:func:`fit_motion` learns every motion sign and "none" at once: a small dense network
(Keras, any backend) on windows of augmented clips, of the other signs' clips, and of still
hands held, drifting and sliding (the init bundle's carried hands, else the bundled
models'). Its weights go into a numpy :class:`~handcam.signs.motion_model.MotionModel`, so
the app runs it on every frame without Keras.

:func:`check_motion` measures a model the way the window reads it: each kept-back clip,
varied as another person would make it (0.7-1.4x the speed, other sizes, tilts, frame
rates) and held before and after, fed frame by frame to the live
:class:`~handcam.signs.motion_spotter.MotionSpotter`: caught once and right, or not; and the
onsets over still hands held and wandering, per minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np

from handcam.recording.clips import Clip
from handcam.signs.motion_features import energy, extent
from handcam.signs.motion_model import MotionModel
from handcam.signs.motion_spotter import MotionSpotter
from training.motion_data import Seq, augment, clip_seq, negatives, windows

log = logging.getLogger(__name__)

COPIES = 1000  # augmented copies of each sign, divided among its clips (600: more false onsets)
NEGATIVE_SHARE = 1 / 3  # sequences of no sign per window of a sign
THRESHOLD, CONFIRM = 0.9, 2
REST_RATIO = 0.7  # caught once the hand slows to 0.7 of its peak speed (a wave is not a hello)
MEMBERS = 5  # networks averaged (3: as often caught, a third more false onsets)
EPOCHS = 30
FLOOR_SHARE = 0.5  # of the 5th percentile of a sign's copies' motion: the motion floor
EXTENT_SHARE = 1.0  # of the 5th percentile of how far the hand went in them (0.5: twice the
#   onsets of an I turning in place, as many caught; 1.5: fewer caught)
BATCH = 256
CHECK_NEGATIVES = 60  # sequences of still hands the false onsets a minute are counted on


def durations_for(spans: list[float]) -> np.ndarray:
    """The window lengths the spotter tries for motions that took ``spans`` seconds."""
    lo = max(0.25, 0.6 * min(spans) / 1.4)
    hi = min(3.2, 1.25 * max(spans) / 0.6 + 0.2)
    return np.geomspace(lo, hi, 8)


def fit_motion(
    clips: dict[str, list[Clip]],
    still_hands: list[tuple[np.ndarray, str]],
    seed: int = 0,
    epochs: int | None = None,
    say: Callable[[str], None] = log.info,
    still_like: dict[str, tuple[str, ...]] | None = None,
    copies: int | None = None,
    members: int | None = None,
) -> MotionModel:
    """A motion model for the signs of ``clips`` (label -> its clips): ``copies`` varied
    copies a sign (default COPIES), ``members`` networks averaged (default MEMBERS)."""
    rng = np.random.default_rng(seed)
    labels = tuple(sorted(clips))
    seqs = {lab: [clip_seq(c) for c in clips[lab]] for lab in labels}
    spans = [s.span[1] - s.span[0] for ss in seqs.values() for s in ss if s.span]
    durations = durations_for(spans)
    t0 = time.time()
    xs, ys = [], []
    none = len(labels)
    ends = [(s.lms[i], s.handedness) for ss in seqs.values() for s in ss for i in (0, -1)]
    pool = list(still_hands) + ends * max(1, len(still_hands) // max(len(ends), 1) // 4)
    for k, lab in enumerate(labels):
        per_clip = max((copies or COPIES) // len(seqs[lab]), 20)
        for seq in seqs[lab]:
            for _ in range(per_clip):
                copy = augment(seq, rng, context=pool)
                f, pos = windows(copy, durations, rng, n=3)
                xs.append(f)
                ys.append(np.where(pos, k, none))
    n_pos = sum(int((y != none).sum()) for y in ys)
    for seq in negatives(pool, rng, max(int(n_pos * NEGATIVE_SHARE), 200)):
        f, _ = windows(seq, durations, rng, n=3)
        xs.append(f)
        ys.append(np.full(len(f), none))
    x, y = np.concatenate(xs), np.concatenate(ys)
    say(
        f"motion signs {', '.join(labels)}: {len(x)} windows from "
        f"{sum(map(len, seqs.values()))} clips ({time.time() - t0:.0f} s)"
    )
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-3
    # per sign: half the least motion of its clips' varied copies, and the least distance
    # the hand itself went in them (a J, not an I turned in place)
    floor, reach = (
        np.array([share * np.percentile(f(x[y == k]), 5) for k in range(none)])
        for f, share in ((energy, FLOOR_SHARE), (extent, EXTENT_SHARE))
    )
    xn = ((x - mean) / scale).astype(np.float32)
    count = members or MEMBERS
    nets = tuple(_train(xn, y, none + 1, seed + j, epochs or EPOCHS, say) for j in range(count))
    return MotionModel(
        labels,
        mean.astype(np.float32),
        scale.astype(np.float32),
        nets,
        durations,
        THRESHOLD,
        CONFIRM,
        still_like or {},
        floor,
        REST_RATIO,
        reach,
    )


def _train(x: np.ndarray, y: np.ndarray, classes: int, seed: int, epochs: int, say) -> tuple:
    """One network's weights; under TensorFlow an epoch per call to its graph
    (:func:`training.fused.graph_epoch`)."""
    import keras

    from training.fused import graph_epoch

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((x.shape[1],)),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(classes, activation="softmax"),
        ]
    )
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weight = {k: float(len(y) / (classes * max(c, 1))) for k, c in enumerate(counts)}
    steps = int(np.ceil(len(x) / BATCH)) * epochs
    lr = keras.optimizers.schedules.CosineDecay(2e-3, steps)
    model.compile(
        optimizer=keras.optimizers.Adam(lr),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=graph_epoch(len(x), BATCH),
    )

    class Say(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % 10 == 0 or epoch + 1 == epochs:
                say(
                    f"motion epoch {epoch + 1}/{epochs}: loss {logs['loss']:.3f}, "
                    f"accuracy {logs['accuracy']:.3f}"
                )

    model.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=epochs,
        class_weight=weight,
        verbose=0,
        shuffle=True,
        callbacks=[Say()],
    )
    out = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Dense):
            w, b = layer.get_weights()
            out += [np.asarray(w, np.float32), np.asarray(b, np.float32)]
    return tuple(out)


def run_spotter(model: MotionModel, seq: Seq) -> list[tuple[float, str]]:
    """The onsets (time, sign) of ``seq`` fed frame by frame to a fresh live spotter."""
    from handcam.hands.hand import Hand

    spotter = MotionSpotter(model)
    onsets = []
    for t, lms in zip(seq.times, seq.lms, strict=True):
        res = spotter.update(float(t), Hand(lms.astype(np.float32), seq.handedness, 1.0))
        if res.onset:
            onsets.append((float(t), str(res.label)))
    return onsets


def caught_once(onsets: list[tuple[float, str]], label: str, span: tuple[float, float]) -> bool:
    """One onset in all, of ``label``, from the motion's start to 1 s after its end."""
    return len(onsets) == 1 and onsets[0][1] == label and span[0] <= onsets[0][0] <= span[1] + 1.0


def check_motion(
    model: MotionModel,
    kept: dict[str, list[Clip]],
    still_hands: list[tuple[np.ndarray, str]],
    seed: int = 1,
    copies: int = 10,
) -> dict:
    """Per sign: caught once on varied copies of its kept-back clips; false onsets a minute
    over still hands held, drifting and sliding."""
    rng = np.random.default_rng(seed)
    per_sign = {}
    for label, clips in kept.items():
        hits = n = 0
        for clip in clips:
            seq = clip_seq(clip)
            for _ in range(copies):
                varied = augment(seq, rng, speed=(0.7, 1.4), amp=(0.7, 1.4))
                hits += caught_once(run_spotter(model, varied), label, varied.span)  # type: ignore[arg-type]
                n += 1
        per_sign[label] = {"caught_once": hits / max(n, 1), "n": n}
    negs = negatives(still_hands, rng, CHECK_NEGATIVES) if still_hands else []
    false = sum(len(run_spotter(model, s)) for s in negs)
    minutes = sum(float(s.times[-1] - s.times[0]) for s in negs) / 60
    return {"signs": per_sign, "false_per_min": false / max(minutes, 1e-9), "minutes": minutes}
