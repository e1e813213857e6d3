"""Seeded textures for the grades: film grain, paper and canvas.

Every texture is a pure function of its seed (and, for grain, the frame index), so grading
the same clip twice gives the same pixels, and a texture never "boils": paper and canvas
stay put for the whole clip, and grain drifts smoothly from one pattern to the next
instead of jumping to fresh noise on every frame.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# Separate noise streams per texture kind, so grain never repeats the paper's noise.
_GRAIN, _PAPER, _CANVAS = 0x6752, 0x7061, 0x6361


def _noise(seed: int, stream: int, key: int, height: int, width: int) -> np.ndarray:
    """Unit normal noise, a pure function of (seed, stream, key) and the size."""
    rng = np.random.default_rng((seed & 0xFFFFFFFF, stream, key))
    return rng.standard_normal((height, width), dtype=np.float32)


def _blurred_unit_noise(noise: np.ndarray, sigma_x: float, sigma_y: float) -> np.ndarray:
    """Gaussian-blurred noise rescaled back to unit standard deviation.

    The factor is exact for the discrete kernel (the noise is white), so no measurement
    of the noise is needed and the result stays a pure function of its input.
    """
    if sigma_x <= 0 and sigma_y <= 0:
        return noise
    sigma_x, sigma_y = max(sigma_x, 0.3), max(sigma_y, 0.3)
    kx = cv2.getGaussianKernel(2 * math.ceil(3 * sigma_x) + 1, sigma_x)
    ky = cv2.getGaussianKernel(2 * math.ceil(3 * sigma_y) + 1, sigma_y)
    blurred = cv2.sepFilter2D(noise, -1, kx, ky, borderType=cv2.BORDER_REFLECT)
    gain = math.sqrt(float((kx**2).sum() * (ky**2).sum()))
    return blurred * np.float32(1.0 / gain)


def _smooth_field(seed: int, stream: int, key: int, height: int, width: int,
                  sigma_x: float, sigma_y: float) -> np.ndarray:
    """Smooth unit noise of the given blur. Wide blurs are made at a lower resolution and
    scaled up: the same kind of field for a fraction of the work (a 50-pixel blur on a
    full frame would cost more than grading the clip)."""
    fx, fy = max(1, int(sigma_x // 3)), max(1, int(sigma_y // 3))
    small_h, small_w = -(-height // fy), -(-width // fx)
    field = _blurred_unit_noise(_noise(seed, stream, key, small_h, small_w),
                                sigma_x / fx, sigma_y / fy)
    if fx > 1 or fy > 1:
        field = cv2.resize(field, (small_w * fx, small_h * fy), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(field[:height, :width])


def grain_keyframe(seed: int, key: int, height: int, width: int, size: float) -> np.ndarray:
    """One grain pattern (unit std); `size` is the grain's blur radius in pixels."""
    return _smooth_field(seed, _GRAIN, key, height, width, size, size)


def grain_blend(frame_index: int, hold: int) -> tuple[int, float, float]:
    """(keyframe, weight of it, weight of the next) for a frame.

    Grain holds a pattern for `hold` frames while crossfading to the next one. The
    weights are cos/sin of a quarter turn, so the sum of two independent unit patterns
    keeps unit variance all the way through: the grain never pulses.
    """
    key, step = divmod(frame_index, max(1, hold))
    angle = 0.5 * math.pi * step / max(1, hold)
    return key, math.cos(angle), math.sin(angle)


def paper_texture(seed: int, height: int, width: int) -> np.ndarray:
    """Paper relief around 0 (float32 H×W, std about 1): broad mottling, fine tooth and a
    few long fibres running one way, as in handmade rice paper."""
    scale = max(height, width) / 720.0  # the same paper at every frame size
    mottle = _smooth_field(seed, _PAPER, 0, height, width, 16 * scale, 16 * scale)
    tooth = _smooth_field(seed, _PAPER, 1, height, width, 0.8, 0.8)
    fibres = _smooth_field(seed, _PAPER, 2, height, width, 9 * scale, 0.7)
    np.maximum(fibres, 1.0, out=fibres)  # only the strongest streaks show, as single fibres
    fibres -= 1.0
    return 0.7 * mottle + 0.3 * tooth + 0.4 * fibres


def pigment_texture(seed: int, height: int, width: int) -> np.ndarray:
    """Uneven pigment density around 0 (float32 H×W, std about 1): large soft blooms and
    smaller patches, the way watercolour settles on paper."""
    scale = max(height, width) / 720.0
    blooms = _smooth_field(seed, _PAPER, 3, height, width, 28 * scale, 28 * scale)
    patches = _smooth_field(seed, _PAPER, 4, height, width, 7 * scale, 7 * scale)
    return 0.8 * blooms + 0.6 * patches


def canvas_texture(seed: int, height: int, width: int, period: float = 4.0) -> np.ndarray:
    """Woven canvas relief around 0 (float32 H×W, within about ±1): warp and weft threads
    whose thickness wanders (slubs), lit from the top left."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    wander_x = _smooth_field(seed, _CANVAS, 0, height, width, 0.6, 12.0)
    wander_y = _smooth_field(seed, _CANVAS, 1, height, width, 12.0, 0.6)
    warp = np.cos((x + 0.6 * wander_x) * (2 * math.pi / period))
    weft = np.cos((y + 0.6 * wander_y) * (2 * math.pi / period))
    return (0.5 * warp + 0.5 * weft).astype(np.float32)
