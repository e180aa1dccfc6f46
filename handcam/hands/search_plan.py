"""Where the hand tracker looks for hands it does not track yet (the rules are in
:mod:`handcam.hands.tracker`): after a hand is lost, where the empty scene changed, the
whole frame, tiles, the frame's centre and a grid, and for a second hand. Each plan lists
regions, most promising first; the tracker's budget may stop it early."""

from __future__ import annotations

from collections import Counter

from handcam.capture.change_gate import ChangeGate
from handcam.hands.mediapipe_models import Region, whole_image
from handcam.hands.search_regions import (
    around,
    centre_square,
    farthest_tile,
    frame_tiles,
    grown,
    rotate,
    scan_regions,
    top_of,
)
from handcam.hands.tracks import Track, TrackedFrame, TrackerConfig


class SearchPlanner:
    """The regions to search in each frame, and the scenes the change gates compare with.

    ``turn`` rotates the kinds of region from one frame to the next; ``next`` counts the
    searches of each kind (the next tile or grid square); ``outside_budget`` says that the
    plan just made is a rare search for a second hand, paid outside the budget."""

    def __init__(self, config: TrackerConfig) -> None:
        self.config = config
        self.turn = 0  # frames with a search while no hand is tracked: rotates the regions
        self.next: Counter[str] = Counter()  # searches of each kind so far
        self.outside_budget = False
        self._empty = ChangeGate()  # the scene without hands
        self._unfound = 0  # changed frames searched in vain since the scene was taken
        self._last_idle = -(10**9)
        self._around = ChangeGate()  # the frame around tracked hands when they came
        self._around_tries = 0
        self._last_second = -(10**9)

    def plan(self, cur: TrackedFrame, tracks: list[Track], frame: int) -> list[tuple[str, Region]]:
        """Regions to search, most promising first (the budget may stop early)."""
        cfg = self.config
        self.outside_budget = False
        h, w = cur.image.shape[:2]
        if len(cur.hands) >= cfg.max_hands:
            return []
        if cur.hands:
            self._empty.set_reference(None)
            return self._second_plan(cur, frame, w, h)
        lost = [
            t for t in tracks if t.region is None and frame - (t.lost_at or 0) < cfg.recover_frames
        ]
        if lost:
            self._empty.set_reference(None)
            box = max(lost, key=lambda t: t.lost_at or 0).box
            plan = [("recover", around(box, s)) for s in cfg.recover_scales]
            return rotate(plan + [("full", whole_image(w, h))], self.turn)
        if not self._empty.has_reference:
            self._empty.set_reference(cur.thumbnail())
            self._unfound = 0
        elif not self._empty.changed(cur.thumbnail()):
            if frame - self._last_idle < cfg.idle_every:
                return []
            self._last_idle = frame
            idle = [("full", whole_image(w, h)), self._tile(w, h)] + self._centre(w, h)
            return rotate(idle, self.turn)[:1]
        self._unfound += 1
        scan = scan_regions(w, h)
        plan = [
            ("full", whole_image(w, h)),
            self._tile(w, h),
            ("scan", scan[self.next["scan"] % len(scan)]),
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
        return rotate(plan[:1] + self._centre(w, h) + plan[1:], self.turn)

    def _tile(self, w: int, h: int) -> tuple[str, Region]:
        tiles = frame_tiles(w, h, self.config.tile_frac)
        return "tile", tiles[self.next["tile"] % len(tiles)]

    def _centre(self, w: int, h: int) -> list[tuple[str, Region]]:
        """The landmarker alone on a square on the frame's centre, its sides in turn: a
        hand close to the camera (the palm detector misses many hands over a third of
        the frame, and on busy backgrounds; the landmarker finds them). None when
        ``centre_sides`` is empty."""
        sides = self.config.centre_sides
        if not sides:
            return []
        side = sides[self.next["scan centre"] % len(sides)] * max(w, h)
        return [("scan centre", centre_square(w, h, side))]

    def _second_plan(
        self, cur: TrackedFrame, frame: int, w: int, h: int
    ) -> list[tuple[str, Region]]:
        cfg = self.config
        age = frame - max(t.found_at for t, _ in cur.hands)
        since = frame - self._last_second
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
                self._last_second = frame
                self.outside_budget = True  # rare by the rules above
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
        self._last_second = frame
        self.outside_budget = True  # rare by the rules above
        if kind == "second":
            return [(kind, whole_image(w, h))]
        return [(kind, farthest_tile(w, h, cfg.tile_frac, boxes))]

    def after_search(self, cur: TrackedFrame) -> None:
        """Update the scenes the change gates compare with."""
        if not cur.hands:
            self._around.set_reference(None)
            if self._unfound >= self.config.absorb_frames:  # a lasting change, no hand
                self._empty.set_reference(cur.thumbnail())
                self._unfound = 0
        elif not self._around.has_reference:
            self._around.set_reference(cur.thumbnail())
            self._around_tries = 0
