"""Look filters: painterly, cartoon, ink and pixel looks, and paper or canvas textures.

These need neighbourhoods, so they run OpenCV per frame inside a block (OpenCV has no 4-D
image); the maths around them is numpy over the frame. Sizes in pixels (radius, block,
blur) are for a 720-pixel frame and scaled to the clip's, so a look does not change with
resolution. Heavy filters work at a reduced `scale` and bring the result back to full
size, which is also what gives them their broad strokes. Same contract as filters_tone:
float32 n×H×W×3 in, frames out.
"""

from __future__ import annotations

from typing import Annotated

import cv2
import numpy as np

from styles.params import COLOR, Choice, Range, luma, rgb, smoothstep, spread
from styles.textures import canvas_texture, paper_texture, pigment_texture


def _resized(image: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return image
    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def _full_size(image: np.ndarray, height: int, width: int) -> np.ndarray:
    if image.shape[:2] == (height, width):
        return image
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)


def kuwahara(frames: np.ndarray, ctx, *,
             radius: Annotated[int, Range(1, 12)] = 4,
             scale: Annotated[float, Range(0.25, 1)] = 0.5) -> np.ndarray:
    """Oil-paint strokes (Kuwahara filter): each pixel takes the mean colour of the calmest
    of its four neighbouring squares, which flattens texture into strokes but keeps edges.
    It works at `scale` of a 720-pixel frame, where `radius` is measured."""
    work = ctx.work_scale(scale)
    r = max(1, round(radius * ctx.pixel_scale * work / scale))
    for i in range(len(frames)):
        small = _resized(frames[i], work)
        frames[i] = _full_size(_kuwahara_frame(small, r), ctx.height, ctx.width)
    return frames


def _kuwahara_frame(image: np.ndarray, r: int) -> np.ndarray:
    h, w = image.shape[:2]
    padded = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT)
    level = luma(padded)
    box = dict(ddepth=-1, ksize=(r + 1, r + 1), anchor=(0, 0), borderType=cv2.BORDER_REFLECT)
    # mean[y, x] averages padded[y:y+r+1, x:x+r+1]; the four squares of a pixel are
    # that window shifted by 0 or r in each direction.
    mean = cv2.boxFilter(padded, **box)
    mean_level = cv2.boxFilter(level, **box)
    mean_square = cv2.boxFilter(level * level, **box)
    best_variance = best = None
    for y, x in ((0, 0), (0, r), (r, 0), (r, r)):
        variance = mean_square[y:y + h, x:x + w] - mean_level[y:y + h, x:x + w] ** 2
        square = mean[y:y + h, x:x + w]
        if best is None:
            best_variance, best = variance, square.copy()
            continue
        calmer = (variance < best_variance).view(np.uint8)
        cv2.copyTo(square, calmer, best)
        np.minimum(best_variance, variance, out=best_variance)
    return best


def smooth(frames: np.ndarray, ctx, *,
           radius: Annotated[int, Range(1, 24)] = 6,
           eps: Annotated[float, Range(0.0001, 0.2)] = 0.01,
           scale: Annotated[float, Range(0.25, 1)] = 0.5) -> np.ndarray:
    """Smooth shading that keeps edges (a guided filter steered by brightness): where the
    neighbourhood is calm, a pixel takes its local mean; across edges it keeps its own
    colour. Flat areas turn soft and clean like a rendered 3D surface, outlines stay sharp.
    Larger `eps` smooths more. `radius` is in pixels of a 720-pixel frame; the filter is
    worked out at `scale` of that and applied at full size in one blend."""
    work = ctx.work_scale(scale)
    r = max(1, round(radius * ctx.pixel_scale * work))
    box = dict(ddepth=-1, ksize=(2 * r + 1, 2 * r + 1), borderType=cv2.BORDER_REFLECT)
    for i in range(len(frames)):
        small = _resized(frames[i], work)
        level = luma(small)
        mean_level = cv2.boxFilter(level, **box)
        variance = cv2.boxFilter(level * level, **box) - mean_level * mean_level
        keep = cv2.boxFilter(variance / (variance + eps), **box)  # 1 on edges, 0 when calm
        keep = _full_size(keep, ctx.height, ctx.width)
        mean = _full_size(cv2.boxFilter(small, **box), ctx.height, ctx.width)
        frames[i] = cv2.blendLinear(frames[i], mean, keep, 1.0 - keep)
    return frames


