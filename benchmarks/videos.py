"""Composite test videos with ground truth, and their scorer.

    python -m benchmarks.videos make --data DIR --out VIDEO.mp4 [--seed N] [--two-hands]
                                   [--holdout-of BUNDLE | --signers s001,s002]
    python -m benchmarks.videos score --log LOG.jsonl --truth VIDEO.truth.json

``make`` pastes digits photos (the hand cut from its plain wall by a flood fill from
the border, or with its wall, or with the forearm drawn on to the frame edge) at
190-300 px on synthetic scenes (clutter, rooms, gradients, noise, dark rooms,
textures). Each sign is held 1.5 s after a 0.5 s gap without a hand, and moves (drift,
sway, jitter, camera shake). A sidecar ``VIDEO.truth.json`` gives every frame's hands
(label and box). ``score`` reads an app ``--log-predictions`` JSONL or
``handcam predict --json`` output of the video; see :mod:`benchmarks.video_score`.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from benchmarks.scenes import SCENE_KINDS, make_scene

PASTE_MODES = ("segmented", "arm", "box")
SHAKE = 8  # pixels of scene margin for camera shake


@dataclass(frozen=True)
class Appearance:
    """One hand shown in the video, frames ``start`` to ``end`` (exclusive)."""

    id: int
    label: str
    start: int
    end: int
    photo: str
    signer: str
    size: int
    paste: str
    flipped: bool
    scene: str


def read_signers(groups_csv: Path) -> dict[str, str]:
    """photo path (relative, 'label/name') -> signer, from a ``path,label,signer`` CSV."""
    with open(groups_csv, newline="", encoding="utf-8") as fh:
        return {row["path"]: row["signer"] for row in csv.DictReader(fh)}


def heldout_signers(bundle: Path, signers: dict[str, str]) -> list[str]:
    """The test signers of a bundle's own signer-grouped split (never trained on),
    read from the training set the bundle carries."""
    from handcam.model.trainset import load_bundle_handset

    carried = load_bundle_handset(bundle)
    if carried is None:
        raise SystemExit(f"{bundle}: carries no training set, so its test signers are unknown")
    test = set(carried.groups[carried.parts == "test"].tolist())
    chosen = sorted(test & set(signers.values()))
    if not chosen:
        raise SystemExit(f"{bundle}: none of its test signers are in this signers file")
    return chosen


def hand_patch(
    photo: np.ndarray,
    size: int,
    paste: str,
    flipped: bool,
    gain: np.ndarray,
    landmarks: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int, int]]:
    """(RGB float32, alpha float32, hand box in patch coords) for one photo.

    ``arm`` extends the bottom rows downward (a forearm to the frame edge). The cut-out
    falls back to the whole photo ("box") when the fill failed: it kept too little or too
    much, or (given the hand's ``landmarks`` in the photo, pixels) it left out the hand
    itself (a patterned wall, where the fill runs into the hand and keeps the wall).
    """
    import cv2

    from benchmarks.robustness import background_mask

    hand = ~background_mask(photo)
    if paste != "box" and not 0.1 < hand.mean() < 0.85:  # the fill failed: keep the wall
        paste = "box"
    if paste != "box" and landmarks is not None and _covered(hand, landmarks) < MIN_COVERED:
        paste = "box"
    img = cv2.resize(photo, (size, size), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    img = (img * gain).clip(0, 255)
    if paste == "box":
        alpha = np.ones((size, size), np.float32)
        alpha[[0, -1], :] = alpha[:, [0, -1]] = 0.5
    else:
        alpha = cv2.resize(hand.astype(np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
        k = max(3, size // 60) | 1
        alpha = cv2.GaussianBlur(alpha, (k, k), 0)
    ys, xs = np.nonzero(alpha > 0.5)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    if paste == "arm":
        length = 2 * size
        img = np.vstack([img, np.repeat(img[-1:], length, axis=0)])
        alpha = np.vstack([alpha, np.repeat(alpha[-1:], length, axis=0)])
    if flipped:
        img, alpha = img[:, ::-1], alpha[:, ::-1]
        box = (size - box[2], box[1], size - box[0], box[3])
    return np.ascontiguousarray(img), np.ascontiguousarray(alpha), box


MIN_COVERED = 0.8  # of the hand's landmarks a cut-out must keep


def _covered(hand: np.ndarray, landmarks: np.ndarray) -> float:
    """Share of the landmarks (pixels) inside the ``hand`` mask, near enough (5 px)."""
    import cv2

    near = cv2.dilate(hand.astype(np.uint8), np.ones((11, 11), np.uint8)) > 0
    h, w = hand.shape
    x = np.clip(np.round(landmarks[:, 0]).astype(int), 0, w - 1)
    y = np.clip(np.round(landmarks[:, 1]).astype(int), 0, h - 1)
    return float(near[y, x].mean())


class Mover:
    """Smooth drift, sway, slight rotation and jitter of one hand about a centre."""

    def __init__(self, centre: tuple[float, float], rng: np.random.Generator) -> None:
        self.c = np.array(centre, np.float32)
        self.amp = rng.uniform(4, 25, 2)
        self.freq = rng.uniform(0.15, 0.7, 2)
        self.phase = rng.uniform(0, 2 * np.pi, 3)
        self.angle0 = rng.uniform(-12, 12)
        self.rng = rng

    def pose(self, t: float) -> tuple[np.ndarray, float, float]:
        """(centre, angle in degrees, scale) at time ``t`` seconds."""
        sway = self.amp * np.sin(2 * np.pi * self.freq * t + self.phase[:2])
        centre = self.c + sway + self.rng.normal(0, 1.2, 2)
        angle = self.angle0 + 5 * math.sin(1.3 * t + self.phase[2])
        scale = 1 + 0.04 * math.sin(0.9 * t + self.phase[0])
        return centre, angle, scale


def place(
    frame: np.ndarray,
    patch: np.ndarray,
    alpha: np.ndarray,
    size: int,
    box: tuple[int, int, int, int],
    pose: tuple[np.ndarray, float, float],
) -> list[float]:
    """Blend the patch into ``frame`` (float32, in place); return the hand's box."""
    import cv2

    centre, angle, scale = pose
    m = cv2.getRotationMatrix2D((size / 2, size / 2), angle, scale)
    m[:, 2] += centre - np.array([size / 2, size / 2])
    h, w = frame.shape[:2]
    a = cv2.warpAffine(alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    img = cv2.warpAffine(patch, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    frame *= 1 - a[..., None]
    frame += img * a[..., None]
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1], [x1, y0, 1], [x0, y1, 1], [x1, y1, 1]], np.float32) @ m.T
    lo = np.clip(corners.min(axis=0), 0, [w, h])
    hi = np.clip(corners.max(axis=0), 0, [w, h])
    return [round(float(v), 1) for v in (*lo, *hi)]


