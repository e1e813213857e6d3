"""Ambient effects drawn over a moving photo: rain, snow, petals, fog, fireflies, light rays.

Every effect is procedural and deterministic: its particles, textures and rhythms are drawn
from a seeded generator once, and frame `i` is a pure function of time i/fps. Particles
move continuously between frames (temporally coherent) and wrap around the frame, so the
scene never runs dry. Sizes and speeds scale with the frame, so a 320×208 preview looks
like the 720×480 render. Smooth layers (fog, glows, beams) are computed at reduced size
and enlarged, which keeps every effect within a few milliseconds a frame.

An effect paints in place on a float32 RGB frame with values in [0, 255].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Protocol

import cv2
import numpy as np

EFFECT_NAMES = frozenset({"rain", "snow", "petals", "fog", "fireflies", "light_rays"})
# Veils first, then particles, so snow falls in front of the fog.
DRAW_ORDER = ("light_rays", "fog", "rain", "snow", "petals", "fireflies")


class Effect(Protocol):
    def apply(self, frame: np.ndarray, index: int) -> None:
        """Paint the effect for frame `index` onto `frame` (float32 RGB, 0–255), in place."""


@dataclass(frozen=True)
class Stage:
    """The frame the effects are drawn on: its size, frame rate and length."""

    width: int
    height: int
    fps: float
    frames: int

    @property
    def unit(self) -> float:
        """Pixels per 'reference pixel' of a 480-line frame, for sizes that scale."""
        return self.height / 480.0

    def seconds(self, index: int) -> float:
        return index / self.fps


def build_effects(effects: tuple[tuple[str, float], ...] | list[tuple[str, float]],
                  stage: Stage, seed: int, photo: np.ndarray | None = None) -> list[Effect]:
    """The named effects (id, strength) in drawing order, each seeded from `seed`."""
    chosen = dict(effects)
    unknown = set(chosen) - EFFECT_NAMES
    if unknown:
        raise ValueError(f"unknown effect(s) {sorted(unknown)}; known: {sorted(EFFECT_NAMES)}")
    built: list[Effect] = []
    for offset, name in enumerate(DRAW_ORDER):
        if name in chosen:
            rng = np.random.default_rng([seed, offset])
            built.append(_BUILDERS[name](stage, rng, chosen[name], photo))
    return built


# --- rain: streak tiles scrolled down (and across, with the wind) -------------------------

class Rain:
    """Two depths of slanted streaks; the near one longer, brighter and faster."""

    def __init__(self, stage: Stage, rng: np.random.Generator, strength: float):
        self.stage, self.strength, self.scratch = stage, strength, _Scratch(stage)
        wind = rng.uniform(-0.18, 0.18)  # streak slant: horizontal per vertical travel
        self.layers = []
        for count_per_mpx, length, speed, alpha in ((900, 16, 1.1, 0.3), (350, 34, 1.9, 0.5)):
            count = int(count_per_mpx * stage.width * stage.height / 1e6)
            tile = _streaks(stage, rng, count, length * stage.unit, wind) * (alpha * strength)
            velocity = speed * stage.height  # pixels per second, down the streaks
            # Two by two tiles: any frame-sized window into them is a view, not a copy.
            self.layers.append((np.tile(tile, (2, 2)), velocity, velocity * wind))

    def apply(self, frame: np.ndarray, index: int) -> None:
        t = self.stage.seconds(index)
        height, width = self.stage.height, self.stage.width
        frame *= 1.0 - 0.08 * min(self.strength, 1.5)  # a rainy day is a little darker
        cover = np.zeros((height, width), np.float32)
        for tiles, vy, vx in self.layers:
            # Streaks moved down by d show the tile from d rows above.
            top, left = int(-vy * t) % height, int(-vx * t) % width
            cover += tiles[top:top + height, left:left + width]
        _screen(frame, np.minimum(cover, 1.0, out=cover), 1.0, (215.0, 222.0, 230.0),
                self.scratch)


def _streaks(stage: Stage, rng: np.random.Generator, count: int, length: float,
             wind: float) -> np.ndarray:
    """A texture of streaks (float32 0–1) that tiles seamlessly in both directions."""
    height, width = stage.height, stage.width
    canvas = np.zeros((height, width), np.float32)
    x0, y0 = rng.uniform(0, width, count), rng.uniform(0, height, count)
    lengths = length * rng.uniform(0.6, 1.3, count)
    shades = rng.uniform(0.5, 1.0, count)
    for x, y, n, shade in zip(x0, y0, lengths, shades):
        for dx in (-width, 0, width):  # draw the wrapped copies so the tile has no seam
            for dy in (-height, 0, height):
                a = (int((x + dx) * 16), int((y + dy) * 16))
                b = (int((x + dx + wind * n) * 16), int((y + dy + n) * 16))
                cv2.line(canvas, a, b, float(shade), 1, cv2.LINE_AA, shift=4)
    return cv2.GaussianBlur(canvas, (0, 0), 0.6)


# --- falling particles: snow and petals ---------------------------------------------------

class Fall:
    """Particles that fall, sway and (petals) tumble; nearer ones larger and faster."""

    def __init__(self, stage: Stage, rng: np.random.Generator, strength: float, *,
                 per_mpx: float, size: tuple[float, float], speed: tuple[float, float],
                 drift: float, colours: np.ndarray, petals: bool):
        self.stage, self.strength, self.petals = stage, strength, petals
        self.scratch = _Scratch(stage)
        count = max(8, int(per_mpx * stage.width * stage.height / 1e6 * min(strength, 2.0)))
        depth = rng.uniform(0, 1, count) ** 1.5  # most particles far away, a few close
        self.x0 = rng.uniform(0, stage.width, count)
        self.y0 = rng.uniform(0, stage.height, count)
        self.size = np.maximum((size[0] + (size[1] - size[0]) * depth) * stage.unit, 0.9)
        self.vy = (speed[0] + (speed[1] - speed[0]) * depth) * stage.height
        self.vx = drift * stage.width * rng.uniform(0.5, 1.5, count)
        self.sway = rng.uniform(4, 16, count) * stage.unit * (1.5 if petals else 1.0)
        self.sway_hz = rng.uniform(0.15, 0.5, count)
        self.phase = rng.uniform(0, 2 * math.pi, count)
        self.spin_hz = rng.uniform(0.2, 0.7, count) * rng.choice([-1, 1], count)
        self.alpha = (0.45 + 0.5 * depth) * min(1.0, strength)
        self.colour = colours[rng.integers(0, len(colours), count)]

    def apply(self, frame: np.ndarray, index: int) -> None:
        t = self.stage.seconds(index)
        width, height = self.stage.width, self.stage.height
        margin = 24 * self.stage.unit
        x = self.x0 + self.vx * t + self.sway * np.sin(2 * math.pi * self.sway_hz * t + self.phase)
        y = self.y0 + self.vy * t
        x = np.mod(x + margin, width + 2 * margin) - margin
        y = np.mod(y + margin, height + 2 * margin) - margin
        cover = np.zeros((height, width), np.float32)
        if not self.petals:
            for k in range(len(x)):
                cv2.circle(cover, (int(x[k] * 16), int(y[k] * 16)), int(self.size[k] * 16),
                           float(self.alpha[k]), -1, cv2.LINE_AA, shift=4)
            cover = cv2.GaussianBlur(cover, (0, 0), 0.9 * self.stage.unit)
            _screen(frame, np.minimum(cover, 1.0, out=cover), 1.0, (250.0, 252.0, 255.0),
                    self.scratch)
            return
        paint = self.scratch.b
        paint[:] = 0.0
        tumble = np.abs(np.cos(2 * math.pi * self.spin_hz * t))
        angles = 360.0 * self.spin_hz * t + np.degrees(self.phase)
        for k in range(len(x)):
            centre = (int(x[k] * 16), int(y[k] * 16))
            axes = (int(self.size[k] * 16), max(1, int(self.size[k] * (0.25 + 0.35 * tumble[k]) * 16)))
            cv2.ellipse(cover, centre, axes, float(angles[k]), 0, 360, float(self.alpha[k]), -1,
                        cv2.LINE_AA, shift=4)
            cv2.ellipse(paint, centre, axes, float(angles[k]), 0, 360,
                        tuple(float(c) * self.alpha[k] for c in self.colour[k]), -1,
                        cv2.LINE_AA, shift=4)
        np.minimum(cover, 1.0, out=cover)
        frame *= cv2.cvtColor(1.0 - cover, cv2.COLOR_GRAY2RGB, dst=self.scratch.a)
        frame += paint


# --- fog: two smooth noise veils drifting at different speeds -----------------------------

class Fog:
    """A low, drifting veil whose shape slowly changes as its two layers slide past."""

    def __init__(self, stage: Stage, rng: np.random.Generator, strength: float,
                 photo: np.ndarray | None):
        self.stage, self.strength, self.scratch = stage, strength, _Scratch(stage)
        duration = stage.frames / stage.fps
        self.small = (max(8, stage.width // 2), max(8, stage.height // 2))
        width, height = self.small
        self.layers = []
        for cells, speed in ((5, 0.035), (9, -0.055)):
            travel = int(abs(speed) * width * duration) + 2
            noise = _smooth_noise(rng, height, width + travel, cells)
            self.layers.append((noise, speed * width, travel))
        rows = np.linspace(0.0, 1.0, height, dtype=np.float32)
        self.profile = (0.45 + 0.55 * rows ** 0.8)[:, None]  # denser near the ground
        base = (np.asarray(photo, np.float32).reshape(-1, 3).mean(axis=0)
                if photo is not None else np.array([200.0, 200.0, 200.0], np.float32))
        colour = 0.35 * base + 0.65 * np.array([236.0, 238.0, 240.0], np.float32)
        self.colour_plane = np.empty((stage.height, stage.width, 3), np.float32)
        self.colour_plane[:] = colour

    def apply(self, frame: np.ndarray, index: int) -> None:
        t = self.stage.seconds(index)
        width, height = self.small
        density = np.zeros((height, width), np.float32)
        for noise, velocity, travel in self.layers:
            offset = velocity * t
            start = int(round(offset if velocity >= 0 else travel + offset))
            start = min(max(start, 0), noise.shape[1] - width)
            density += 0.5 * noise[:, start:start + width]
        density = np.clip((density - 0.25) * 1.6, 0, 1) * self.profile
        density = cv2.resize(density * (0.7 * min(self.strength, 1.5)),
                             (self.stage.width, self.stage.height), interpolation=cv2.INTER_LINEAR)
        _veil(frame, density, self.colour_plane, self.scratch)


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """Value noise in [0, 1]: a coarse random grid enlarged smoothly."""
    grid_h = cells + 2
    grid_w = max(3, int(round(cells * width / height)) + 2)
    grid = rng.uniform(0, 1, (grid_h, grid_w)).astype(np.float32)
    return np.clip(cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC), 0, 1)


# --- fireflies: glowing points that wander and blink --------------------------------------

class Fireflies:
    def __init__(self, stage: Stage, rng: np.random.Generator, strength: float):
        self.stage, self.strength, self.scratch = stage, strength, _Scratch(stage)
        count = max(6, int(70 * stage.width * stage.height / 1e6))
        self.x0 = rng.uniform(0.05, 0.95, count) * stage.width
        self.y0 = rng.uniform(0.3, 0.95, count) * stage.height  # low, over grass and water
        self.path = rng.uniform(15, 45, (count, 4)) * stage.unit  # wander amplitudes
        self.hz = rng.uniform(0.04, 0.16, (count, 4))
        self.phase = rng.uniform(0, 2 * math.pi, (count, 5))
        self.blink_hz = rng.uniform(0.25, 0.6, count)
        self.glow = 5.0 * stage.unit

    def apply(self, frame: np.ndarray, index: int) -> None:
        t = self.stage.seconds(index)
        wave = np.sin(2 * math.pi * self.hz * t + self.phase[:, :4])
        x = self.x0 + self.path[:, 0] * wave[:, 0] + self.path[:, 1] * wave[:, 1]
        y = self.y0 + self.path[:, 2] * wave[:, 2] + self.path[:, 3] * wave[:, 3]
        light = np.clip(np.sin(2 * math.pi * self.blink_hz * t + self.phase[:, 4]), 0, 1) ** 2
        # Glows are soft: drawn and blurred at half size, then enlarged.
        half = (max(4, self.stage.width // 2), max(4, self.stage.height // 2))
        canvas = np.zeros((half[1], half[0]), np.float32)
        for k in range(len(x)):
            cv2.circle(canvas, (int(x[k] * 8), int(y[k] * 8)), int(0.9 * self.stage.unit * 16),
                       float(light[k]), -1, cv2.LINE_AA, shift=4)
        halo = cv2.GaussianBlur(canvas, (0, 0), self.glow / 2) * 9.0 + canvas
        halo = cv2.resize(halo, (self.stage.width, self.stage.height),
                          interpolation=cv2.INTER_LINEAR)
        _screen(frame, np.clip(halo, 0, 1), 0.95 * min(self.strength, 1.5), (255.0, 236.0, 130.0),
                self.scratch)


# --- light rays: a fan of soft beams from above, slowly shimmering ------------------------

class LightRays:
    def __init__(self, stage: Stage, rng: np.random.Generator, strength: float,
                 photo: np.ndarray | None):
        self.stage, self.strength, self.scratch = stage, strength, _Scratch(stage)
        # Beams are smooth: computed on a quarter-size grid and enlarged per frame.
        self.small = (max(8, stage.width // 4), max(8, stage.height // 4))
        source_x = _brightest_top_column(photo) if photo is not None else rng.uniform(0.2, 0.8)
        source = (source_x * self.small[0], -0.25 * self.small[1])
        y, x = np.mgrid[0:self.small[1], 0:self.small[0]].astype(np.float32)
        self.angle = np.arctan2(x - source[0], y - source[1])
        distance = np.hypot(x - source[0], y - source[1]) / self.small[1]
        self.falloff = np.exp(-distance / 1.1).astype(np.float32)
        self.freq = rng.uniform(9, 26, 4)
        self.phase = rng.uniform(0, 2 * math.pi, 4)
        self.drift = rng.uniform(0.05, 0.18, 4) * rng.choice([-1, 1], 4)

    def apply(self, frame: np.ndarray, index: int) -> None:
        t = self.stage.seconds(index)
        beams = np.zeros_like(self.angle)
        for f, p, d in zip(self.freq, self.phase, self.drift):
            beams += 0.5 + 0.5 * np.cos(f * self.angle + p + 2 * math.pi * d * t)
        beams = np.clip(beams / len(self.freq) - 0.35, 0, 1) ** 1.6 * self.falloff * 2.2
        full = cv2.resize(beams.astype(np.float32), (self.stage.width, self.stage.height),
                          interpolation=cv2.INTER_LINEAR)
        _screen(frame, np.clip(full, 0, 1), 0.5 * min(self.strength, 1.5), (255.0, 240.0, 205.0),
                self.scratch)


def _brightest_top_column(photo: np.ndarray) -> float:
    """Where along the top third the photo is brightest, as a fraction of its width."""
    top = np.asarray(photo[: max(1, photo.shape[0] // 3)], np.float32).mean(axis=(0, 2))
    window = max(1, len(top) // 8)
    smooth = np.convolve(top, np.ones(window) / window, "same")
    return float(np.clip((np.argmax(smooth) + 0.5) / len(top), 0.1, 0.9))


# --- blending -----------------------------------------------------------------------------

# NumPy broadcasting an H×W map over 3 channels is several times slower than same-shape
# arithmetic, so single-channel maps are first spread to 3 channels with OpenCV.

# Fresh frame-sized temporaries cost page faults on every frame, so the blends work in
# two scratch planes allocated once per effect.

class _Scratch:
    def __init__(self, stage: Stage):
        self.a = np.empty((stage.height, stage.width, 3), np.float32)
        self.b = np.empty((stage.height, stage.width, 3), np.float32)


def _screen(frame: np.ndarray, cover: np.ndarray, amount: float, colour: tuple,
            scratch: _Scratch) -> None:
    """Light added the way light adds: brighter where covered, never past white."""
    cv2.merge([cover * np.float32(c * amount / 255.0) for c in colour], dst=scratch.a)
    np.subtract(np.float32(255.0), frame, out=scratch.b)
    scratch.b *= scratch.a
    frame += scratch.b


def _veil(frame: np.ndarray, density: np.ndarray, colour_plane: np.ndarray,
          scratch: _Scratch) -> None:
    """Mix toward a colour (a frame-sized plane of it) by density: fog, haze."""
    np.subtract(colour_plane, frame, out=scratch.b)
    scratch.b *= cv2.cvtColor(density, cv2.COLOR_GRAY2RGB, dst=scratch.a)
    frame += scratch.b


_BUILDERS: dict[str, Callable[..., Effect]] = {
    "rain": lambda stage, rng, strength, photo: Rain(stage, rng, strength),
    "snow": lambda stage, rng, strength, photo: Fall(
        stage, rng, strength, per_mpx=1300, size=(1.5, 4.8), speed=(0.07, 0.22), drift=0.006,
        colours=np.array([[255.0, 255.0, 255.0]]), petals=False),
    "petals": lambda stage, rng, strength, photo: Fall(
        stage, rng, strength, per_mpx=280, size=(4.0, 10.0), speed=(0.06, 0.14), drift=0.05,
        colours=np.array([[255.0, 196, 210], [250, 172, 192], [255, 226, 234], [242, 150, 178]]),
        petals=True),
    "fog": lambda stage, rng, strength, photo: Fog(stage, rng, strength, photo),
    "fireflies": lambda stage, rng, strength, photo: Fireflies(stage, rng, strength),
    "light_rays": lambda stage, rng, strength, photo: LightRays(stage, rng, strength, photo),
}
