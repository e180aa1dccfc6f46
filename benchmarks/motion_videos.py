"""Videos of real hand photos moving along a path: motion signs through the real hand tracker.

``python -m benchmarks.motion_videos clip --data DIGITS --signer s001 --path circle --out V.mp4``
    one teaching clip: the hand held, the motion, the hand at rest
``python -m benchmarks.motion_videos sequence --data DIGITS --signers s010,s011 --out V.mp4``
    signs in a row, each between still hands and pauses without a hand; ``V.truth.json`` lists
    which motion sign starts and ends when

A photo of the digits dataset (its hand cut from its wall, a forearm drawn to the frame
edge) is carried along a path over a synthetic room scene (:mod:`benchmarks.scenes`) at
30 frames/s. The hand keeps its shape: these are motion signs by path alone (``circle``,
``swipe`` right, ``drop``, ``zigzag``), made to try ``handcam record --clip``,
``handcam-train`` and ``predict --compose`` end to end.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

PATHS = ("circle", "swipe", "drop", "zigzag")
SIZE = (640, 480)


def path_offset(kind: str, s: float) -> np.ndarray:
    """Offset (in hand sizes) at progress ``s`` in [0, 1] along a path (minimum jerk)."""
    e = s**3 * (10 - 15 * s + 6 * s**2)
    if kind == "circle":
        a = 2 * math.pi * e
        return 0.6 * np.array([math.sin(a), 1 - math.cos(a)])
    if kind == "swipe":
        return np.array([1.4 * e, 0.1 * math.sin(math.pi * e)])
    if kind == "drop":
        return np.array([0.1 * math.sin(math.pi * e), 1.1 * e])
    if kind == "zigzag":
        pts = np.array([[0, 0], [1.0, 0], [0, 0.8], [1.0, 0.8]])
        x = e * 3
        k = min(int(x), 2)
        return pts[k] + (pts[k + 1] - pts[k]) * (x - k)
    raise ValueError(f"unknown path {kind!r}")


class Canvas:
    """A scene and a hand patch; :meth:`frame` draws the hand at an offset."""

    def __init__(self, photo: np.ndarray, size: int, rng: np.random.Generator) -> None:
        from benchmarks.scenes import make_scene
        from benchmarks.videos import hand_patch

        self.scene = make_scene(
            str(rng.choice(["room", "gradient", "clutter"])), (SIZE[1], SIZE[0]), rng
        ).astype(np.float32)
        self.patch, self.alpha, self.box = hand_patch(photo, size, "arm", False, np.ones(3))
        self.size = size
        self.home = np.array([SIZE[0] * rng.uniform(0.3, 0.45), SIZE[1] * rng.uniform(0.3, 0.45)])
        self.rng = rng

    def frame(self, offset: np.ndarray | None) -> np.ndarray:
        from benchmarks.videos import place

        img = self.scene.copy()
        if offset is not None:
            centre = self.home + offset * self.size + self.rng.normal(0, 0.8, 2)
            place(img, self.patch, self.alpha, self.size, self.box, (centre, 0.0, 1.0))
        return img.clip(0, 255).astype(np.uint8)


def write(frames: list[np.ndarray], out: Path, fps: float) -> None:
    import cv2

    out.parent.mkdir(parents=True, exist_ok=True)
    w = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), fps, SIZE)
    for f in frames:
        w.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    w.release()


def load_photo(data: Path, signer: str, rng: np.random.Generator, label: str = "5") -> np.ndarray:
    from benchmarks.videos import read_signers
    from handcam.capture.images import read_image

    signers = read_signers(data / "signers.csv")
    photos = sorted(p for p, s in signers.items() if s == signer and p.split("/")[0] == label)
    if not photos:
        raise SystemExit(f"no photo of {label} by {signer} in {data}")
    return read_image(data / str(rng.choice(photos)))


def clip_video(
    data: Path,
    signer: str,
    kind: str,
    out: Path,
    seed: int = 0,
    fps: float = 30.0,
    speed: float = 1.0,
) -> None:
    """One teaching clip of ``kind`` by ``signer``."""
    rng = np.random.default_rng(seed)
    canvas = Canvas(load_photo(data, signer, rng), int(rng.uniform(150, 190)), rng)
    n = int(fps * rng.uniform(0.8, 1.2) / speed)
    frames = [canvas.frame(path_offset(kind, 0.0)) for _ in range(int(0.8 * fps))]
    frames += [canvas.frame(path_offset(kind, i / (n - 1))) for i in range(n)]
    frames += [canvas.frame(path_offset(kind, 1.0)) for _ in range(int(0.8 * fps))]
    write(frames, out, fps)


def sequence_video(
    data: Path, signers: list[str], kinds: list[str], out: Path, seed: int = 0, fps: float = 30.0
) -> dict:
    """Each of ``kinds`` by one of ``signers`` (0.7-1.4x the teaching speed), between holds
    and gaps without a hand; returns (and writes beside the video) the truth."""
    rng = np.random.default_rng(seed)
    frames, truth = [], []
    for k, kind in enumerate(kinds):
        signer = signers[k % len(signers)]
        canvas = Canvas(load_photo(data, signer, rng), int(rng.uniform(140, 200)), rng)
        frames += [canvas.frame(None) for _ in range(int(0.6 * fps))]
        frames += [
            canvas.frame(path_offset(kind, 0.0)) for _ in range(int(rng.uniform(0.6, 1.0) * fps))
        ]
        n = int(fps * rng.uniform(0.8, 1.2) / rng.uniform(0.7, 1.4))
        start = len(frames) / fps
        frames += [canvas.frame(path_offset(kind, i / (n - 1))) for i in range(n)]
        truth.append({"sign": kind, "signer": signer, "start": start, "end": len(frames) / fps})
        frames += [
            canvas.frame(path_offset(kind, 1.0)) for _ in range(int(rng.uniform(0.6, 1.0) * fps))
        ]
    frames += [canvas.frame(None) for _ in range(int(0.6 * fps))]
    write(frames, out, fps)
    info = {"video": out.name, "fps": fps, "motions": truth}
    out.with_suffix(".truth.json").write_text(json.dumps(info, indent=1), "utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.motion_videos", description=__doc__.split("\n\n")[0]
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("clip")
    c.add_argument("--data", type=Path, required=True)
    c.add_argument("--signer", required=True)
    c.add_argument("--path", choices=PATHS, required=True)
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--seed", type=int, default=0)
    s = sub.add_parser("sequence")
    s.add_argument("--data", type=Path, required=True)
    s.add_argument("--signers", required=True)
    s.add_argument("--paths", default="circle,swipe,drop,zigzag")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.cmd == "clip":
        clip_video(args.data, args.signer, args.path, args.out, args.seed)
    else:
        info = sequence_video(
            args.data, args.signers.split(","), args.paths.split(","), args.out, args.seed
        )
        print(json.dumps(info))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
