"""The shape of a clip a user asks for — its aspect ratio and its length — in the sizes and
frame counts an engine renders.

A DiT renders at a pixel budget (CogVideoX 1.0: 720×480) on a 16-pixel grid (the VAE's 8×
times the transformer's 2× patches), and 4k+1 frames (the VAE packs 4 frames a latent);
each engine's EngineDefaults says its grid.
An aspect is rendered at the same budget, so a vertical clip costs what a wide one does; a
model that renders one size only gets its native frame and the aspect is cropped from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from errors import InputError
from video.engines.base import EngineDefaults
from video.types import Clip

# The aspects offered, widest first ("auto": the model's own, or a photo's nearest).
ASPECTS = ("16:9", "3:2", "4:3", "1:1", "3:4", "2:3", "9:16")
AUTO = "auto"
MIN_FRAMES = 5


@dataclass(frozen=True)
class Framing:
    """How a clip is rendered for an aspect: the engine's size, and the final crop."""

    width: int  # what the engine renders
    height: int
    ratio: float  # width / height of the finished frame
    cropped: bool  # True when the engine's frame is wider or taller than the finished one


@dataclass(frozen=True)
class ClipShape:
    """What the engine renders for a ShotSpec's aspect and duration, and what is cut after."""

    framing: Framing
    frames: int
    warnings: tuple[str, ...] = ()


def plan_shape(defaults: EngineDefaults, aspect: str, seconds: float | None, *,
               frames: int | None = None, photo: tuple[int, int] | None = None) -> ClipShape:
    """The engine's size and frame count for an aspect and a length in seconds.

    An explicit frame count (the CLI's --frames) wins over the seconds; a photo's size
    decides the "auto" aspect.
    """
    chosen = framing(aspect, (defaults.width, defaults.height),
                     fixed_size=defaults.fixed_size, grid=defaults.grid, photo=photo)
    warnings = []
    if chosen.cropped and defaults.fixed_size:
        warnings.append(f"{defaults.model} renders only {defaults.width}×{defaults.height}; "
                        f"the {aspect} frame is cropped from it")
    if frames is None:
        frames, cut = frames_for(seconds, defaults.fps, defaults.frames, defaults.longest)
        warnings += [cut] if cut else []
    return ClipShape(chosen, frames, tuple(warnings))


def reframe(clip: Clip, shape: ClipShape) -> Clip:
    """The clip cut to its shape's aspect when the engine could not render it exactly."""
    if not shape.framing.cropped:
        return clip
    return replace(clip, frames=crop_to_ratio(clip.frames, shape.framing.ratio))


def parse_aspect(aspect: str) -> float | None:
    """"16:9" → 1.777…; "auto" → None. Raises InputError naming the choices."""
    text = (aspect or AUTO).strip().lower()
    if text == AUTO:
        return None
    if text not in ASPECTS:
        raise InputError(f"aspect must be {AUTO} or one of {', '.join(ASPECTS)}; got '{aspect}'")
    wide, tall = (int(part) for part in text.split(":"))
    return wide / tall


def check_shape(aspect: str, seconds: float | None) -> None:
    """Refuse, with a clear InputError, an aspect or a length no engine can make."""
    parse_aspect(aspect)
    if seconds is not None and (not math.isfinite(seconds) or seconds <= 0):
        raise InputError(f"duration must be a positive number of seconds; got {seconds}")


def nearest_aspect(width: int, height: int) -> str:
    """The offered aspect closest to a picture's (by log ratio, so 2:1 and 1:2 are fair)."""
    ratio = math.log(width / height)
    return min(ASPECTS, key=lambda a: abs(math.log(parse_aspect(a)) - ratio))


def framing(aspect: str, native: tuple[int, int], *, fixed_size: bool, grid: int = 16,
            photo: tuple[int, int] | None = None) -> Framing:
    """The engine size and final crop for an aspect, at the model's native pixel budget.

    "auto" keeps the native frame, or, for a photo, the offered aspect nearest the photo's.
    """
    width, height = native
    ratio = parse_aspect(aspect)
    if ratio is None:
        if photo is None or fixed_size:
            return Framing(width, height, width / height, cropped=False)
        ratio = parse_aspect(nearest_aspect(*photo))
    if not fixed_size:
        area = width * height
        width = max(grid, round(math.sqrt(area * ratio) / grid) * grid)
        height = max(grid, round(math.sqrt(area / ratio) / grid) * grid)
    cropped = abs(math.log((width / height) / ratio)) > 0.01
    return Framing(width, height, ratio if cropped else width / height, cropped)


def crop_to_ratio(frames: np.ndarray, ratio: float) -> np.ndarray:
    """Centre-crop T×H×W×3 frames to a width/height ratio, with even sides (H.264 needs them)."""
    _, height, width, _ = frames.shape
    if width / height > ratio:  # too wide: keep the middle columns
        new_w, new_h = round(height * ratio), height
    else:
        new_w, new_h = width, round(width / ratio)
    new_w, new_h = max(2, new_w - new_w % 2), max(2, new_h - new_h % 2)
    left, top = (width - new_w) // 2, (height - new_h) // 2
    return np.ascontiguousarray(frames[:, top:top + new_h, left:left + new_w])


def frames_for(seconds: float | None, fps: int, default: int,
               max_frames: int) -> tuple[int, str | None]:
    """A length in seconds → 4k+1 frames at the engine's fps, within what the model renders.

    None keeps the model's default. Returns the frames and a warning when the length had to
    be cut to the model's longest clip.
    """
    if seconds is None:
        return default, None
    check_shape(AUTO, seconds)
    frames = 4 * max(1, round(seconds * fps / 4)) + 1
    if frames > max_frames:
        longest = 4 * ((max_frames - 1) // 4) + 1
        return longest, (f"this model renders at most {(longest - 1) / fps:g} s; "
                         f"the clip is {(longest - 1) / fps:g} s instead of {seconds:g} s")
    return max(frames, MIN_FRAMES), None
