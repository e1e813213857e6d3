"""The camera's path through a clip: where each depth of the photo sits in each frame.

A pose is a similarity transform (scale about the focus point, a slide, a small roll)
taking a point of the photo to a point of the frame. Nearer layers (depth 1) move more
than far ones (depth 0) — that difference is the parallax that makes a flat photo read
as a scene. Moves ease in and out (a sine curve), as an operator's hands would.

The whole path is computed before rendering, so that the parallax can be held within
what the layers can show cleanly, and one `overscan` zoom can be chosen that keeps the
background covering the frame in every pose: no black edges, ever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from video.motion_plan import CameraMotion

HANDHELD_PIXELS = 0.006  # drift of a steady hand, as a fraction of the frame's width
HANDHELD_DEGREES = 0.35  # and its roll
# The most the subject may slide against what is behind it, as a fraction of the width.
# More reveals too much of the inpainted plate (and any part the cut-out missed).
MAX_SEPARATION = 0.015


@dataclass(frozen=True)
class Pose:
    """Photo point q → frame point: focus + scale·R(angle)·(q − focus) + (dx, dy)."""

    scale: float
    dx: float
    dy: float
    angle: float  # radians, counter-clockwise on screen

    def matrix(self, focus: tuple[float, float]) -> np.ndarray:
        """The 2×3 forward matrix (for cv2.warpAffine)."""
        fx, fy = focus
        c, s = self.scale * math.cos(self.angle), self.scale * math.sin(self.angle)
        return np.array([[c, s, fx + self.dx - c * fx - s * fy],
                         [-s, c, fy + self.dy + s * fx - c * fy]], np.float32)

    def apply(self, x: float, y: float, focus: tuple[float, float]) -> tuple[float, float]:
        """Where this pose puts photo point (x, y) in the frame."""
        fx, fy = focus
        c, s = self.scale * math.cos(self.angle), self.scale * math.sin(self.angle)
        u, v = x - fx, y - fy
        return fx + c * u + s * v + self.dx, fy - s * u + c * v + self.dy

    @property
    def identity(self) -> bool:
        return self.scale == 1.0 and self.dx == 0.0 and self.dy == 0.0 and self.angle == 0.0

    def trace(self, x: float, y: float, focus: tuple[float, float]) -> tuple[float, float]:
        """The photo point this pose puts at frame point (x, y): the inverse transform."""
        fx, fy = focus
        c, s = math.cos(self.angle), math.sin(self.angle)
        u, v = x - fx - self.dx, y - fy - self.dy
        return fx + (c * u - s * v) / self.scale, fy + (s * u + c * v) / self.scale


def ease(t: float) -> float:
    """Sine ease-in-out: starts and ends at rest, fastest in the middle."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(t, 0.0), 1.0))


