"""Motion samples: a clip of one hand making a sign, as landmarks per frame.

    ROOT/LABEL/ID.clip.json    the clip: every frame's time and hand (or null), the label,
                               the recording session, the source, the image size
    ROOT/LABEL/ID.clip.png     its picture: the fingertip's path over the first frame's hand

A clip is cut to its motion (:func:`motion_span`): from just before the hand starts moving
to just after it comes to rest, at most ``MAX_MOTION_S``. A clip without a hand, with the
hand lost most of the time, or with no motion is refused (:class:`ClipError`) and nothing is
written. Files are written atomically and never overwrite; the picture first, the clip last
(the clip makes it a sample).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from handcam import __version__
from handcam.errors import HandcamError, StorageError
from handcam.hands.hand import HAND_CONNECTIONS, Hand
from handcam.labels import validate_label
from handcam.recording.samples import SampleStore
from handcam.system.files import write_bytes_atomic

CLIP_SUFFIX = ".clip.json"
MIN_MOTION_S, MAX_MOTION_S = 0.3, 3.0
REST_SPEED = 0.6  # palm lengths a second below which a hand is at rest
MIN_EXTENT = 0.35  # palm lengths: less than this is no motion
MIN_PRESENT = 0.6  # of a motion's frames must show the hand
PAD_S = 0.15  # kept before and after the motion


class ClipError(HandcamError):
    """A clip that cannot be a motion sample (said why; nothing written)."""


@dataclass(frozen=True)
class Clip:
    label: str
    times: np.ndarray  # (T,) seconds
    hands: tuple[Hand | None, ...]
    image_size: tuple[int, int] = (640, 480)
    session: str = ""
    source: str = ""

    @property
    def duration(self) -> float:
        return float(self.times[-1] - self.times[0]) if len(self.times) else 0.0

    def present(self) -> tuple[np.ndarray, list[Hand]]:
        """The times and hands of the frames with a hand."""
        idx = [i for i, h in enumerate(self.hands) if h is not None]
        return self.times[idx], [self.hands[i] for i in idx]  # type: ignore[misc]


def _palm_px(hand: Hand) -> float:
    """The hand's palm in the image: mean pixels from the wrist to three knuckles."""
    lm = hand.landmarks
    return float(np.linalg.norm(lm[[5, 9, 17], :2] - lm[0, :2], axis=1).mean())


def _speeds(times: np.ndarray, hands: list[Hand], lag_s: float = 0.1) -> np.ndarray:
    """Per frame: how fast the fastest of middle knuckle, index tip and little tip moved
    over the last ``lag_s`` (palm lengths a second; over a lag, so landmark noise at a high
    frame rate is no motion)."""
    pts = np.stack([h.landmarks[[9, 8, 20], :2] for h in hands]).astype(np.float64)
    palm = np.median([_palm_px(h) for h in hands])
    back = np.clip(np.searchsorted(times, times - lag_s, side="right") - 1, 0, None)
    back = np.minimum(back, np.maximum(np.arange(len(times)) - 1, 0))
    step = np.linalg.norm(pts - pts[back], axis=2).max(axis=1) / max(palm, 1e-6)
    return step / np.maximum(times - times[back], 1e-3)


def _stretches(clip: Clip):
    """(times, hands, stretches of motion as index pairs, their extent in palm lengths);
    ClipError when the hand is missing or never moves."""
    if not any(h is not None for h in clip.hands):
        raise ClipError("no hand was found in the clip: nothing recorded")
    times, hands = clip.present()
    if len(hands) < 4:
        raise ClipError(f"the hand was found on only {len(hands)} frames: nothing recorded")
    moving = _speeds(times, hands) > REST_SPEED
    if not moving.any():
        raise ClipError("the hand did not move: a motion sign needs a motion (nothing recorded)")
    # join moves separated by pauses under 0.35 s; keep the longest stretch that moved far
    # enough, but not the hand coming into view when the sign follows it (a stretch from
    # the first frames)
    idx = np.where(moving)[0]
    spans, a = [], idx[0]
    for prev, cur in zip(idx[:-1], idx[1:], strict=True):
        if times[cur] - times[prev] > 0.35:
            spans.append((a, prev))
            a = cur
    spans.append((a, idx[-1]))

    def extent_of(span: tuple[int, int]) -> float:
        a, b = span
        pts = np.stack([h.landmarks[[9, 8, 20], :2] for h in hands[a : b + 1]])
        return float(np.ptp(pts, axis=0).max()) / max(_palm_px(hands[a]), 1e-6)

    spans = [s for s in spans if extent_of(s) >= MIN_EXTENT] or spans  # not a tremor
    if len(spans) > 1 and times[spans[0][0]] - times[0] < 0.15:
        spans = spans[1:]
    return times, hands, spans, extent_of


