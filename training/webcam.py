"""Training photos made to look like webcam frames before the hand is found.

A sharp phone photo of a hand gives MediaPipe landmarks unlike those of a webcam's small,
soft, compressed hand in a room. :func:`webcam_frames` turns one photo (and the hand's
landmarks found in it) into a few frames of a webcam scene: the hand cut from its wall
(or with it) at 8-40 % of a 320x240 to 1280x720 frame, on a room with a person in it,
slightly turned in perspective, defocused and motion-blurred, with an exposure and white
balance shift, sensor noise and JPEG compression; the hand sways a little between the
frames. The app's own video hand tracker (:class:`handcam.hands.tracker.HandTracker`)
then finds the hand in them as it would live, so a classifier learns from MediaPipe's own
errors on such input (see :mod:`training.webcam_hands`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIZES = ((320, 240), (640, 480), (640, 360), (960, 540), (1280, 720))


@dataclass(frozen=True)
class WebcamLook:
    """The ranges a webcam frame is drawn from (each copy draws its own values)."""

    sizes: tuple[tuple[int, int], ...] = SIZES
    hand: tuple[float, float] = (0.08, 0.40)  # hand box side / frame width
    min_hand_px: int = 44  # smaller hands are made this big (MediaPipe finds none below)
    cutout: float = 0.7  # share of copies with the hand cut from its wall (else the wall too)
    defocus: tuple[float, float] = (0.3, 1.6)  # Gaussian sigma, frame pixels
    motion_blur: tuple[float, float] = (0.0, 7.0)  # streak length, frame pixels
    motion_share: float = 0.5
    jpeg: tuple[int, int] = (30, 90)
    noise: tuple[float, float] = (1.0, 9.0)  # sensor noise sigma, 8-bit levels
    gain: tuple[float, float] = (0.55, 1.5)  # exposure
    gamma: tuple[float, float] = (0.7, 1.4)
    white_balance: float = 0.18  # per-channel gain +-
    perspective: float = 0.06  # corner shift, of the frame side
    turn: float = 15.0  # in-plane turn of the pasted hand, degrees +-
    person: float = 0.75  # share of frames with a head and shoulders in view
    frames: int = 3  # frames per copy (the tracker's search, then tracking)


def _skin(photo: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """The hand's mean colour, sampled along its bones."""
    h, w = photo.shape[:2]
    bones = [(0, 1), (0, 5), (0, 17), (5, 9), (9, 13), (13, 17), (1, 2), (5, 6), (9, 10)]
    pts = []
    for a, b in bones:
        for t in np.linspace(0.2, 0.8, 5):
            pts.append(lms[a, :2] * (1 - t) + lms[b, :2] * t)
    p = np.clip(np.round(pts).astype(int), 0, [w - 1, h - 1])
    return np.median(photo[p[:, 1], p[:, 0]].astype(np.float32), axis=0)


