"""What the hand tracker keeps: its settings, its tracks, and the frame being read (see
:mod:`handcam.hands.tracker`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handcam.capture.change_gate import thumbnail
from handcam.hands.hand import Hand
from handcam.hands.mediapipe_models import Region
from handcam.hands.search_regions import Box


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
    centre_sides: tuple[float, ...] = (0.6, 0.8)  # landmarker-alone squares on the centre,
    # of the frame's longer side, in turn
    idle_every: int = 3  # still, empty scene: one search every n frames
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
class TrackedFrame:
    """One frame being read: its image, the hands found so far, and its thumbnail (for
    the change gates)."""

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
