"""Hand tracking for video: up to two hands, each with a track id, that keeps a hand
MediaPipe's own tracking would drop, without paying palm detection on every frame.

Per frame, each tracked hand is re-measured in the region its last landmarks give
(landmarker only, as MediaPipe does). Palm detection (MediaPipe: the whole frame on
every frame without a hand) runs only where a hand may be found:

- just after a hand is lost (``recover_frames``): one run per frame on squares around
  where it was, at two sizes (upscaled, so the palm looks bigger to the 192 px
  detector), the whole frame every third run;
- no hand tracked, and the frame differs from the empty scene
  (:mod:`handcam.change_gate`): two runs per frame, the whole frame and a tile in
  turn (a tile shows hands 1.7x bigger), for ``double_frames`` frames after the scene
  was last still, then one; and the landmarker alone on one square of a grid per
  frame, then every other frame, for ``scan_passes`` passes (it finds hands that the
  palm detector misses on busy backgrounds). So a scene that never stops moving
  soon costs what MediaPipe costs; a still, empty scene one run every ``idle_every``
  frames;
- one hand tracked and two wanted: the whole frame 3 frames after a hand appears
  (hands often come together), and the tile farthest from it 5 frames later; then
  only while the frame around the tracked hand differs from when it came (one run
  every ``second_gap`` frames, ``second_tries`` at most), and every ``second_every``
  frames regardless;
- a weak palm (below ``palm_score``) counts only when the landmarker is sure
  (``verify_presence``): on empty scenes its presence stays below 0.3. Palms too
  small to be a hand's, and hands shrunk inside their region, are dropped.

A hand found again near where a track was lost keeps that track's id, so its
smoothed label carries on.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from handcam.change_gate import ChangeGate, thumbnail
from handcam.detection import Hand, HandDetector, box_iou
from handcam.handmodels import (
    LandmarkModel,
    LandmarkResult,
    PalmModel,
    Region,
    region_from_landmarks,
    whole_image,
)

log = logging.getLogger(__name__)
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TrackerConfig:
    max_hands: int = 2
    presence: float = 0.5  # landmarker presence to start or keep a track (MediaPipe's)
    min_fill: float = 0.3  # a hand's box side, at least this fraction of its region's
    min_hand: float = 0.05  # ... and of the frame's longer side
    min_palm: float = 0.06  # palms smaller than this fraction of the searched region's side
    # are fingertips and knuckles (hands' palms measured >= 0.084)
    palm_score: float = 0.5  # palm score accepted as is (MediaPipe's)
    weak_palm_score: float = 0.15  # weaker palms need verify_presence
    verify_presence: float = 0.7
    verify_budget: int = 1  # landmarker checks of weak palms per frame
    refine_budget: int = 1  # second landmarker runs on a rejected palm's region per frame,
    refine_floor: float = 0.1  # when the first gave at least this presence (most give 0.001)
    recover_frames: int = 6  # frames a lost hand's place is searched first
    recover_scales: tuple[float, ...] = (1.3, 2.0)  # of the lost hand's box
    keep_lost_frames: int = 30  # a hand found near a track lost this recently keeps its id
    tile_frac: float = 0.6  # tile side, of the frame's longer side
    idle_every: int = 3  # still, empty scene: one palm run every n frames
    double_frames: int = 15  # after it was still, the first n changed frames get two runs
    scan_passes: int = 2  # ... and a landmarker run on one region of a grid (then every
    # other frame), for this many passes over the grid
    absorb_frames: int = 30  # a change without a hand for this long becomes the scene
    second_after_new: tuple[int, ...] = (3, 8)  # look for a second hand n frames after one
    # appears: the whole frame, then the tile farthest from it
    second_gap: int = 5  # while the frame around tracked hands differs from when they came,
    second_tries: int = 6  # one search every second_gap frames, up to second_tries
    second_every: int = 90  # and one every n frames regardless


@dataclass
class Track:
    id: int
    region: Region | None  # where to look in the next frame; None once lost
    box: Box
    born: int
    lost_at: int | None = None


@dataclass
class _Frame:
    image: np.ndarray
    hands: list[tuple[Track, Hand]] = field(default_factory=list)
    verifications: int = 0
    refinements: int = 0
    thumb: np.ndarray | None = None

    def thumbnail(self) -> np.ndarray:
        if self.thumb is None:
            self.thumb = thumbnail(self.image)
        return self.thumb


def _centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _inside(x: float, y: float, box: Box, grow: float) -> bool:
    x0, y0, x1, y1 = box
    gx, gy = (x1 - x0) * grow, (y1 - y0) * grow
    return x0 - gx <= x <= x1 + gx and y0 - gy <= y <= y1 + gy


def _grow(box: Box, frac: float) -> Box:
    gx, gy = (box[2] - box[0]) * frac, (box[3] - box[1]) * frac
    return box[0] - gx, box[1] - gy, box[2] + gx, box[3] + gy


class HandTracker(HandDetector):
    """Video-mode detector over MediaPipe's palm and landmark models (see module doc)."""

    def __init__(
        self,
        complexity: int = 1,
        config: TrackerConfig | None = None,
        palm: PalmModel | None = None,
        landmarks: LandmarkModel | None = None,
    ) -> None:
        self.config = config or TrackerConfig()
        self.palm = palm or PalmModel(complexity, min_score=self.config.weak_palm_score)
        self.landmarks = landmarks or LandmarkModel(complexity)
        self.reset()

    def reset(self) -> None:
        """Forget all hands (a new source)."""
        self.tracks: list[Track] = []
        self.frame = 0
        self._next_id = 1
        self._turn = 0  # rotates the regions searched while no hand is tracked
        self._empty = ChangeGate()  # the scene without hands
        self._unfound = 0  # changed frames searched in vain since the scene was taken
        self._double = 0  # changed frames left that get two palm runs
        self._scan = 0  # the grid region scanned last
        self._scans_left = 0
        self._last_empty_search = -(10**9)
        self._around = ChangeGate()  # the frame around tracked hands when they came
        self._around_tries = 0
        self._last_second = -(10**9)
        self.searches: Counter[str] = Counter()  # palm runs by kind of region
        self.finds: Counter[str] = Counter()  # hands found by kind of region
        self.checks: Counter[str] = Counter()  # landmarker runs on palms found, and hands

    def detect(self, image: np.ndarray) -> list[Hand]:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
        self.frame += 1
        cur = _Frame(np.ascontiguousarray(image))
        for track in [t for t in self.tracks if t.region is not None]:
            res = self.landmarks.run(cur.image, track.region)
            hand = self._hand(res, track.id)
            width = max(cur.image.shape[:2])
            if not self._plausible(res, hand, track.region, self.config.presence, width) or any(
                box_iou(hand.box, other.box) > 0.4 for _, other in cur.hands
            ):
                track.region, track.lost_at = None, self.frame
                continue
            self._keep(track, res, hand)
            cur.hands.append((track, hand))
        self.tracks = [
            t
            for t in self.tracks
            if t.region is not None or self.frame - (t.lost_at or 0) <= self.config.keep_lost_frames
        ]
        plan = self._plan(cur)
        for kind, region in plan:
            if len(cur.hands) >= self.config.max_hands or (kind == "scan" and cur.hands):
                break
            self.searches[kind] += 1
            if self._scan_one(cur, region) if kind == "scan" else self._search(cur, region):
                self.finds[kind] += 1
        self._after_search(cur)
        cur.hands.sort(key=lambda th: th[0].born)  # the oldest track is the main hand
        return [hand for _, hand in cur.hands]

    # --- where to look -------------------------------------------------------------
    def _plan(self, cur: _Frame) -> list[tuple[str, Region]]:
        cfg = self.config
        h, w = cur.image.shape[:2]
        if len(cur.hands) >= cfg.max_hands:
            return []
        if cur.hands:
            self._empty.set_reference(None)
            return self._second_plan(cur, w, h)
        lost = [
            t
            for t in self.tracks
            if t.region is None and self.frame - (t.lost_at or 0) < cfg.recover_frames
        ]
        self._turn += 1
        if lost:
            self._empty.set_reference(None)
            if self._turn % 3 == 0:
                return [("full", whole_image(w, h))]
            x0, y0, x1, y1 = max(lost, key=lambda t: t.lost_at or 0).box
            side = max(x1 - x0, y1 - y0) * cfg.recover_scales[self._turn % len(cfg.recover_scales)]
            return [("recover", Region((x0 + x1) / 2, (y0 + y1) / 2, side))]
        if not self._empty.has_reference:
            self._empty.set_reference(cur.thumbnail())
            self._unfound = 0
            changed = True
        else:
            changed = self._empty.changed(cur.thumbnail())
        scan = scan_regions(w, h) if cfg.scan_passes else []
        if not changed:  # still again: the next change may be a hand
            self._double = cfg.double_frames
            self._scans_left = cfg.scan_passes * len(scan)
            if self.frame - self._last_empty_search < cfg.idle_every:
                return []
        self._last_empty_search = self.frame
        tiles = frame_tiles(w, h, cfg.tile_frac)
        if changed:
            self._unfound += 1
        if changed and self._double > 0:  # something came: the whole frame and a tile
            self._double -= 1
            plan = [("full", whole_image(w, h)), ("tile", tiles[self._turn % len(tiles)])]
        elif self._turn % 2:
            plan = [("full", whole_image(w, h))]
        else:
            plan = [("tile", tiles[(self._turn // 2) % len(tiles)])]
        if changed and self._scans_left > 0 and (self._double > 0 or self._turn % 2 == 0):
            self._scans_left -= 1
            self._scan = (self._scan + 1) % len(scan)
            plan.append(("scan", scan[self._scan]))
        return plan

    def _second_plan(self, cur: _Frame, w: int, h: int) -> list[tuple[str, Region]]:
        cfg = self.config
        age = self.frame - max(t.born for t, _ in cur.hands)
        since = self.frame - self._last_second
        boxes = [_grow(hand.box, 0.5) for _, hand in cur.hands]
        if age in cfg.second_after_new:
            kind = "second" if age == cfg.second_after_new[0] else "second tile"
        elif since >= cfg.second_every:
            kind = "second"
        elif (
            since >= cfg.second_gap
            and self._around.has_reference
            and self._around.changed(cur.thumbnail(), boxes, (w, h))
        ):
            kind = "second" if self._around_tries % 2 == 0 else "second tile"
            self._around_tries += 1
            if self._around_tries >= cfg.second_tries:  # a lasting change, no hand
                self._around.set_reference(cur.thumbnail())
                self._around_tries = 0
        else:
            return []
        self._last_second = self.frame
        if kind == "second":
            return [(kind, whole_image(w, h))]
        centres = [_centre(hand.box) for _, hand in cur.hands]
        far = max(
            frame_tiles(w, h, cfg.tile_frac),
            key=lambda t: min((t.cx - x) ** 2 + (t.cy - y) ** 2 for x, y in centres),
        )
        return [(kind, far)]

    def _after_search(self, cur: _Frame) -> None:
        """Update the scenes the change gates compare with."""
        if not cur.hands:
            self._around.set_reference(None)
            if self._unfound >= self.config.absorb_frames:  # a lasting change, no hand
                self._empty.set_reference(cur.thumbnail())
                self._unfound = 0
        elif not self._around.has_reference:
            self._around.set_reference(cur.thumbnail())
            self._around_tries = 0

    def _search(self, cur: _Frame, region: Region) -> bool:
        """Look for new hands in ``region``; True when one was added."""
        cfg = self.config
        before = len(cur.hands)
        for palm in self.palm.detect(cur.image, region):
            if len(cur.hands) >= cfg.max_hands:
                break
            x0, y0, x1, y1 = palm.box
            if max(x1 - x0, y1 - y0) < cfg.min_palm * region.side:
                continue
            if any(_inside(*_centre(palm.box), hand.box, 0.1) for _, hand in cur.hands):
                continue  # a hand already tracked
            weak = palm.score < cfg.palm_score
            if weak:
                if cur.verifications >= cfg.verify_budget:
                    continue
                cur.verifications += 1
            found = self._landmarks_for(cur, palm.hand_region(), weak)
            if found is None:
                continue
            res, hand = found
            if any(box_iou(hand.box, other.box) > 0.4 for _, other in cur.hands):
                continue
            track = self._claim(hand.box)
            hand = self._hand(res, track.id)
            self._keep(track, res, hand)
            cur.hands.append((track, hand))
        return len(cur.hands) > before

    def _scan_one(self, cur: _Frame, region: Region) -> bool:
        """The landmarker alone on a region: it sees hands the palm detector misses on
        busy backgrounds (a hand within 15% of the region's centre: found 98% of the
        time after one refinement, measured; empty scenes: none)."""
        found = self._landmarks_for(cur, region, weak=True)
        if found is None:
            return False
        res, hand = found
        track = self._claim(hand.box)
        hand = self._hand(res, track.id)
        self._keep(track, res, hand)
        cur.hands.append((track, hand))
        return True

    def _landmarks_for(
        self, cur: _Frame, region: Region, weak: bool
    ) -> tuple[LandmarkResult, Hand] | None:
        """The hand in a palm's region, or None. A palm's region is sometimes off: when
        the landmarker rejects it but saw something (``refine_floor``), it runs once more
        (``refine_budget`` per frame) on the region its own landmarks give, trusted at
        ``verify_presence``."""
        cfg = self.config
        width = max(cur.image.shape[:2])
        kind = "weak palm" if weak else "palm"
        res = self.landmarks.run(cur.image, region)
        self.checks[kind] += 1
        hand = self._hand(res, 0)
        if self._plausible(res, hand, region, cfg.verify_presence if weak else cfg.presence, width):
            self.checks[f"{kind}, hand"] += 1
            return res, hand
        if cur.refinements >= cfg.refine_budget or res.presence < cfg.refine_floor:
            return None
        cur.refinements += 1
        region = region_from_landmarks(res.landmarks)
        res = self.landmarks.run(cur.image, region)
        hand = self._hand(res, 0)
        self.checks["refined"] += 1
        if self._plausible(res, hand, region, cfg.verify_presence, width):
            self.checks["refined, hand"] += 1
            return res, hand
        return None

    def _plausible(
        self, res: LandmarkResult, hand: Hand, region: Region, presence: float, width: int
    ) -> bool:
        """Present enough, not tiny, and not a hand shrunk to a corner of its region: a
        hand fills 0.44-0.9 of its side (measured), the landmarker's false hands 0.15."""
        x0, y0, x1, y1 = hand.box
        side = max(x1 - x0, y1 - y0)
        return (
            res.presence >= presence
            and side >= self.config.min_fill * region.side
            and side >= self.config.min_hand * width
        )

    # --- tracks --------------------------------------------------------------------
    def _claim(self, box: Box) -> Track:
        """The lost track this hand is (near where it was lost), or a new one."""
        cx, cy = _centre(box)
        lost = [t for t in self.tracks if t.region is None and _inside(cx, cy, t.box, 0.5)]
        if lost:
            return max(lost, key=lambda t: t.lost_at or 0)
        track = Track(self._next_id, None, box, self.frame)
        self._next_id += 1
        self.tracks.append(track)
        return track

    @staticmethod
    def _keep(track: Track, res: LandmarkResult, hand: Hand) -> None:
        track.region = region_from_landmarks(res.landmarks)
        track.box = hand.box
        track.lost_at = None

    @staticmethod
    def _hand(res: LandmarkResult, track_id: int) -> Hand:
        return Hand(res.landmarks, res.handedness, res.handedness_score, res.world, track_id)


def frame_tiles(width: int, height: int, frac: float = 0.6) -> list[Region]:
    """Squares of side ``frac`` x the frame's longer side covering it, overlapping by
    at least 30%, in an order that alternates between far-apart tiles."""
    side = frac * max(width, height)

    def centres(length: int) -> np.ndarray:
        if length <= side:
            return np.array([length / 2])
        n = int(np.ceil((length - side) / (0.7 * side))) + 1
        return np.linspace(side / 2, length - side / 2, n)

    tiles = [Region(float(x), float(y), side) for y in centres(height) for x in centres(width)]
    return tiles[::2] + tiles[1::2]


def scan_regions(width: int, height: int) -> list[Region]:
    """Upright squares of 0.5 and 0.65 x the frame's longer side, a third of a side
    apart (so any hand of 190-300 px in a 640x480 frame lies near one's centre), in an
    order that jumps around the frame."""
    out = []
    for frac in (0.5, 0.65):
        side = frac * max(width, height)

        def centres(length: int, side: float = side) -> np.ndarray:
            if length <= side:
                return np.array([length / 2])
            n = int(np.ceil((length - side) / (side / 3))) + 1
            return np.linspace(side / 2, length - side / 2, n)

        out += [Region(float(x), float(y), side) for y in centres(height) for x in centres(width)]
    step = 7 if len(out) % 7 else 5  # a stride coprime with the count visits every region
    return [out[(i * step) % len(out)] for i in range(len(out))]