class CameraPath:
    """Poses for every frame and depth of one clip."""

    def __init__(self, motion: CameraMotion, *, frames: int, fps: float, width: int,
                 height: int, focus: tuple[float, float], parallax: float, seed: int,
                 subject_box: tuple[float, float, float, float] | None = None):
        self.motion, self.frames, self.fps = motion, frames, fps
        self.width, self.height, self.focus = width, height, focus
        self.parallax = parallax
        self._shake = _Handheld(seed, motion.shake) if motion.shake else None
        self.depth_scale, self.overscan = 1.0, 1.0  # set below, from the whole path
        if subject_box is not None:
            limit = MAX_SEPARATION * width
            apart = max(self.separation(i, subject_box) for i in range(frames))
            if apart > limit:  # separation is proportional to depth_scale
                self.depth_scale = limit / apart
        self.overscan = self._needed_overscan()

    def progress(self, index: int) -> float:
        return ease(index / (self.frames - 1)) if self.frames > 1 else 0.0

    def gain(self, depth: float) -> float:
        """How strongly a layer at `depth` follows the move (far 1−p, near 1+p)."""
        return 1.0 + self.depth_scale * self.parallax * (2.0 * depth - 1.0)

    def pose(self, index: int, depth: float) -> Pose:
        """Where the layer at `depth` (0 far … 1 near) sits in frame `index`."""
        m, p, g = self.motion, self.progress(index), self.gain(depth)
        grow = m.zoom * p if m.zoom >= 0 else -m.zoom * (1.0 - p)  # pull out ends wide
        scale = (1.0 + grow * g) * self.overscan
        centred = p - 0.5  # slides pass through the photo's own framing mid-clip
        dx = m.shift_x * self.width * g * centred
        dy = m.shift_y * self.height * g * centred
        # Orbit: the camera arcs round the subject, so near and far slide apart.
        dx += m.orbit * self.width * centred * (1.0 - 2.0 * depth) * self.depth_scale
        angle = 0.0
        if self._shake is not None:
            sx, sy, roll = self._shake.at(index / self.fps)
            dx, dy, angle = dx + sx * self.width, dy + sy * self.width, roll
        return Pose(scale, dx, dy, angle)

    def separation(self, index: int, box: tuple[float, float, float, float],
                   behind: float = 0.0) -> float:
        """How far (pixels) the corners of `box` on the subject layer have slid from the
        same corners on the layer at depth `behind`, in frame `index`."""
        near, far = self.pose(index, 1.0), self.pose(index, behind)
        left, top, right, bottom = box
        return max(math.dist(near.apply(x, y, self.focus), far.apply(x, y, self.focus))
                   for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)))

    def at_rest(self, index: int) -> bool:
        """True when every layer sits exactly where the photo has it (nothing to resample)."""
        return self.pose(index, 0.0).identity and self.pose(index, 1.0).identity

    def _needed_overscan(self) -> float:
        """The smallest extra zoom keeping far layers (depth 0–0.5) over the whole frame."""
        fx, fy = self.focus
        need = 1.0
        corners = ((0.0, 0.0), (self.width, 0.0), (0.0, self.height), (self.width, self.height))
        for index in range(self.frames):
            for depth in (0.0, 0.25, 0.5):
                pose = self.pose(index, depth)  # computed with overscan 1
                for x, y in corners:
                    qx, qy = pose.trace(x, y, self.focus)
                    need = max(need, _ratio(qx - fx, fx, self.width),
                               _ratio(qy - fy, fy, self.height))
        if need <= 1.0:
            return 1.0  # nothing to hide (a locked-off shot): keep the photo pixel-exact
        return need * 1.004  # a hair more, so resampling never reads past the edge


def _ratio(offset: float, centre: float, size: float) -> float:
    """How much an offset from `centre` must shrink to stay within [0, size]."""
    if offset > 0:
        return offset / max(size - centre, 1e-6)
    if offset < 0:
        return -offset / max(centre, 1e-6)
    return 0.0


class _Handheld:
    """Slow, smooth, seeded drift: a few incommensurate sines per axis (no jitter)."""

    def __init__(self, seed: int, amount: float):
        rng = np.random.default_rng([seed, 7919])
        self.amount = amount
        self.hz = rng.uniform(0.12, 0.85, (3, 3))
        self.phase = rng.uniform(0, 2 * math.pi, (3, 3))
        self.weight = rng.uniform(0.5, 1.0, (3, 3))
        self.weight /= self.weight.sum(axis=1, keepdims=True)

    def at(self, seconds: float) -> tuple[float, float, float]:
        """(dx, dy) as fractions of the width, and roll in radians."""
        waves = (self.weight * np.sin(2 * math.pi * self.hz * seconds + self.phase)).sum(axis=1)
        return (float(waves[0]) * HANDHELD_PIXELS * self.amount,
                float(waves[1]) * HANDHELD_PIXELS * self.amount,
                math.radians(float(waves[2]) * HANDHELD_DEGREES * self.amount))