def hand_mask(photo: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """(H, W) float32 in [0, 1]: the hand and forearm, cut from a plain wall.

    Pixels are the hand's where they are far from the wall's colour (sampled along the
    photo's border, away from the arm) or inside the landmarks' skeleton, then the part
    connected to the hand is kept and its edge softened."""
    import cv2

    h, w = photo.shape[:2]
    lab = cv2.cvtColor(photo, cv2.COLOR_RGB2LAB).astype(np.float32)
    border = np.concatenate([lab[0], lab[:, 0], lab[:, -1], lab[-1]])
    wall = np.median(border, axis=0)
    spread = np.median(np.abs(border - wall), axis=0) * 1.5 + 4.0
    far = (np.abs(lab - wall) / spread).max(axis=2) > 3.0
    skeleton = np.zeros((h, w), np.uint8)
    width = max(3, int(0.09 * np.ptp(lms[:, 1]) + 0.09 * np.ptp(lms[:, 0])))
    chains = [[0, 1, 2, 3, 4], [0, 5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]
    chains += [[0, 17, 18, 19, 20], [5, 9, 13, 17]]
    pts = np.round(lms[:, :2]).astype(np.int32)
    for chain in chains:
        cv2.polylines(skeleton, [pts[chain]], False, 1, width)
    cv2.fillConvexPoly(skeleton, cv2.convexHull(pts[[0, 1, 5, 9, 13, 17]]), 1)
    mask = (far | skeleton.astype(bool)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    n, comp = cv2.connectedComponents(mask)
    if n > 2:  # keep what touches the skeleton
        keep = np.unique(comp[skeleton.astype(bool)])
        mask = np.isin(comp, keep[keep > 0]).astype(np.uint8)
    soft = cv2.GaussianBlur(mask.astype(np.float32), (5, 5), 0)
    return soft


def room(rng: np.random.Generator, w: int, h: int, skin: np.ndarray, person: bool) -> np.ndarray:
    """(h, w, 3) float32 RGB: walls, furniture, a window or a screen, maybe a person."""
    import cv2

    base = rng.uniform(40, 230, 3)
    other = np.clip(base + rng.normal(0, 35, 3), 0, 255)
    ramp = np.linspace(0, 1, h if rng.random() < 0.6 else w, dtype=np.float32)
    ramp = ramp[:, None] if len(ramp) == h else ramp[None, :]
    img = base + (other - base) * ramp[..., None]
    img = np.broadcast_to(img, (h, w, 3)).copy()
    for _ in range(rng.integers(1, 7)):  # furniture, doors, shelves, pictures
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        x1, y1 = x0 + rng.integers(w // 12, w // 2), y0 + rng.integers(h // 12, h // 2)
        bright = rng.random() < 0.2  # a window or a lamp
        colour = rng.uniform(200, 255) * np.ones(3) if bright else rng.uniform(0, 255, 3)
        cv2.rectangle(img, (int(x0), int(y0)), (int(x1), int(y1)), colour.tolist(), -1)
    if rng.random() < 0.5:  # texture
        k = rng.integers(2, 9)
        tex = rng.normal(0, rng.uniform(4, 25), (h // k + 1, w // k + 1, 1)).astype(np.float32)
        img += cv2.resize(tex, (w, h), interpolation=cv2.INTER_LINEAR)[..., None]
    if person:
        tone = np.clip(skin * rng.uniform(0.8, 1.15) + rng.normal(0, 8, 3), 0, 255)
        cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.15, 0.45) * h
        r = rng.uniform(0.09, 0.2) * h
        shirt = rng.uniform(0, 255, 3)
        cv2.ellipse(img, (int(cx), int(cy + 3.2 * r)), (int(2.6 * r), int(1.8 * r)), 0, 180,
                    360, shirt.tolist(), -1)  # fmt: skip
        cv2.rectangle(img, (int(cx - 2.6 * r), int(cy + 3.2 * r)), (int(cx + 2.6 * r), h),
                      shirt.tolist(), -1)  # fmt: skip
        cv2.rectangle(img, (int(cx - 0.4 * r), int(cy + r)), (int(cx + 0.4 * r),
                      int(cy + 1.6 * r)), tone.tolist(), -1)  # fmt: skip
        cv2.ellipse(img, (int(cx), int(cy)), (int(0.8 * r), int(r)), 0, 0, 360, tone.tolist(), -1)
        hair = rng.uniform(10, 90, 3)
        cv2.ellipse(img, (int(cx), int(cy - 0.3 * r)), (int(0.85 * r), int(0.8 * r)), 0, 180,
                    360, hair.tolist(), -1)  # fmt: skip
        for dx in (-0.3, 0.3):  # eyes
            cv2.circle(img, (int(cx + dx * r), int(cy - 0.1 * r)), max(1, int(0.08 * r)),
                       (30, 30, 30), -1)  # fmt: skip
    vignette = 1 - rng.uniform(0, 0.35) * (
        (np.linspace(-1, 1, w)[None, :] ** 2 + np.linspace(-1, 1, h)[:, None] ** 2) / 2
    )
    return np.clip(img * vignette[..., None], 0, 255).astype(np.float32)


@dataclass(frozen=True)
class _Draw:
    """One copy's values, drawn once and kept over its frames."""

    size: tuple[int, int]
    hand_px: float
    centre: tuple[float, float]
    angle: float
    cutout: bool
    defocus: float
    streak: float
    streak_angle: float
    jpeg: int
    noise: float
    gain: float
    gamma: float
    balance: np.ndarray
    corners: np.ndarray
    flip: bool


def _draw(rng: np.random.Generator, look: WebcamLook) -> _Draw:
    w, h = look.sizes[rng.integers(len(look.sizes))]
    hand_px = max(look.min_hand_px, rng.uniform(*look.hand) * w)
    hand_px = min(hand_px, 0.8 * h)
    margin = 0.5 * hand_px
    cx = rng.uniform(margin, w - margin)
    cy = rng.uniform(min(margin, h / 2), max(h - margin, h / 2))
    moving = rng.random() < look.motion_share
    return _Draw(
        size=(int(w), int(h)),
        hand_px=float(hand_px),
        centre=(float(cx), float(cy)),
        angle=float(rng.uniform(-look.turn, look.turn)),
        cutout=bool(rng.random() < look.cutout),
        defocus=float(rng.uniform(*look.defocus)),
        streak=float(rng.uniform(*look.motion_blur)) if moving else 0.0,
        streak_angle=float(rng.uniform(0, 180)),
        jpeg=int(rng.integers(look.jpeg[0], look.jpeg[1] + 1)),
        noise=float(rng.uniform(*look.noise)),
        gain=float(rng.uniform(*look.gain)),
        gamma=float(rng.uniform(*look.gamma)),
        balance=1 + rng.uniform(-look.white_balance, look.white_balance, 3),
        corners=rng.uniform(-look.perspective, look.perspective, (4, 2)),
        flip=bool(rng.random() < 0.5),
    )


def _streak_kernel(length: float, angle: float) -> np.ndarray:
    import cv2

    n = max(3, int(round(length)) | 1)
    k = np.zeros((n, n), np.float32)
    k[n // 2, :] = 1
    m = cv2.getRotationMatrix2D((n / 2 - 0.5, n / 2 - 0.5), angle, 1.0)
    k = cv2.warpAffine(k, m, (n, n))
    return k / max(k.sum(), 1e-6)


@dataclass(frozen=True, eq=False)
class WebcamScene:
    """Frames of one scene (RGB uint8) and where the photo's landmarks are in the last."""

    frames: list[np.ndarray]
    landmarks: np.ndarray  # (21, 2) pixels of the last frame

    @property
    def box(self) -> tuple[float, float, float, float]:
        (x0, y0), (x1, y1) = self.landmarks.min(axis=0), self.landmarks.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)


def webcam_frames(
    photo: np.ndarray, lms: np.ndarray, rng: np.random.Generator, look: WebcamLook | None = None
) -> WebcamScene:
    """``look.frames`` RGB uint8 frames of one webcam-like scene with the photo's hand.

    ``photo``: RGB uint8; ``lms``: (21, >=2) the hand's landmarks in its pixels."""
    import cv2

    look = look or WebcamLook()
    d = _draw(rng, look)
    w, h = d.size
    skin = _skin(photo, lms)
    scene = room(rng, w, h, skin, rng.random() < look.person)
    side = max(np.ptp(lms[:, 0]), np.ptp(lms[:, 1]), 8.0)
    scale = d.hand_px / side
    alpha = hand_mask(photo, lms) if d.cutout else _box_alpha(photo.shape[:2])
    layer = photo.astype(np.float32)
    if d.cutout and alpha[-1].max() > 0.5:  # the forearm leaves the photo: on to the frame edge
        rows = int(2 * photo.shape[0])
        layer = np.vstack([layer, np.repeat(layer[-1:], rows, axis=0)])
        alpha = np.vstack([alpha, np.repeat(alpha[-1:], rows, axis=0)])
    pts = lms[:, :2].astype(np.float64)
    if d.flip:  # the same hand seen by a mirrored camera: handedness flips too
        layer, alpha = layer[:, ::-1], alpha[:, ::-1]
        pts = np.stack([layer.shape[1] - pts[:, 0], pts[:, 1]], axis=1)
    hand_c = (pts.min(axis=0) + pts.max(axis=0)) / 2
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + (d.corners * [w, h]).astype(np.float32)
    persp = cv2.getPerspectiveTransform(src, dst)
    frames = []
    phase = rng.uniform(0, 2 * np.pi, 2)
    for i in range(look.frames):
        sway = 0.03 * d.hand_px * np.sin(phase + 0.9 * i)
        pivot = (float(hand_c[0]), float(hand_c[1]))
        m = cv2.getRotationMatrix2D(pivot, d.angle + 1.5 * i, scale)
        m[:, 2] += np.array(d.centre) + sway - hand_c
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        fg = cv2.warpAffine(layer, m, (w, h), flags=interp)
        a = cv2.warpAffine(alpha, m, (w, h), flags=cv2.INTER_LINEAR)[..., None]
        img = scene * (1 - a) + fg * a
        img = cv2.warpPerspective(img, persp, (w, h), borderMode=cv2.BORDER_REFLECT)
        frames.append(_camera(img, d, rng))
    moved = np.hstack([pts, np.ones((21, 1))]) @ m.T
    seen = cv2.perspectiveTransform(moved[None].astype(np.float32), persp)[0]
    return WebcamScene(frames, seen)


def _box_alpha(shape: tuple[int, int]) -> np.ndarray:
    import cv2

    a = np.zeros(shape, np.float32)
    a[3:-3, 3:-3] = 1
    return cv2.GaussianBlur(a, (7, 7), 0)


def _camera(img: np.ndarray, d: _Draw, rng: np.random.Generator) -> np.ndarray:
    """Lens, sensor and encoder: defocus, motion streak, exposure, white balance, noise,
    JPEG."""
    import cv2

    if d.defocus > 0.35:
        img = cv2.GaussianBlur(img, (0, 0), d.defocus)
    if d.streak >= 2:
        img = cv2.filter2D(img, -1, _streak_kernel(d.streak, d.streak_angle))
    levels = np.arange(256, dtype=np.float32) / 255.0
    lut = np.stack([255.0 * np.clip(levels * d.gain, 0, 1) ** d.gamma * b for b in d.balance], 1)
    lut8 = np.clip(lut, 0, 255).astype(np.uint8)[None]
    img = cv2.LUT(np.clip(img, 0, 255).astype(np.uint8), lut8)
    noise = np.empty(img.shape, np.int16)
    cv2.setRNGSeed(int(rng.integers(2**31)))
    cv2.randn(noise, 0, d.noise)
    img = np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, d.jpeg])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy() if ok else img
