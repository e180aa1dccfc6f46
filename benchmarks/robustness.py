"""Robustness of a bundle on its own held-out split (the same split its training used).

    python -m benchmarks.robustness BUNDLE [BUNDLE ...] --data DIR

Four figures per bundle, on the test images of unseen signers (the test part of the
bundle's carried training set; the photos are read from DIR):
- as is: the full pipeline (detection + classifier) on the original photos;
- wrong handedness: the landmarks mirrored, as when MediaPipe mislabels the hand;
- new background: each photo's background (flood-filled from the border) replaced by
  dark, textured or colourful scenes, then the full pipeline again. A model that learnt
  the white walls of the training photos fails here;
- tilted: each photo rotated by -25 and +25 degrees (hands are rarely held upright).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from handcam.model.bundle import ModelBundle


def background_mask(image: np.ndarray, tolerance: int = 3) -> np.ndarray:
    """True where a pixel is connected to the border through gradually changing colours."""
    import cv2

    h, w = image.shape[:2]
    lab = cv2.cvtColor(cv2.GaussianBlur(image, (5, 5), 0), cv2.COLOR_RGB2LAB)
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)  # floating range: follows vignetting
    tol = (tolerance,) * 3
    for x, y in [
        (0, 0),
        (w - 1, 0),
        (0, h - 1),
        (w - 1, h - 1),
        (w // 2, 0),
        (0, h // 2),
        (w - 1, h // 2),
    ]:
        if not mask[y + 1, x + 1]:
            cv2.floodFill(lab, mask, (x, y), 0, tol, tol, flags)
    return mask[1:-1, 1:-1] > 0


def scenes(shape: tuple[int, int], rng: np.random.Generator) -> list[np.ndarray]:
    """Three backgrounds: dark room, busy texture, saturated colour gradient."""
    h, w = shape
    dark = np.clip(rng.normal(35, 8, (h, w, 3)), 0, 255).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    busy = ((np.sin(xx / 3.0) * np.cos(yy / 4.0) + 1) * 100)[..., None] * np.array(
        [0.9, 0.6, 0.4]
    ) + rng.normal(0, 20, (h, w, 3))
    busy = np.clip(busy, 0, 255).astype(np.uint8)
    grad = np.stack([xx * 255 // w, yy * 255 // h, 255 - xx * 255 // w], -1).astype(np.uint8)
    return [dark, busy, grad]


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image rotated about its centre, borders replicated."""
    import cv2

    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def evaluate_bundle(bundle_path: Path, data: Path) -> dict:
    """The four figures on the test part of the bundle's carried training set, whose
    photos are looked up in ``data`` (the dataset folder the bundle was trained on)."""
    from handcam.capture.images import read_image
    from handcam.features.preprocess import HandFeatures, hand_features
    from handcam.hands.factory import make_detector
    from handcam.model.classifier import KerasClassifier
    from handcam.model.trainset import load_bundle_handset

    bundle = ModelBundle.load(bundle_path)
    carried = load_bundle_handset(bundle_path)
    if carried is None:
        raise SystemExit(f"{bundle_path}: carries no training set (retrain it with handcam-train)")
    test = carried.subset(np.flatnonzero(carried.parts == "test"))
    if not len(test):
        raise SystemExit(f"{bundle_path}: its carried training set has no test part")
    clf = KerasClassifier(bundle)
    pre = bundle.preprocess
    rng = np.random.default_rng(0)
    correct = {"as_is": 0, "wrong_handedness": 0, "new_background": 0, "tilted": 0}
    found_bg = n_bg = n_tilt = n = 0
    with make_detector("image", pre.detector_complexity, pre.still_padding) as det:
        for i in range(len(test)):
            path = data / test.origins[i].split("/", 1)[-1]
            if not path.is_file():
                continue
            n += 1
            image = read_image(path)
            y = bundle.labels.index(str(test.labels[i]))
            hand = test.hand(i)
            f = hand_features(image, hand, pre, with_crop=clf.needs_crop)
            correct["as_is"] += int(np.argmax(clf.predict(f)) == y)
            other = "Right" if hand.handedness.lower() == "left" else "Left"
            flipped = type(hand)(hand.landmarks, other, hand.score, hand.world_landmarks)
            wrong = hand_features(image, flipped, pre, with_crop=clf.needs_crop)
            if f.crop is not None:  # a crop mirrored the other way
                wrong = HandFeatures(wrong.landmarks, f.crop[:, ::-1].copy())
            correct["wrong_handedness"] += int(np.argmax(clf.predict(wrong)) == y)
            for angle in (-25, 25):
                n_tilt += 1
                tilted = rotate(image, angle)
                hands = det.detect(tilted)
                if hands:
                    hf = hand_features(tilted, hands[0], pre, with_crop=clf.needs_crop)
                    correct["tilted"] += int(np.argmax(clf.predict(hf)) == y)
            mask = background_mask(image)
            for scene in scenes(image.shape[:2], rng):
                composite = np.where(mask[..., None], scene, image)
                hands = det.detect(composite)
                n_bg += 1
                if hands:
                    found_bg += 1
                    hf = hand_features(composite, hands[0], pre, with_crop=clf.needs_crop)
                    correct["new_background"] += int(np.argmax(clf.predict(hf)) == y)
    if not n:
        raise SystemExit(f"none of the test photos of {bundle_path} are under {data}")
    return {
        "bundle": str(bundle_path),
        "model": bundle.model_name,
        "test_images": n,
        "as_is": round(correct["as_is"] / n, 4),
        "wrong_handedness": round(correct["wrong_handedness"] / n, 4),
        "new_background": round(correct["new_background"] / n_bg, 4),
        "new_background_hands_found": round(found_bg / n_bg, 4),
        "tilted_25deg": round(correct["tilted"] / n_tilt, 4),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.robustness")
    p.add_argument("bundles", nargs="+", type=Path)
    p.add_argument(
        "--data", type=Path, required=True, help="the dataset folder the bundles were trained on"
    )
    p.add_argument("--save-examples", type=Path, help="write a PNG of composited examples")
    args = p.parse_args(argv)
    rows = [evaluate_bundle(b, args.data) for b in args.bundles]
    print(f"{'bundle':<28}{'as is':>8}{'wrong hand':>12}{'new bg':>9}{'bg found':>10}{'tilted':>8}")
    for r in rows:
        print(
            f"{Path(r['bundle']).name:<28}{r['as_is']:>8.4f}{r['wrong_handedness']:>12.4f}"
            f"{r['new_background']:>9.4f}{r['new_background_hands_found']:>10.4f}"
            f"{r['tilted_25deg']:>8.4f}"
        )
    print(json.dumps(rows))
    if args.save_examples:
        save_examples(args.data, args.save_examples)
    return 0


def save_examples(data: Path, out: Path) -> None:
    """A picture of the background replacement, for checking the masks by eye."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from handcam.capture.images import read_image
    from handcam.capture.sources import list_images

    rng = np.random.default_rng(1)
    paths = [list_images(data / str(d))[-1] for d in range(0, 10, 2)]
    fig, axes = plt.subplots(len(paths), 4, figsize=(8, 2 * len(paths)))
    for row, path in zip(axes, paths, strict=True):
        image = read_image(path)
        mask = background_mask(image)
        row[0].imshow(image)
        for ax, scene in zip(row[1:], scenes(image.shape[:2], rng), strict=True):
            ax.imshow(np.where(mask[..., None], scene, image))
        for ax in row:
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
