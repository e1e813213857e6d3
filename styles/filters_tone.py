"""Tone and colour filters: point-wise maths over a block of float frames, plus the
frame-wide masks (vignette, letterbox) and film grain.

Every filter takes float32 n×H×W×3 frames in [0, 1] and a GradeContext, and returns the
frames (usually changed in place). Values may stray outside [0, 1] between filters; the
grade clips once at the end.
"""

from __future__ import annotations

from typing import Annotated

import cv2
import numpy as np

from styles.params import COLOR, LUMA, Range, color_matrix, luma, rgb, smoothstep, spread
from styles.textures import grain_blend, grain_keyframe


def mono(frames: np.ndarray, ctx, *,
         red: Annotated[float, Range(0, 2)] = 0.2126,
         green: Annotated[float, Range(0, 2)] = 0.7152,
         blue: Annotated[float, Range(0, 2)] = 0.0722) -> np.ndarray:
    """Black and white through a channel mixer (like a colour filter on a B&W camera);
    the weights are normalised, so overall brightness stays. R = G = B afterwards."""
    weights = np.array([red, green, blue], dtype=np.float32)
    weights /= max(float(weights.sum()), 1e-6)
    return color_matrix(frames, np.tile(weights, (3, 1)))


def curve(frames: np.ndarray, ctx, *,
          black: Annotated[float, Range(0, 0.5)] = 0.0,
          white: Annotated[float, Range(0.5, 1)] = 1.0,
          contrast: Annotated[float, Range(-1, 1)] = 0.0,
          lift: Annotated[float, Range(0, 0.5)] = 0.0,
          gain: Annotated[float, Range(0.5, 1.2)] = 1.0) -> np.ndarray:
    """Levels and an S-curve: input black/white points, `contrast` (an S around mid-grey;
    negative flattens), then output `lift` (faded blacks) and `gain` (dimmed whites)."""
    if black or white != 1.0:
        frames -= black
        frames *= 1.0 / (white - black)
    np.clip(frames, 0.0, 1.0, out=frames)
    # lift + k·(x + c·(smoothstep(x) − x)) with k = gain − lift is the cubic
    # lift + x·(k(1 − c) + x·(3kc − 2kc·x)): five passes over the frames, in place.
    k = gain - lift
    if contrast:
        t = frames * np.float32(-2.0 * k * contrast)
        t += 3.0 * k * contrast
        t *= frames
        t += k * (1.0 - contrast)
        frames *= t
    elif k != 1.0:
        frames *= k
    if lift:
        frames += lift
    return frames


curve.per_channel = True  # a function of each channel alone: the grade may fold it into a LUT


def saturation(frames: np.ndarray, ctx, *,
               amount: Annotated[float, Range(0, 3)] = 1.0) -> np.ndarray:
    """Scale colourfulness around each pixel's own grey (1 keeps it, 0 is grey)."""
    # out = amount·rgb + (1 − amount)·grey, one 3×3 matrix.
    matrix = amount * np.eye(3, dtype=np.float32) + (1.0 - amount) * np.tile(LUMA, (3, 1))
    return color_matrix(frames, matrix)


def split_tone(frames: np.ndarray, ctx, *,
               shadows: Annotated[str, COLOR] = "#1d7a86",
               highlights: Annotated[str, COLOR] = "#ff9a4d",
               amount: Annotated[float, Range(0, 1)] = 0.3,
               balance: Annotated[float, Range(-1, 1)] = 0.0) -> np.ndarray:
    """Tint shadows and highlights with two hues (teal-and-orange by default) without
    changing brightness: only each colour's hue is added, weighted by the pixel's luma."""
    shadow_tint = amount * (rgb(shadows) - float(rgb(shadows) @ LUMA))
    light_tint = amount * (rgb(highlights) - float(rgb(highlights) @ LUMA))
    level = luma(frames).reshape(-1, ctx.width)
    if balance:
        level += 0.25 * balance
    np.clip(level, 0.0, 1.0, out=level)
    # (1 − l)²·S + l²·H = S + l·(−2S) + l²·(S + H): one 3×3 colour transform of the
    # pixels (l, l², 1) (OpenCV's 3-channel path is much faster than its affine one).
    matrix = np.stack([-2 * shadow_tint, shadow_tint + light_tint, shadow_tint], axis=1)
    terms = cv2.merge([level, level * level, np.ones_like(level)])
    frames += cv2.transform(terms, matrix).reshape(frames.shape)
    return frames