def motions_in(clip: Clip) -> int:
    """How many separate motions the clip holds (0: none usable); a clip keeps one."""
    try:
        _, _, spans, extent_of = _stretches(clip)
    except ClipError:
        return 0
    return sum(extent_of(s) >= MIN_EXTENT for s in spans)


def motion_span(clip: Clip) -> tuple[float, float]:
    """(start, end) seconds of the clip's motion (the longest, when there are several);
    ClipError when there is none."""
    times, hands, spans, extent_of = _stretches(clip)
    a, b = max(spans, key=lambda s: times[s[1]] - times[s[0]])
    start, end = times[max(a - 1, 0)], times[b]
    extent = extent_of((a, b))
    if end - start < 0.1 or extent < MIN_EXTENT:
        raise ClipError(
            f"the hand barely moved ({extent:.2f} palm lengths): a motion sign needs a motion "
            "(nothing recorded)"
        )
    end = min(end, start + MAX_MOTION_S)
    in_span = (clip.times >= start) & (clip.times <= end)
    seen = np.mean([clip.hands[i] is not None for i in np.where(in_span)[0]])
    if seen < MIN_PRESENT:
        raise ClipError(
            f"the hand was lost on {100 * (1 - seen):.0f}% of the motion's frames: "
            "nothing recorded (more light, the hand nearer, or a slower motion)"
        )
    return float(start), float(end)


def cut_to_motion(clip: Clip) -> Clip:
    """The clip from just before its motion to just after it (:func:`motion_span`)."""
    start, end = motion_span(clip)
    keep = (clip.times >= start - PAD_S) & (clip.times <= end + PAD_S)
    idx = np.where(keep)[0]
    return Clip(
        clip.label,
        clip.times[idx] - clip.times[idx[0]],
        tuple(clip.hands[i] for i in idx),
        clip.image_size,
        clip.session,
        clip.source,
    )


class ClipStore(SampleStore):
    """Writes clips under ``root``; one store = one recording session id."""

    def save_clip(self, clip: Clip) -> Path:
        """Cut ``clip`` to its motion and write it; ClipError / StorageError, nothing written."""
        label = validate_label(clip.label)
        folder = self.label_dir(label)
        cut = cut_to_motion(clip)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        name = f"{stamp}-{self.session[-6:]}-{next(self._counter):04d}"
        data = {
            "label": label,
            "kind": "clip",
            "session": self.session,
            "source": clip.source,
            "image_size": list(clip.image_size),
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "handcam_version": __version__,
            "frames": [
                {"t": round(float(t), 4), "hand": None if h is None else h.to_dict()}
                for t, h in zip(cut.times, cut.hands, strict=True)
            ],
        }
        path, picture = folder / f"{name}{CLIP_SUFFIX}", folder / f"{name}.clip.png"
        try:
            write_bytes_atomic(picture, clip_picture(cut))
            write_bytes_atomic(path, json.dumps(data, ensure_ascii=False).encode())
        except (StorageError, OSError) as exc:
            picture.unlink(missing_ok=True)
            if isinstance(exc, StorageError):
                raise
            raise StorageError(f"could not save clip in {folder}: {exc}") from exc
        return path

    def clip_counts(self) -> dict[str, int]:
        """Clips per label folder."""
        if not self.root.is_dir():
            return {}
        out = {
            d.name: len(list(d.glob(f"*{CLIP_SUFFIX}")))
            for d in sorted(self.root.iterdir())
            if d.is_dir()
        }
        return {k: v for k, v in out.items() if v}


