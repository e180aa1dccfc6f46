"""Before and after on samples kept back: how the model a run started from and the new one
read recorded samples that neither trained on (``handcam-train ... --check DIR``).

Each sample is read as the app reads a still: the bundle's classifier, its "not a sign"
gate and the unsure threshold; **shown right** = the label shown is the sample's own.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from handcam.model.trainset import HandSet
from training.data import scan_dataset
from training.hand_cache import extract_hands
from training.progress import Progress


def check_hands(folder: Path, preprocess, progress: Progress) -> HandSet:
    """The hands of a folder of recorded samples (their sidecars; photos are detected)."""
    dataset = scan_dataset([Path(folder)])
    return extract_hands(dataset.samples, preprocess, progress).hands


def shown_right(bundle: Path, hands: HandSet) -> dict:
    """Share of ``hands`` shown as their own label by ``bundle`` (read as stills), overall
    and per label; labels the bundle lacks count as misses."""
    from handcam.capture.sources import Frame
    from handcam.hands.hand import Hand
    from handcam.recognition.assemble import assemble, load_model

    model = load_model(bundle)
    image = np.zeros((8, 8, 3), np.uint8)
    hits: dict[str, list[bool]] = defaultdict(list)
    for i in range(len(hands)):
        world = hands.world[i]
        hand = Hand(
            hands.landmarks[i],
            str(hands.handedness[i]),
            1.0,
            None if np.isnan(world).any() else world,
        )
        pipe = assemble(model, "image", detector=_One(hand))
        res = pipe.process(Frame(0, image, 0.0, "check"))
        label = str(hands.labels[i])
        hits[label].append(res.state == "label" and res.smoothed.label == label)
    per_label = {lab: round(float(np.mean(v)), 4) for lab, v in sorted(hits.items())}
    total = [x for v in hits.values() for x in v]
    return {
        "shown_right": round(float(np.mean(total)), 4) if total else None,
        "samples": len(total),
        "per_label": per_label,
    }


def before_after(before: Path, after: Path, folder: Path, preprocess, progress: Progress) -> dict:
    """Shown right on the kept-back samples of ``folder`` by both bundles."""
    hands = check_hands(folder, preprocess, progress)
    progress.message(f"checking before and after on {len(hands)} kept-back samples")
    return {
        "folder": str(folder),
        "before": shown_right(before, hands),
        "after": shown_right(after, hands),
    }


class _One:
    """A detector that finds one given hand (the sample's, found when it was recorded)."""

    def __init__(self, hand) -> None:
        self.hand = hand

    def detect(self, image):
        return [self.hand]

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass
