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
  on busy backgrounds) and on a square on the frame's centre, tried second (a hand
  close to the camera: the palm detector misses many over a third of the frame); a
  still, empty scene: one run every ``idle_every`` frames (palm or centre square);
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

import numpy as np

from handcam.hands.hand import Hand, HandDetector, box_iou, box_within
from handcam.hands.mediapipe_models import (
    LandmarkModel,
    LandmarkResult,
    PalmModel,
    Region,
    region_from_landmarks,
)
from handcam.hands.search_plan import SearchPlanner
from handcam.hands.search_regions import (
    Box,
    centre,
    inside,
)
from handcam.hands.tracks import Track, TrackedFrame, TrackerConfig

log = logging.getLogger(__name__)
__all__ = ["HandTracker", "TrackerConfig"]
MAX_DEBT = 2.0  # model runs a search may finish on credit (see HandTracker._spend)
SEARCH_VERSION = 2  # bump when the tracker finds other hands (caches of its hands key on it)


def same_hand(box: Box, other: Box) -> bool:
    """Is a hand's ``box`` one already found at ``other``: much overlap, or mostly inside it
    (a part of that hand, e.g. its fingers, read as a second hand)?"""
    return box_iou(box, other) > 0.4 or box_within(box, other) > 0.7


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
        self.planner = SearchPlanner(self.config)
        self.searches: Counter[str] = Counter()  # searches by kind of region
        self.finds: Counter[str] = Counter()  # hands found by kind of region
        self.checks: Counter[str] = Counter()  # landmarker runs on candidates, and hands

    def detect(self, image: np.ndarray) -> list[Hand]:
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"expected an RGB image (H, W, 3), got shape {image.shape}")
        cfg = self.config
        self.frame += 1
        self._credit = min(cfg.runs_saved, self._credit + cfg.runs_per_frame)
        cur = TrackedFrame(np.ascontiguousarray(image))
        for track in [t for t in self.tracks if t.region is not None]:
            res = self.landmarks.run(cur.image, track.region)
            self._credit = max(0.0, self._credit - 1)
            hand = self._hand(res, track.id)
            if not self._plausible(res, hand, track.region, cfg.presence, cur.width) or any(
                same_hand(hand.box, other.box) for _, other in cur.hands
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
        plan = self.planner.plan(cur, self.tracks, self.frame)
        if self.planner.outside_budget:  # a rare search for a second hand
            self._credit = max(self._credit, 2.0)
        if plan and not cur.hands and self._credit >= 1:
            self.planner.turn += 1  # the next frame starts with the next kind of region
        for kind, region in plan:
            if len(cur.hands) >= cfg.max_hands or self._credit < 1:
                break
            self.searches[kind] += 1
            self.planner.next[kind] += 1  # the next tile or grid square, next time
            scan = kind.startswith("scan") or kind.endswith("scan")
            if self._scan(cur, region) if scan else self._search(cur, region):
                self.finds[kind] += 1
        self.planner.after_search(cur)
        cur.hands.sort(key=lambda th: th[0].born)  # the oldest track is the main hand
        return [hand for _, hand in cur.hands]

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

    def _search(self, cur: TrackedFrame, region: Region) -> bool:
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

    def _scan(self, cur: TrackedFrame, region: Region) -> bool:
        """The landmarker alone on a region: a hand within 15% of the region's centre
        is found 98% of the time after one refinement (measured); empty scenes: none."""
        found = self._landmarks_for(cur, region, weak=True)
        if found is not None:
            self._add(cur, *found)
        return found is not None

    def _landmarks_for(
        self, cur: TrackedFrame, region: Region, weak: bool, follow_up: bool = False
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
    def _add(self, cur: TrackedFrame, res: LandmarkResult, hand: Hand) -> None:
        if any(same_hand(hand.box, other.box) for _, other in cur.hands):
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