def delete_clip(path: Path) -> None:
    """Remove one clip (undo): the clip first so it never counts half-deleted."""
    path.unlink(missing_ok=True)
    path.with_name(path.name[: -len(CLIP_SUFFIX)] + ".clip.png").unlink(missing_ok=True)


def load_clip(path: str | Path) -> Clip:
    """A clip file; ClipError naming it when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        frames = data["frames"]
        times = np.array([float(f["t"]) for f in frames])
        hands = tuple(None if f["hand"] is None else Hand.from_dict(f["hand"]) for f in frames)
        label = validate_label(data["label"])
        size = tuple(int(v) for v in data.get("image_size", (640, 480)))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ClipError(f"{path}: not a readable clip ({exc})") from exc
    if len(times) < 2 or np.any(np.diff(times) < 0):
        raise ClipError(f"{path}: a clip needs at least two frames in time order")
    return Clip(
        label, times, hands, size, str(data.get("session", "")), str(data.get("source", ""))
    )  # type: ignore[arg-type]


def find_clips(root: Path) -> list[Path]:
    """Every clip file in the class folders of ``root`` (or in ``root`` itself)."""
    root = Path(root).expanduser()
    if not root.is_dir():
        return []
    found = sorted(root.glob(f"*{CLIP_SUFFIX}")) + sorted(root.glob(f"*/*{CLIP_SUFFIX}"))
    return [p for p in found if not any(part.startswith((".", "_")) for part in p.parts[-2:])]


def clip_picture(clip: Clip, size: int = 160) -> bytes:
    """A PNG: the first hand's skeleton in grey and the index fingertip's path in orange."""
    import cv2

    _, hands = clip.present()
    pts = np.concatenate([h.landmarks[:, :2] for h in hands])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = (size - 16) / max(float((hi - lo).max()), 1.0)

    def px(p):
        q = (np.asarray(p) - lo) * scale + 8
        return int(q[0]), int(q[1])

    img = np.full((size, size, 3), 255, np.uint8)
    first = hands[0].landmarks
    for a, b in HAND_CONNECTIONS:
        cv2.line(img, px(first[a, :2]), px(first[b, :2]), (170, 170, 170), 1, cv2.LINE_AA)
    tip = [px(h.landmarks[8, :2]) for h in hands]
    cv2.polylines(img, [np.array(tip, np.int32)], False, (0, 120, 255), 2, cv2.LINE_AA)
    cv2.circle(img, tip[-1], 4, (0, 120, 255), -1, cv2.LINE_AA)
    ok, buf = cv2.imencode(".png", img)
    return buf.tobytes()


def save_carried_clips(path: Path, clips: dict[str, list[Clip]]) -> None:
    """The clips as arrays: every frame's time, landmarks (nan: no hand) and handedness."""
    times, lms, hands, labels, lengths = [], [], [], [], []
    for label, items in sorted(clips.items()):
        for clip in items:
            times.append(clip.times)
            lms.append(
                np.stack(
                    [
                        np.full((21, 3), np.nan) if h is None else h.landmarks[:, :3]
                        for h in clip.hands
                    ]
                )
            )
            hands.append(["" if h is None else h.handedness for h in clip.hands])
            labels.append(label)
            lengths.append(len(clip.times))
    with open(path, "wb") as fh:
        np.savez_compressed(
            fh,
            times=np.concatenate(times),
            landmarks=np.concatenate(lms).astype(np.float32),
            handedness=np.array(sum(hands, [])),
            labels=np.array(labels),
            lengths=np.array(lengths),
        )


def load_carried_clips(path: Path) -> dict[str, list[Clip]]:
    """The clips a bundle carries (``motion_clips.npz``), by label."""
    out: dict[str, list[Clip]] = {}
    with np.load(path, allow_pickle=False) as z:
        ends = np.cumsum(z["lengths"])
        for label, end, n in zip(z["labels"], ends, z["lengths"], strict=True):
            sl = slice(end - n, end)
            hands = tuple(
                None if np.isnan(lm).any() else Hand(lm, str(h), 1.0)
                for lm, h in zip(z["landmarks"][sl], z["handedness"][sl], strict=True)
            )
            out.setdefault(str(label), []).append(Clip(str(label), z["times"][sl], hands))
    return out