def cel(frames: np.ndarray, ctx, *,
        levels: Annotated[int, Range(2, 16)] = 5,
        softness: Annotated[float, Range(0, 1)] = 0.3,
        strength: Annotated[float, Range(0, 1)] = 1.0) -> np.ndarray:
    """Cel shading: brightness falls into a few bands (with soft steps), colour kept."""
    # The gain for each 8-bit brightness, looked up per pixel (three times faster than
    # computing the bands on every pixel).
    level = np.linspace(0.0, 1.0, 256, dtype=np.float32)
    t = level * levels
    band = np.floor(t)
    shaded = (band + smoothstep(0.5 - softness / 2, 0.5 + softness / 2, t - band)) / levels
    gain = 1.0 + strength * (shaded / np.maximum(level, 1e-3) - 1.0)
    gain = np.minimum(gain, 4.0).astype(np.float32)
    brightness = cv2.convertScaleAbs(np.clip(luma(frames), 0.0, 1.0), alpha=255.0)
    frames *= spread(cv2.LUT(brightness, gain))
    return frames


def edges(frames: np.ndarray, ctx, *,
          strength: Annotated[float, Range(0, 1)] = 0.6,
          threshold: Annotated[float, Range(0.005, 1)] = 0.08,
          width: Annotated[float, Range(0, 4)] = 0.0,
          blur: Annotated[float, Range(0.3, 4)] = 1.0,
          color: Annotated[str, COLOR] = "#000000") -> np.ndarray:
    """Drawn outlines: where brightness changes sharply, blend towards `color` (ink).
    Found on a half-size (360-pixel) copy of the blurred brightness, which holds all the
    detail the lines need, for a quarter of the work; `threshold` is the change in
    brightness per pixel of a 720-pixel frame, so lines look alike at any size."""
    ink_image = ctx.cached(("ink", color), lambda: np.ascontiguousarray(np.broadcast_to(
        rgb(color), (ctx.height, ctx.width, 3))))
    work = ctx.work_scale(0.5)
    to_work = ctx.pixel_scale * work  # working pixels per pixel of a 720-pixel frame
    for i in range(len(frames)):
        level = _resized(luma(frames[i]), work)
        level = cv2.GaussianBlur(level, (0, 0), max(0.3, blur * to_work))
        gx = cv2.Sobel(level, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(level, cv2.CV_32F, 0, 1, ksize=3)
        # Sobel answers 8·s to a ramp of s per pixel; here in 720-frame pixels.
        slope = cv2.magnitude(gx, gy) * (0.125 * to_work)
        line = smoothstep(threshold, 2 * threshold, slope * 2.0)
        if width > 0:
            line = cv2.GaussianBlur(line, (0, 0), width * to_work)
            np.minimum(line * 1.5, 1.0, out=line)
        line = _full_size(line, ctx.height, ctx.width)
        line *= strength
        # frame·(1 − line) + ink·line in one pass (blendLinear divides by the weights' sum, 1).
        frames[i] = cv2.blendLinear(frames[i], ink_image, 1.0 - line, line)
    return frames


def bloom(frames: np.ndarray, ctx, *,
          threshold: Annotated[float, Range(0, 1)] = 0.7,
          strength: Annotated[float, Range(0, 2)] = 0.4,
          radius: Annotated[float, Range(1, 64)] = 12.0) -> np.ndarray:
    """Glow around bright lights (neon, sun): highlights are blurred wide and added back."""
    gain = strength / max(1.0 - threshold, 1e-3)
    for i in range(len(frames)):
        bright = cv2.subtract(frames[i], (threshold, threshold, threshold, 0.0))
        cv2.threshold(bright, 0.0, 0.0, cv2.THRESH_TOZERO, dst=bright)  # what exceeds it
        glow = cv2.GaussianBlur(_resized(bright, 0.25), (0, 0), ctx.px(radius / 4, 0.5))
        glow = _full_size(glow, ctx.height, ctx.width)
        cv2.scaleAdd(glow, gain, frames[i], dst=frames[i])
    return frames


_BAYER4 = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]],
                    dtype=np.float32) + 0.5) / 16.0

# Fixed palettes of classic pixel art; "levels" means an even grid of `levels` per channel.
PALETTES = {
    "pico-8": ("#000000", "#1d2b53", "#7e2553", "#008751", "#ab5236", "#5f574f", "#c2c3c7",
               "#fff1e8", "#ff004d", "#ffa300", "#ffec27", "#00e436", "#29adff", "#83769c",
               "#ff77a8", "#ffccaa"),
    "game-boy": ("#0f380f", "#306230", "#8bac0f", "#9bbc0f"),
}