def tint(frames: np.ndarray, ctx, *,
         color: Annotated[str, COLOR] = "#ffffff",
         amount: Annotated[float, Range(0, 1)] = 0.2) -> np.ndarray:
    """A colour cast (warm, cool, sepia…) by channel gains that keep mid-grey's brightness."""
    target = rgb(color)
    gains = target / max(float(target @ LUMA), 1e-6)
    return color_matrix(frames, np.diag(1.0 + amount * (gains - 1.0)))


tint.per_channel = True


def vignette(frames: np.ndarray, ctx, *,
             strength: Annotated[float, Range(0, 1)] = 0.3,
             radius: Annotated[float, Range(0.1, 1.5)] = 0.75,
             softness: Annotated[float, Range(0.05, 1)] = 0.45) -> np.ndarray:
    """Darken the corners: 1 inside `radius` (1 = the corner), falling off over `softness`."""
    def mask() -> np.ndarray:
        h, w = ctx.height, ctx.width
        y = (np.arange(h, dtype=np.float32) - (h - 1) / 2) / (h / 2)
        x = (np.arange(w, dtype=np.float32) - (w - 1) / 2) / (w / 2)
        r = np.sqrt(y[:, None] ** 2 + x[None, :] ** 2) / np.sqrt(2.0)
        fall = smoothstep(radius - softness / 2, radius + softness / 2, r)
        return spread((1.0 - strength * fall).astype(np.float32))

    frames *= ctx.cached(("vignette", strength, radius, softness), mask)
    return frames


def grain(frames: np.ndarray, ctx, *,
          amount: Annotated[float, Range(0, 0.3)] = 0.03,
          size: Annotated[float, Range(0, 3)] = 0.8,
          hold: Annotated[int, Range(1, 48)] = 6) -> np.ndarray:
    """Film grain, strongest in the mid-tones, the same on all three channels (so black and
    white stays grey). Seeded by the clip's seed and frame index; it holds each pattern for
    `hold` frames while crossfading to the next, so it shimmers like film and never boils."""
    def keyframe(key: int) -> np.ndarray:
        return ctx.cached(("grain", key, size), lambda: grain_keyframe(
            ctx.seed, key, ctx.height, ctx.width, ctx.px(size)))

    for i, index in enumerate(ctx.frame_indices):
        key, w0, w1 = grain_blend(int(index), hold)
        field = keyframe(key) * np.float32(w0)
        if w1:
            field += keyframe(key + 1) * np.float32(w1)
        # Most grain in the mid-tones, a third of it in deep shadows and highlights.
        level = luma(frames[i])
        weight = level * (1.0 - level)
        weight *= 2.6 * amount
        weight += 0.35 * amount
        weight *= field
        frames[i] += spread(weight)
    return frames


def letterbox(frames: np.ndarray, ctx, *,
              aspect: Annotated[float, Range(1, 4)] = 2.39) -> np.ndarray:
    """Black bars above and below for a wide-screen picture (2.39:1 by default). Bars are
    an even number of rows so H.264's half-size chroma does not smear them. Put it last."""
    bar = letterbox_rows(ctx.height, ctx.width, aspect)
    if bar:
        frames[:, :bar] = 0.0
        frames[:, ctx.height - bar:] = 0.0
    return frames


def letterbox_rows(height: int, width: int, aspect: float) -> int:
    """How many rows each bar takes on a frame of this size (0 if it is already as wide)."""
    picture = width / aspect
    if picture >= height:
        return 0
    bar = int(round((height - picture) / 2))
    return bar + bar % 2
