"""Hand tracking for video: up to two hands, each with a track id, that finds hands
MediaPipe's own tracking misses, without running more models than it does.

Per frame, each tracked hand is re-measured in the region its last landmarks give
(landmarker only, as MediaPipe does). MediaPipe runs palm detection on the whole
frame on every frame without a hand; this tracker looks where a hand may be found
instead, in turn:

- just after a hand is lost (``recover_frames``): squares around where it was, at
  two sizes (upscaled, so the palm looks bigger to the 192 px detector), and the
  whole frame;
- no hand, and the frame differs from the empty scene (:mod:`handcam.capture.change_gate`):
  where it changed (palm detection around the biggest changed area, the landmarker
  alone on its top), the whole frame, a tile (hands look 1.7x bigger), and the
  landmarker alone on a square of a grid (it sees hands that the palm detector misses
  on busy backgrounds); a still, empty scene: one palm run every ``idle_every`` frames;
- one hand tracked and two wanted: the whole frame 3 frames after a hand appears
  (hands often come together) and the tile farthest from it 5 frames later; then
  where the frame around the tracked hand changed since it came (every
  ``second_gap`` frames, ``second_tries`` at most), and every ``second_every`` frames.

All of it but the searches for a second hand (a palm run and a landmarker check, rare
by the rules above) is paid from a budget of model runs (palm or landmarker):
``runs_per_frame`` a frame (MediaPipe, one hand: one), saved up to ``runs_saved``.
Tracking itself is always paid. So a scene that never stops changing costs less than
MediaPipe, and a burst of searching follows a quiet moment.

A weak palm (below ``palm_score``) counts only when the landmarker is sure
(``verify_presence``): on empty scenes its presence stays below 0.3. Palms too small
to be a hand's, tiny hands and hands shrunk inside their region are dropped. A hand
found again near where a track was lost keeps that track's id (and its smoothing).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from handcam.capture.change_gate import ChangeGate, thumbnail
from handcam.hands.hand import Hand, HandDetector, box_iou
from handcam.hands.mediapipe_models import (
    LandmarkModel,
    LandmarkResult,
    PalmModel,
    Region,
    region_from_landmarks,
    whole_image,
)
from handcam.hands.search_regions import (
    Box,
    around,
    centre,
    farthest_tile,
    frame_tiles,
    grown,
    inside,
    rotate,
    scan_regions,
    top_of,
)

log = logging.getLogger(__name__)
MAX_DEBT = 2.0  # model runs a search may finish on credit (see HandTracker._spend)


@dataclass(frozen=True)
class TrackerConfig:
    max_hands: int = 2
    runs_per_frame: float = 0.9  # model runs a frame, on average (MediaPipe, one hand: 1)
    runs_saved: float = 20.0  # at most this many saved for a burst
    presence: float = 0.5  # landmarker presence to start or keep a track (MediaPipe's)
    min_fill: float = 0.3  # a hand's box side, at least this fraction of its region's
    min_hand: float = 0.05  # ... and of the frame's longer side
    min_palm: float = 0.06  # palms smaller than this fraction of the searched region's side
    # are fingertips and knuckles (hands' palms measured >= 0.084)
    palm_score: float = 0.5  # palm score accepted as is (MediaPipe's)
    weak_palm_score: float = 0.15  # weaker palms need verify_presence
    verify_presence: float = 0.7
    refine_floor: float = 0.1  # a rejected region with this presence gets one more run
    recover_frames: int = 6  # frames a lost hand's place is searched first
    recover_scales: tuple[float, ...] = (1.3, 2.0)  # of the lost hand's box
    keep_lost_frames: int = 30  # a hand found near a track lost this recently keeps its id
    tile_frac: float = 0.6  # tile side, of the frame's longer side
    idle_every: int = 3  # still, empty scene: one palm run every n frames
    absorb_frames: int = 30  # a change without a hand for this long becomes the scene
    second_after_new: tuple[int, ...] = (3, 8)  # look for a second hand n frames after one
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
    found_at: int = 0  # the frame a search last (re)found it


@dataclass
class _Frame:
    image: np.ndarray
    hands: list[tuple[Track, Hand]] = field(default_factory=list)
    refined: bool = False
    thumb: np.ndarray | None = None

    @property
    def width(self) -> int:
        return max(self.image.shape[:2])

    def thumbnail(self) -> np.ndarray:
        if self.thumb is None:
            self.thumb = thumbnail(self.image)
        return self.thumb


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
        self._credit = self.config.runs_saved
        self._turn = 0  # frames with a search while no hand is tracked: rotates the regions
        self._empty = ChangeGate()  # the scene without hands
        self._unfound = 0  # changed frames searched in vain since the scene was taken
        self._last_idle = -(10**9)
        self._next: Counter[str] = Counter()  # searches of each kind so far
        self._around = ChangeGate()  # the frame around tracked hands when they came
        self._around_tries = 0
        self._last_second = -(10**9)
        self.searches: Counter[str] = Counter()  # searches by kind of region
        self.finds: Counter[str] = Counter()  # hands found by kind of region
        self.checks: Counter[str] = Counter()  # landmarker runs on candidates, and hands

    def detect(self, image: np.ndarray) -> list[Hand]:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
        cfg = self.config
        self.frame += 1
        self._credit = min(cfg.runs_saved, self._credit + cfg.runs_per_frame)
        cur = _Frame(np.ascontiguousarray(image))
        for track in [t for t in self.tracks if t.region is not None]:
            res = self.landmarks.run(cur.image, track.region)
            self._credit = max(0.0, self._credit - 1)
            hand = self._hand(res, track.id)
            if not self._plausible(res, hand, track.region, cfg.presence, cur.width) or any(
                box_iou(hand.box, other.box) > 0.4 for _, other in cur.hands
            ):
                track.region, track.lost_at = None, self.frame
                continue
            self._keep(track, res, hand)
            cur.hands.append((track, hand))
        self.tracks = [
            t
            for t in self.tracks
            if t.region is not None or self.frame - (t.lost_at or 0) <= cfg.keep_lost_frames
        ]
        plan = self._plan(cur)
        if plan and not cur.hands and self._credit >= 1:
            self._turn += 1  # the next frame starts with the next kind of region
        for kind, region in plan:
            if len(cur.hands) >= cfg.max_hands or self._credit < 1:
                break
            self.searches[kind] += 1
            self._next[kind] += 1  # the next tile or grid square, next time
            scan = kind.startswith("scan") or kind.endswith("scan")
            if self._scan(cur, region) if scan else self._search(cur, region):
                self.finds[kind] += 1
        self._after_search(cur)
        cur.hands.sort(key=lambda th: th[0].born)  # the oldest track is the main hand
        return [hand for _, hand in cur.hands]

    # --- where to look -------------------------------------------------------------
    def _plan(self, cur: _Frame) -> list[tuple[str, Region]]:
        """Regions to search, most promising first (the budget may stop early)."""
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
        if lost:
            self._empty.set_reference(None)
            box = max(lost, key=lambda t: t.lost_at or 0).box
            plan = [("recover", around(box, s)) for s in cfg.recover_scales]
            return rotate(plan + [("full", whole_image(w, h))], self._turn)
        if not self._empty.has_reference:
            self._empty.set_reference(cur.thumbnail())
            self._unfound = 0
        elif not self._empty.changed(cur.thumbnail()):
            if self.frame - self._last_idle < cfg.idle_every:
                return []
            self._last_idle = self.frame
            return rotate([("full", whole_image(w, h)), self._tile(w, h)], self._turn)[:1]
        self._unfound += 1
        scan = scan_regions(w, h)
        plan = [
            ("full", whole_image(w, h)),
            self._tile(w, h),
            ("scan", scan[self._next["scan"] % len(scan)]),
        ]
        changes = self._empty.blobs(cur.thumbnail(), (w, h))
        if changes:  # look where the frame changed: its top (a hand above an arm), all of
            # it (a dark hand may show only in part), then the rest, not the grid
            box = changes[0]
            plan = [
                ("scan change", top_of(box)),
                ("change", around(box, 1.2)),
                ("scan change", around(box, 1.8)),
            ] + plan[:2]
        return rotate(plan, self._turn)

    def _tile(self, w: int, h: int) -> tuple[str, Region]:
        tiles = frame_tiles(w, h, self.config.tile_frac)
        return "tile", tiles[self._next["tile"] % len(tiles)]

    def _second_plan(self, cur: _Frame, w: int, h: int) -> list[tuple[str, Region]]:
        cfg = self.config
        age = self.frame - max(t.found_at for t, _ in cur.hands)
        since = self.frame - self._last_second
        boxes = [hand.box for _, hand in cur.hands]
        if age in cfg.second_after_new:
            kind = "second" if age == cfg.second_after_new[0] else "second tile"
        elif since >= cfg.second_every:
            kind = "second"
        elif (
            since >= cfg.second_gap
            and self._around.has_reference
            and self._around.changed(cur.thumbnail(), [grown(b, 0.5) for b in boxes], (w, h))
        ):
            ignore = [grown(b, 0.5) for b in boxes]
            changes = self._around.blobs(cur.thumbnail(), (w, h), ignore)
            self._around_tries += 1
            if self._around_tries >= cfg.second_tries:  # a lasting change, no hand
                self._around.set_reference(cur.thumbnail())
                self._around_tries = 0
            if changes:  # where it changed: the palm detector, and the landmarker alone
                self._last_second = self.frame
                self._credit = max(self._credit, 2.0)  # outside the budget (see above)
                return rotate(
                    [
                        ("second change", around(changes[0], 1.2)),
                        ("second scan", top_of(changes[0])),
                    ],
                    self._around_tries,
                )
            kind = "second"
        else:
            return []
        self._last_second = self.frame
        self._credit = max(self._credit, 2.0)  # rare by the rules above: outside the budget
        if kind == "second":
            return [(kind, whole_image(w, h))]
        return [(kind, farthest_tile(w, h, cfg.tile_frac, boxes))]

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

    # --- searching -----------------------------------------------------------------
    def _spend(self, follow_up: bool = False) -> bool:
        """Take one model run from the budget, if there is one. ``follow_up``: the run that
        finishes a search already paid for (the landmarker on a palm it found, the one
        refinement a frame) is taken on credit, down to ``-MAX_DEBT``: without it, a
        budget that only ever holds 1-2 runs (frames dropped under load, a scene that
        keeps changing) pays for palm runs and scans whose hands it then cannot check,
        and a hand in view goes unfound for seconds. The debt is repaid before the next
        search starts, so the average stays ``runs_per_frame``."""
        if self._credit < 1 and not (follow_up and self._credit > -MAX_DEBT):
            return False
        self._credit -= 1
        return True

    def _search(self, cur: _Frame, region: Region) -> bool:
        """Palm detection in ``region``, then the landmarker on the palms; True when a
        hand was added."""
        cfg = self.config
        if not self._spend():
            return False
        before = len(cur.hands)
        weak_checked = False  # one weak palm per palm run: most are not hands
        for palm in self.palm.detect(cur.image, region):
            if len(cur.hands) >= cfg.max_hands:
                break
            x0, y0, x1, y1 = palm.box
            weak = palm.score < cfg.palm_score
            if max(x1 - x0, y1 - y0) < cfg.min_palm * region.side or (weak and weak_checked):
                continue
            if any(inside(*centre(palm.box), hand.box, 0.1) for _, hand in cur.hands):
                continue  # a hand already tracked
            weak_checked |= weak
            found = self._landmarks_for(cur, palm.hand_region(), weak, follow_up=True)
            if found is not None:
                self._add(cur, *found)
        return len(cur.hands) > before

    def _scan(self, cur: _Frame, region: Region) -> bool:
        """The landmarker alone on a region: a hand within 15% of the region's centre
        is found 98% of the time after one refinement (measured); empty scenes: none."""
        found = self._landmarks_for(cur, region, weak=True)
        if found is not None:
            self._add(cur, *found)
        return found is not None

    def _landmarks_for(
        self, cur: _Frame, region: Region, weak: bool, follow_up: bool = False
    ) -> tuple[LandmarkResult, Hand] | None:
        """The hand in a region, or None. A palm's region is sometimes off: when the
        landmarker rejects it but saw something (``refine_floor``), it runs once more
        (once a frame) on the region its own landmarks give, trusted at
        ``verify_presence``."""
        cfg = self.config
        if not self._spend(follow_up):
            return None
        kind = "weak" if weak else "strong"
        res = self.landmarks.run(cur.image, region)
        self.checks[kind] += 1
        hand = self._hand(res, 0)
        if self._plausible(
            res, hand, region, cfg.verify_presence if weak else cfg.presence, cur.width
        ):
            self.checks[f"{kind}, hand"] += 1
            return res, hand
        if cur.refined or res.presence < cfg.refine_floor or not self._spend(follow_up=True):
            return None
        cur.refined = True
        region = region_from_landmarks(res.landmarks)
        res = self.landmarks.run(cur.image, region)
        hand = self._hand(res, 0)
        self.checks["refined"] += 1
        if self._plausible(res, hand, region, cfg.verify_presence, cur.width):
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
    def _add(self, cur: _Frame, res: LandmarkResult, hand: Hand) -> None:
        if any(box_iou(hand.box, other.box) > 0.4 for _, other in cur.hands):
            return
        track = self._claim(hand.box)
        track.found_at = self.frame
        hand = self._hand(res, track.id)
        self._keep(track, res, hand)
        cur.hands.append((track, hand))

    def _claim(self, box: Box) -> Track:
        """The lost track this hand is (near where it was lost), or a new one."""
        cx, cy = centre(box)
        lost = [t for t in self.tracks if t.region is None and inside(cx, cy, t.box, 0.5)]
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