def pixelate(frames: np.ndarray, ctx, *,
             block: Annotated[int, Range(2, 32)] = 6,
             palette: Annotated[str, Choice(("pico-8", "game-boy", "levels"))] = "pico-8",
             levels: Annotated[int, Range(2, 64)] = 6,
             dither: Annotated[float, Range(0, 1)] = 0.3) -> np.ndarray:
    """Pixel art: big square pixels, a small fixed palette, and an ordered dither fixed to
    the pixel grid (so it never crawls from frame to frame)."""
    h, w = ctx.height, ctx.width
    block = max(2, round(ctx.px(block)))
    small_h, small_w = -(-h // block), -(-w // block)
    ys, xs = np.arange(small_h) % 4, np.arange(small_w) % 4
    offset = spread((_BAYER4[ys[:, None], xs[None, :]] - 0.5) * dither)
    colours = None if palette == "levels" else np.stack([rgb(c) for c in PALETTES[palette]])
    for i in range(len(frames)):
        small = cv2.resize(frames[i], (small_w, small_h), interpolation=cv2.INTER_AREA)
        if colours is None:
            quantised = np.floor(small * (levels - 1) + 0.5 + offset) / (levels - 1)
        else:
            quantised = _nearest_colour(small + offset * 0.35, colours)
        big = np.repeat(np.repeat(quantised, block, axis=0), block, axis=1)
        frames[i] = big[:h, :w]
    return frames


def _nearest_colour(image: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the closest palette colour (luma-weighted distance)."""
    weights = np.array([0.30, 0.59, 0.11], dtype=np.float32) ** 0.5
    pixels = image.reshape(-1, 3) * weights
    distance = ((pixels[:, None, :] - (colours * weights)[None]) ** 2).sum(-1)
    return colours[np.argmin(distance, axis=1)].reshape(image.shape).astype(np.float32)


def sharpen(frames: np.ndarray, ctx, *,
            amount: Annotated[float, Range(0, 3)] = 0.5,
            radius: Annotated[float, Range(0.3, 8)] = 1.5) -> np.ndarray:
    """Unsharp mask: crisper detail at small radii; at large ones, the local contrast that
    makes rounded shapes pop. Wide blurs are taken at a lower resolution (same look)."""
    sigma = ctx.px(radius, 0.3)
    factor = max(1, int(sigma // 1.5))
    for i in range(len(frames)):
        blurred = cv2.GaussianBlur(_resized(frames[i], 1.0 / factor), (0, 0), sigma / factor)
        blurred = _full_size(blurred, ctx.height, ctx.width)
        cv2.addWeighted(frames[i], 1.0 + amount, blurred, -amount, 0.0, dst=frames[i])
    return frames


def paper(frames: np.ndarray, ctx, *,
          color: Annotated[str, COLOR] = "#f4eddc",
          strength: Annotated[float, Range(0, 0.5)] = 0.06) -> np.ndarray:
    """Print the picture on paper: whites take the paper's colour, and its fibres and
    mottling show through. The paper is the same on every frame."""
    def sheet() -> np.ndarray:
        texture = paper_texture(ctx.seed, ctx.height, ctx.width)
        return (rgb(color) * (1.0 + strength * texture)[..., None]).astype(np.float32)

    frames *= ctx.cached(("paper", color, strength), sheet)
    return frames


def pigment(frames: np.ndarray, ctx, *,
            strength: Annotated[float, Range(0, 1)] = 0.35) -> np.ndarray:
    """Watercolour pigment: colour pools thicker in some places and thinner in others,
    while white paper stays white. The pattern is the same on every frame."""
    def density() -> np.ndarray:
        texture = pigment_texture(ctx.seed, ctx.height, ctx.width)
        return spread(np.clip(1.0 + strength * texture, 0.2, 2.0).astype(np.float32))

    # Pigment is 1 − colour: scale it, keep the paper.
    frames -= 1.0
    frames *= ctx.cached(("pigment", strength), density)
    frames += 1.0
    return frames


def canvas(frames: np.ndarray, ctx, *,
           strength: Annotated[float, Range(0, 0.5)] = 0.05,
           period: Annotated[float, Range(2, 16)] = 4.0) -> np.ndarray:
    """Woven canvas under the paint (the same on every frame)."""
    relief = ctx.cached(("canvas", strength, period), lambda: spread(
        (1.0 + strength * canvas_texture(ctx.seed, ctx.height, ctx.width, ctx.px(period, 2.0)))
        .astype(np.float32)))
    frames *= relief
    return frames
