"""Where the hand tracker looks for hands it does not track yet: boxes and squares."""

from __future__ import annotations

import numpy as np

from handcam.hands.mediapipe_models import Region

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 pixels


def centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def inside(x: float, y: float, box: Box, grow: float) -> bool:
    """Is (x, y) in ``box`` grown by ``grow`` of its size on each side?"""
    x0, y0, x1, y1 = box
    gx, gy = (x1 - x0) * grow, (y1 - y0) * grow
    return x0 - gx <= x <= x1 + gx and y0 - gy <= y <= y1 + gy


def grown(box: Box, frac: float) -> Box:
    gx, gy = (box[2] - box[0]) * frac, (box[3] - box[1]) * frac
    return box[0] - gx, box[1] - gy, box[2] + gx, box[3] + gy


def around(box: Box, scale: float) -> Region:
    """An upright square of ``scale`` x the box's longer side, on the box's centre."""
    x0, y0, x1, y1 = box
    return Region((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0) * scale)


def centre_square(width: int, height: int, side: float) -> Region:
    """An upright square of ``side`` on the frame's centre."""
    return Region(width / 2, height / 2, side)


def top_of(box: Box, scale: float = 1.2) -> Region:
    """An upright square over the top of a changed area: the hand, not the arm below it
    (a square of the area's width, up to 1.6x it when the area is tall, x ``scale``)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    side = min(max(w, h), 1.6 * w) * scale
    return Region((x0 + x1) / 2, y0 + side / 2, side)


def _centres(length: int, side: float, step: float) -> np.ndarray:
    if length <= side:
        return np.array([length / 2])
    n = int(np.ceil((length - side) / step)) + 1
    return np.linspace(side / 2, length - side / 2, n)


def frame_tiles(width: int, height: int, frac: float = 0.6) -> list[Region]:
    """Squares of side ``frac`` x the frame's longer side covering it, overlapping by
    at least 30%, in an order that alternates between far-apart tiles."""
    side = frac * max(width, height)
    xs, ys = _centres(width, side, 0.7 * side), _centres(height, side, 0.7 * side)
    tiles = [Region(float(x), float(y), side) for y in ys for x in xs]
    return tiles[::2] + tiles[1::2]


def farthest_tile(width: int, height: int, frac: float, boxes: list[Box]) -> Region:
    """The tile whose centre is farthest from every given box's centre."""
    points = [centre(b) for b in boxes]
    return max(
        frame_tiles(width, height, frac),
        key=lambda t: min((t.cx - x) ** 2 + (t.cy - y) ** 2 for x, y in points),
    )


def scan_regions(width: int, height: int) -> list[Region]:
    """Upright squares of 0.5 and 0.65 x the frame's longer side, a third of a side
    apart (so any hand of 190-300 px in a 640x480 frame lies near one's centre), in an
    order that jumps around the frame."""
    out: list[Region] = []
    for frac in (0.5, 0.65):
        side = frac * max(width, height)
        xs, ys = _centres(width, side, side / 3), _centres(height, side, side / 3)
        out += [Region(float(x), float(y), side) for y in ys for x in xs]
    step = next(s for s in (7, 5, 3, 1) if len(out) % s or s == 1)  # visits every region
    return [out[(i * step) % len(out)] for i in range(len(out))]


def rotate(plan: list, turn: int) -> list:
    """The plan starting at its ``turn``-th item (the budget may allow only the first)."""
    k = turn % len(plan)
    return plan[k:] + plan[:k]