def make_video(
    data: Path,
    out: Path,
    seed: int = 0,
    seconds: float = 60.0,
    fps: float = 30.0,
    size: tuple[int, int] = (640, 480),
    two_hands: bool = False,
    signers: list[str] | None = None,
    no_hands: bool = False,
    hand_px: tuple[int, int] = (190, 300),
    hold_s: float = 1.5,
    gap_s: float = 0.5,
    paste_modes: tuple[str, ...] = PASTE_MODES,
    groups_csv: Path | None = None,
) -> dict:
    """Write the video and its truth sidecar; return the truth."""
    import cv2

    from handcam.capture.images import read_image

    rng = np.random.default_rng(seed)
    photo_signer = read_signers(groups_csv or data / "signers.csv")
    wanted = set(signers) if signers else set(photo_signer.values())
    pool: dict[str, list[str]] = {}
    for path, signer in sorted(photo_signer.items()):
        if signer in wanted and (data / path).is_file():
            pool.setdefault(path.split("/")[0], []).append(path)
    if not pool:
        raise SystemExit(f"{data}: no photos of the chosen signers")
    labels = sorted(pool)
    w, h = size
    hold, gap = round(hold_s * fps), round(gap_s * fps)
    signs = int(seconds * fps) // (hold + gap)
    total = signs * (hold + gap)
    kinds = [SCENE_KINDS[i % len(SCENE_KINDS)] for i in rng.permutation(signs)]
    digit_order = [labels[i % len(labels)] for i in rng.permutation(signs * 2)]
    appearances: list[Appearance] = []
    truth: list[list[dict]] = [[] for _ in range(total)]
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise SystemExit(f"{out}: cannot write a video here")
    noise = [rng.normal(0, 2.0, (h, w, 3)).astype(np.float32) for _ in range(5)]
    try:
        for k in range(signs):
            kind = kinds[k]
            scene = make_scene(kind, (h + 2 * SHAKE, w + 2 * SHAKE), rng).astype(np.float32)
            start = k * (hold + gap) + gap
            n_hands = 0 if no_hands else 2 if two_hands else 1
            hands = []
            for j in range(n_hands):
                label = digit_order[2 * k + j]
                photo = pool[label][int(rng.integers(len(pool[label])))]
                px = int(
                    rng.integers(
                        hand_px[0], (min(hand_px[1], 260) if two_hands else hand_px[1]) + 1
                    )
                )
                paste = paste_modes[int(rng.integers(len(paste_modes)))]
                flipped = bool(two_hands and j == 0 and rng.random() < 0.7)
                dark = kind == "dark"
                gain = rng.uniform(0.45, 0.8) if dark else rng.uniform(0.8, 1.1)
                gain = gain * rng.uniform(0.93, 1.07, 3)
                patch, alpha, box = hand_patch(read_image(data / photo), px, paste, flipped, gain)
                margin = px * 0.6
                if two_hands:
                    lo_x = margin + (w / 2) * j
                    hi_x = max(lo_x + 1, (w / 2) * (j + 1) - margin + px * 0.1)
                    cx = rng.uniform(lo_x, hi_x)
                else:
                    cx = rng.uniform(margin, w - margin)
                cy = rng.uniform(margin, max(margin + 1, h - margin * 0.8))
                delay = int(rng.integers(0, round(0.4 * fps))) if two_hands and j else 0
                app = Appearance(
                    len(appearances), label, start + delay, start + hold, photo,
                    photo_signer[photo], px, paste, flipped, kind,
                )  # fmt: skip
                appearances.append(app)
                hands.append((app, patch, alpha, box, Mover((cx, cy), rng)))
            shake = np.zeros(2)
            for f in range(k * (hold + gap), start + hold):
                shake = np.clip(shake + rng.normal(0, 0.8, 2), -SHAKE, SHAKE)
                ox, oy = (SHAKE + shake).astype(int)
                frame = scene[oy : oy + h, ox : ox + w].copy()
                for app, patch, alpha, box, mover in hands:
                    if app.start <= f < app.end:
                        pose = mover.pose((f - app.start) / fps)
                        hb = place(frame, patch, alpha, app.size, box, pose)
                        truth[f].append({"hand": app.id, "label": app.label, "box": hb})
                frame += noise[f % len(noise)]
                bgr = cv2.cvtColor(frame.clip(0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)
                writer.write(bgr)
    finally:
        writer.release()
    doc = {
        "video": out.name,
        "fps": fps,
        "width": w,
        "height": h,
        "frames": total,
        "seed": seed,
        "two_hands": two_hands,
        "no_hands": no_hands,
        "signers": sorted(wanted),
        "appearances": [asdict(a) for a in appearances],
        "truth": truth,
    }
    truth_path(out).write_text(json.dumps(doc))
    return doc


def truth_path(video: Path) -> Path:
    return video.with_suffix(".truth.json")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.videos", description=__doc__.split("\n")[0]
    )
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make", help="write a composite video and its truth sidecar")
    m.add_argument("--data", type=Path, required=True, help="digits dataset folder")
    m.add_argument("--out", type=Path, required=True, help="VIDEO.mp4")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--seconds", type=float, default=60.0)
    m.add_argument("--fps", type=float, default=30.0)
    m.add_argument("--two-hands", action="store_true", help="two hands in every sign")
    m.add_argument(
        "--no-hands", action="store_true", help="the same scenes and motion, no hand (empty)"
    )
    m.add_argument("--groups", type=Path, help="signer CSV (default: DATA/signers.csv)")
    who = m.add_mutually_exclusive_group()
    who.add_argument("--holdout-of", type=Path, metavar="BUNDLE",
                     help="use only the test signers of this bundle's split")  # fmt: skip
    who.add_argument("--signers", help="comma-separated signer ids")
    m.add_argument("--paste", default=",".join(PASTE_MODES),
                   help=f"comma-separated paste modes among {','.join(PASTE_MODES)}")  # fmt: skip
    s = sub.add_parser("score", help="score a prediction log against a truth sidecar")
    s.add_argument("--log", type=Path, required=True, help="--log-predictions or predict --json")
    s.add_argument("--truth", type=Path, required=True)
    s.add_argument("--skip", type=int, default=10, help="frames ignored at each sign's start")
    s.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    if args.command == "score":
        from benchmarks.video_score import format_score, score_log

        report = score_log(args.log, args.truth, args.skip)
        print(json.dumps(report) if args.json else format_score(report))
        return 0
    groups = args.groups or args.data / "signers.csv"
    signers = None
    if args.holdout_of:
        signers = heldout_signers(args.holdout_of, read_signers(groups))
    elif args.signers:
        signers = [s.strip() for s in args.signers.split(",") if s.strip()]
    modes = tuple(x for x in args.paste.split(",") if x)
    if not modes or set(modes) - set(PASTE_MODES):
        p.error(f"--paste: choose among {PASTE_MODES}")
    doc = make_video(
        args.data, args.out, args.seed, args.seconds, args.fps, two_hands=args.two_hands,
        signers=signers, paste_modes=modes, groups_csv=groups, no_hands=args.no_hands,
    )  # fmt: skip
    n_hand = sum(bool(t) for t in doc["truth"])
    print(
        f"{args.out}: {doc['frames']} frames, {len(doc['appearances'])} hands shown, "
        f"{n_hand} frames with a hand, {len(doc['signers'])} signers; "
        f"truth in {truth_path(args.out)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
