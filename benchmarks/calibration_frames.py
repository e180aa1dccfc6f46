"""A held-out person's calibration frames, as their webcam would show them.

    python -m benchmarks.calibration_frames --set SET.npz --signer P2 --per-label 2 --out DIR

Takes the first ``--per-label`` photos of each label of ``--signer`` in a webcam-like test
set (:mod:`benchmarks.webcam_test`), draws one webcam frame of each with the test set's
look (another seed: another scene, size, blur and compression) and writes
``DIR/LABEL/PHOTO.jpg`` plus ``DIR/used.txt``, the photos' origins. Then, as a person
calibrates from the command line::

    handcam record --source DIR/A --label A --count 2 --out REC      # one call per label
    handcam-train REC --init models/letters --out MINE
    python -m benchmarks.webcam_test score MINE --set SET.npz --signers P2 --exclude DIR/used.txt

scores that person's other clips (and, with another ``--signers``, the people it must not
lose) before and after.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def write_frames(
    test_set: Path, signer: str, per_label: int, out: Path, seed: int = 777
) -> list[str]:
    """Write the frames; return the origins of the photos used."""
    import cv2

    from benchmarks.webcam_test import PRESETS, _clip
    from handcam.capture.images import read_image
    from handcam.features.preprocess import PreprocessConfig
    from training.data import Sample
    from training.hand_cache import extract_hands

    z = np.load(test_set, allow_pickle=True)
    mine: dict[str, list[str]] = defaultdict(list)
    for origin, label, who in zip(z["origin"], z["label"], z["signer"], strict=True):
        if str(who) == signer:
            mine[str(label)].append(str(origin))
    if not mine:
        raise SystemExit(f"{test_set}: no clips of {signer}")
    used = [o for label in sorted(mine) for o in sorted(mine[label])[:per_label]]
    samples = [Sample(DATASETS / o, Path(o).parent.name, origin=o) for o in used]
    ex = extract_hands(samples, PreprocessConfig())
    rng = np.random.default_rng(seed)
    for sample, lms in zip(ex.ok_samples, ex.hands.landmarks, strict=True):
        clip, _, _ = _clip(read_image(sample.path), lms, rng, 6, PRESETS["room"])
        folder = out / sample.label
        folder.mkdir(parents=True, exist_ok=True)
        bgr = cv2.cvtColor(clip[-1], cv2.COLOR_RGB2BGR)
        cv2.imwrite(
            str(folder / f"{Path(sample.path).stem}.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 80]
        )
    (out / "used.txt").write_text("\n".join(used) + "\n")
    return used


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.calibration_frames", description=__doc__)
    p.add_argument("--set", type=Path, required=True, help="a webcam_test set (.npz)")
    p.add_argument("--signer", required=True, help="the person calibrating, e.g. P2")
    p.add_argument("--per-label", type=int, default=2)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=777)
    a = p.parse_args(argv)
    used = write_frames(a.set, a.signer, a.per_label, a.out, a.seed)
    print(f"{a.out}: {len(used)} frames of {a.signer}; their photos in {a.out / 'used.txt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
