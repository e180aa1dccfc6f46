"""The webcam-like development test: held-out people's letters as a webcam would show them.

    python -m benchmarks.webcam_test make --data DIR --groups CSV --signers P2,P5 --out SET.npz
                                          [--seed 11] [--frames 24] [--sheet SHEET.png]
    python -m benchmarks.webcam_test score BUNDLE --set SET.npz [--clean] [--json OUT]

``make`` turns every photo of the chosen people (J and Z, signed with a motion, left out)
into a short clip of a webcam scene, with settings other than training's
(:mod:`training.webcam`): other frame sizes (352x288, 424x240, 800x448, 1024x576), the
composite videos' scenes (:mod:`benchmarks.scenes`) and hand cut-outs
(:func:`benchmarks.videos.hand_patch`), hands 28-65 % of the frame's height, drifting and
swaying, motion blur from that movement, defocus, noise, exposure and white balance,
JPEG 25-75. The app's video tracker finds the hands in every frame; the set keeps those
(not the frames), so ``score`` replays them through any bundle's full pipeline (features,
classifier, "not a sign" gate, smoothing) as the window would show them.

``score`` prints per letter what the window shows on each clip's frames after its first
10: **shown right** (the label right and shown, not held back), read right (the raw top
label, where a hand was found), held back as "not a sign", unsure, no hand; with
``--clean``, the same photos' clean still figure (shown right as ``handcam predict``
reads the photo) beside it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

PRESETS = {  # frame sizes, hand box side (of the frame's height), defocus, JPEG quality
    "room": {"sizes": ((352, 288), (424, 240), (800, 448), (1024, 576)), "hand": (0.28, 0.65),
             "defocus": (0.6, 1.8), "jpeg": (25, 75)},
    "small": {"sizes": ((320, 240), (352, 288)), "hand": (0.3, 0.45), "defocus": (0.7, 1.3),
              "jpeg": (45, 75)},
}  # fmt: skip
FPS = 30.0
SKIP = 10  # frames a clip's hand has to be found and shown, as the video scorer skips
MOTION_LETTERS = ("J", "Z")


def _clip(photo, lms, rng, frames: int, preset: dict):
    """(frames RGB uint8, truth boxes, the clip's settings) of one test clip."""
    import cv2

    from benchmarks.scenes import SCENE_KINDS, make_scene
    from benchmarks.videos import hand_patch

    w, h = preset["sizes"][rng.integers(len(preset["sizes"]))]
    kind = SCENE_KINDS[rng.integers(len(SCENE_KINDS))]
    scene = make_scene(kind, (h, w), rng).astype(np.float32)
    side = max(np.ptp(lms[:, 0]), np.ptp(lms[:, 1]))
    frac = rng.uniform(*preset["hand"])  # hand box side, of the frame's height
    size = int(round(photo.shape[0] * frac * h / side))
    paste = ("segmented", "arm", "box")[rng.integers(3)]
    gain = rng.uniform(0.7, 1.2, 3).astype(np.float32)
    patch, alpha, _ = hand_patch(photo, size, paste, bool(rng.random() < 0.5), gain, lms)
    ph, pw = alpha.shape
    centre = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.35, 0.65) * h])
    velocity = rng.normal(0, 0.15 * h, 2)  # pixels a second
    wobble = rng.uniform(0, 2 * np.pi, 2)
    defocus = rng.uniform(*preset["defocus"])
    jpeg = int(rng.integers(preset["jpeg"][0], preset["jpeg"][1] + 1))
    noise = rng.uniform(2, 10)
    tone = (rng.uniform(0.6, 1.3) * rng.uniform(0.85, 1.15, 3)).astype(np.float32)
    out, boxes = [], []
    prev = None
    for i in range(frames):
        t = i / FPS
        pos = centre + velocity * t + 0.04 * h * np.sin(3.1 * t + wobble)
        angle = 6 * np.sin(2.3 * t + wobble[0])
        m = cv2.getRotationMatrix2D((pw / 2, size / 2), angle, 1.0)
        m[:, 2] += pos - np.array([pw / 2, size / 2])
        fg = cv2.warpAffine(patch, m, (w, h), flags=cv2.INTER_AREA)
        a = cv2.warpAffine(alpha, m, (w, h))[..., None]
        img = scene * (1 - a) + fg * a
        if prev is not None:  # the streak of this frame's movement
            step = np.linalg.norm(pos - prev)
            if step >= 2:
                n = int(step) | 1
                k = np.zeros((n, n), np.float32)
                k[n // 2] = 1.0 / n
                ang = np.degrees(np.arctan2(*(pos - prev)[::-1]))
                r = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), ang, 1.0)
                img = cv2.filter2D(img, -1, cv2.warpAffine(k, r, (n, n)))
        prev = pos
        img = cv2.GaussianBlur(img, (0, 0), defocus)
        grain = np.empty(img.shape, np.float32)
        cv2.setRNGSeed(int(rng.integers(2**31)))
        cv2.randn(grain, 0.0, float(noise))
        img = np.clip(img * tone + grain, 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        out.append(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy())
        boxes.append(cv2.boundingRect((a[..., 0] > 0.5).astype(np.uint8)))
    settings = {"width": w, "height": h, "hand_px": frac * h, "scene": kind, "paste": paste,
                "defocus": defocus, "jpeg": jpeg, "noise": noise}  # fmt: skip
    return out, boxes, settings


def make(data: Path, groups: Path, signers: list[str], out: Path, seed: int, frames: int,
         sheet: Path | None, preset: str = "room") -> None:  # fmt: skip
    """Build the clips of ``signers``' photos, find their hands, save the set."""
    import cv2

    from handcam.capture.images import read_image
    from handcam.features.preprocess import PreprocessConfig
    from handcam.hands.tracker import HandTracker
    from training.data import scan_dataset
    from training.hand_cache import extract_hands
    from training.progress import Progress

    ds = scan_dataset([data], groups)
    samples = [s for s in ds.samples if s.group in signers and s.label not in MOTION_LETTERS]
    if not samples:
        raise SystemExit(f"no photos of {signers} in {data}")
    progress = Progress()
    ex = extract_hands(samples, PreprocessConfig(), progress)
    tracker = HandTracker(1)
    rng = np.random.default_rng(seed)
    rows: dict[str, list] = defaultdict(list)
    thumbs = []
    for sample, lms in progress.track(
        list(zip(ex.ok_samples, ex.hands.landmarks, strict=True)), "clips"
    ):
        clip, boxes, settings = _clip(read_image(sample.path), lms, rng, frames, PRESETS[preset])
        for k, v in settings.items():
            rows[f"setting_{k}"].append(v)
        tracker.reset()
        hands = [tracker.detect(f) for f in clip]
        n = np.array([min(len(hs), 2) for hs in hands])
        lm = np.zeros((frames, 2, 21, 3), np.float32)
        world = np.full((frames, 2, 21, 3), np.nan, np.float32)
        handed = np.full((frames, 2), "", dtype="<U5")
        score = np.zeros((frames, 2), np.float32)
        track = np.zeros((frames, 2), np.int32)
        for f, hs in enumerate(hands):
            for j, hand in enumerate(hs[:2]):
                lm[f, j] = hand.landmarks
                if hand.world_landmarks is not None:
                    world[f, j] = hand.world_landmarks
                handed[f, j] = hand.handedness
                score[f, j] = hand.score
                track[f, j] = hand.track_id or 0
        for k, v in (
            ("n", n),
            ("landmarks", lm),
            ("world", world),
            ("handedness", handed),
            ("score", score),
            ("track", track),
            ("truth_box", np.array(boxes)),
        ):
            rows[k].append(v)  # fmt: skip
        rows["label"].append(sample.label)
        rows["signer"].append(sample.group or "")
        rows["origin"].append(sample.origin)
        if sheet is not None and len(thumbs) < 48:
            thumbs.append(cv2.resize(clip[frames // 2], (240, 160)))
    np.savez_compressed(out, **{k: np.array(v) for k, v in rows.items()}, fps=FPS)
    found = np.mean([np.mean(n > 0) for n in rows["n"]])
    print(f"{out}: {len(rows['label'])} clips of {frames} frames; a hand found in {found:.1%}")
    if sheet is not None and thumbs:
        grid = [np.hstack(thumbs[i : i + 8]) for i in range(0, len(thumbs) - 7, 8)]
        cv2.imwrite(str(sheet), np.vstack(grid)[..., ::-1])


class ReplayDetector:
    """Hands found earlier, frame by frame (a clip of a saved set)."""

    def __init__(self, clip: dict) -> None:
        from handcam.hands.hand import Hand

        self.frames = []
        for f in range(len(clip["n"])):
            hands = []
            for j in range(int(clip["n"][f])):
                world = clip["world"][f, j]
                hands.append(Hand(clip["landmarks"][f, j], str(clip["handedness"][f, j]),
                                  float(clip["score"][f, j]),
                                  None if np.isnan(world).any() else world,
                                  int(clip["track"][f, j]) or None))  # fmt: skip
            self.frames.append(hands)
        self.i = 0

    def detect(self, image):
        hands = self.frames[self.i] if self.i < len(self.frames) else []
        self.i += 1
        return hands

    def reset(self) -> None:
        self.i = 0

    def close(self) -> None:
        pass


def score(
    bundle: Path,
    set_path: Path,
    clean: bool = False,
    signers: list[str] | None = None,
    exclude: set[str] | None = None,
) -> dict:
    """Per label: frames shown right / read right / held back / unsure / no hand, on the
    clips of ``signers`` (all) less those of the photos in ``exclude`` (e.g. a person's
    photos a calibration learned from)."""
    from handcam.capture.sources import Frame
    from handcam.recognition.assemble import assemble, load_model

    model = load_model(bundle)
    z = np.load(set_path)
    image = np.zeros((8, 8, 3), np.uint8)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    chosen = [
        c
        for c in range(len(z["label"]))
        if (not signers or str(z["signer"][c]) in signers)
        and str(z["origin"][c]) not in (exclude or set())
    ]
    for c in chosen:
        clip = {k: z[k][c] for k in ("n", "landmarks", "world", "handedness", "score", "track")}
        pipe = assemble(model, "video", detector=ReplayDetector(clip))
        truth = str(z["label"][c])
        row = counts[truth]
        for f in range(len(clip["n"])):
            res = pipe.process(Frame(f, image, 0.0, "replay", time=f / float(z["fps"])))
            if f < SKIP:
                continue
            row["frames"] += 1
            if not res.hand_found:
                row["no_hand"] += 1
                continue
            row["read_right"] += res.label == truth
            row["found"] += 1
            row["shown_right"] += res.state == "label" and res.smoothed.label == truth
            row["held_back"] += res.state == "not_a_sign"
            row["unsure"] += res.state == "unsure"
            if res.state == "label" and res.smoothed.label != truth:
                row[f"shown:{res.smoothed.label}"] += 1
    result = {"bundle": str(bundle), "set": str(set_path), "labels": {}}
    for label in sorted(counts):
        r = counts[label]
        n = max(r["frames"], 1)
        wrong = sorted(((k[6:], v) for k, v in r.items() if k.startswith("shown:")),
                       key=lambda kv: -kv[1])[:2]  # fmt: skip
        result["labels"][label] = {
            "shown_right": r["shown_right"] / n,
            "read_right": r["read_right"] / max(r["found"], 1),
            "held_back": r["held_back"] / n,
            "unsure": r["unsure"] / n,
            "no_hand": r["no_hand"] / n,
            "shown_instead": dict(wrong),
        }
    keys = ("frames", "shown_right", "read_right", "found", "held_back", "unsure", "no_hand")
    tot = {k: sum(counts[lab][k] for lab in counts) for k in keys}
    result["total"] = {
        "shown_right": tot["shown_right"] / max(tot["frames"], 1),
        "read_right": tot["read_right"] / max(tot["found"], 1),
        "held_back": tot["held_back"] / max(tot["frames"], 1),
        "no_hand": tot["no_hand"] / max(tot["frames"], 1),
        "frames": tot["frames"],
        "worst_label": min(result["labels"], key=lambda k: result["labels"][k]["shown_right"]),
    }
    if clean:
        result["clean"] = clean_figures(model, z["origin"][chosen], z["label"][chosen])
    return result


def clean_figures(model, origins, labels) -> dict[str, float]:
    """Shown right per label on the clean photos, as ``handcam predict`` reads each."""
    from handcam.capture.sources import Frame
    from handcam.recognition.assemble import assemble
    from training.data import Sample
    from training.hand_cache import extract_hands

    root = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    samples = [
        Sample(root / o, str(lab), origin=str(o)) for o, lab in zip(origins, labels, strict=True)
    ]
    ex = extract_hands(samples, model.preprocess)
    hits: dict[str, list] = defaultdict(list)
    image = np.zeros((8, 8, 3), np.uint8)
    ok = {s.origin: i for i, s in enumerate(ex.ok_samples)}
    for s in samples:
        i = ok.get(s.origin)
        if i is None:
            hits[s.label].append(False)
            continue
        pipe = assemble(model, "image", detector=ReplayDetector(_one(ex.hands, i)))
        res = pipe.process(Frame(0, image, 0.0, "photo"))
        hits[s.label].append(res.state == "label" and res.smoothed.label == s.label)
    out = {lab: float(np.mean(v)) for lab, v in sorted(hits.items())}
    out["total"] = float(np.mean([x for v in hits.values() for x in v]))
    return out


def _one(hands, i: int) -> dict:
    w = hands.world[i][None, None]
    return {"n": np.array([1]), "landmarks": hands.landmarks[i][None, None], "world": w,
            "handedness": np.array([[hands.handedness[i]]]), "score": np.ones((1, 1)),
            "track": np.zeros((1, 1), np.int32)}  # fmt: skip


def print_table(result: dict) -> None:
    clean = result.get("clean", {})
    print(f"{'label':>6} {'shown':>7} {'read':>7} {'held':>6} {'unsure':>7} {'nohand':>7}"
          + (f" {'clean':>7}" if clean else "") + "  shown instead")  # fmt: skip
    for lab, r in result["labels"].items():
        extra = f" {clean.get(lab, float('nan')):7.1%}" if clean else ""
        inst = ", ".join(f"{k} {v}" for k, v in r["shown_instead"].items())
        print(f"{lab:>6} {r['shown_right']:7.1%} {r['read_right']:7.1%} {r['held_back']:6.1%} "
              f"{r['unsure']:7.1%} {r['no_hand']:7.1%}{extra}  {inst}")  # fmt: skip
    t = result["total"]
    extra = f" {clean['total']:7.1%}" if clean else ""
    print(f"{'all':>6} {t['shown_right']:7.1%} {t['read_right']:7.1%} {t['held_back']:6.1%} "
          f"{'':>7} {t['no_hand']:7.1%}{extra}  ({t['frames']} frames; worst "
          f"{t['worst_label']})")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.webcam_test", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make", help="build a webcam-like test set of some people's photos")
    m.add_argument("--data", type=Path, required=True)
    m.add_argument("--groups", type=Path, required=True)
    m.add_argument("--signers", required=True, help="comma-separated people, e.g. P2,P5")
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--seed", type=int, default=11)
    m.add_argument("--frames", type=int, default=24)
    m.add_argument("--sheet", type=Path, help="a PNG of some clips' middle frames")
    m.add_argument("--preset", choices=sorted(PRESETS), default="room",
                   help="room: 352x288 to 1024x576 frames, hands 28-65%% of the height; small: "
                   "320x240 and 352x288 webcams, hands 30-45%% (72-130 px)")  # fmt: skip
    s = sub.add_parser("score", help="what a bundle shows on a webcam-like test set")
    s.add_argument("bundle", type=Path)
    s.add_argument("--set", type=Path, required=True)
    s.add_argument("--clean", action="store_true", help="also the clean photos, as stills")
    s.add_argument("--json", type=Path)
    s.add_argument("--signers", help="only these people's clips (comma-separated)")
    s.add_argument("--exclude", type=Path, help="a text file of photo origins to leave out")
    a = p.parse_args(argv)
    if a.cmd == "make":
        make(a.data, a.groups, a.signers.split(","), a.out, a.seed, a.frames, a.sheet, a.preset)
        return 0
    exclude = set(a.exclude.read_text().split()) if a.exclude else None
    result = score(a.bundle, a.set, a.clean, a.signers.split(",") if a.signers else None, exclude)
    print_table(result)
    if a.json:
        a.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
