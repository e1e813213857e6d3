"""How filters declare their parameters, and small colour helpers the filters share.

A filter's keyword-only parameters are its schema: `Annotated[float, Range(0, 1)]` gives the
type and the allowed range, `Annotated[str, COLOR]` a "#rrggbb" colour. The presets
loader reads them to check the presets file, so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Rec. 709 luma weights: how bright each channel looks.
LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


@dataclass(frozen=True)
class Range:
    """Inclusive bounds of a numeric parameter."""

    low: float
    high: float


COLOR = "color"  # marker: the str parameter is a "#rrggbb" colour


@dataclass(frozen=True)
class Choice:
    """The str parameter must be one of these words."""

    options: tuple[str, ...]


def rgb(hex_color: str) -> np.ndarray:
    """'#ffa040' → float32 [1.0, 0.627, 0.251]."""
    value = hex_color.lstrip("#")
    return np.array([int(value[i:i + 2], 16) / 255.0 for i in (0, 2, 4)], dtype=np.float32)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    """0 below edge0, 1 above edge1, a smooth S between."""
    t = np.clip((x - edge0) * (1.0 / max(edge1 - edge0, 1e-6)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def as_image(frames: np.ndarray) -> np.ndarray:
    """Frames …×H×W×C viewed as one tall (…·H)×W×C image, which OpenCV can process."""
    return frames.reshape(-1, *frames.shape[-2:])


def spread(grey: np.ndarray) -> np.ndarray:
    """Grey …×H×W → …×H×W×3 (R = G = B), contiguous: numpy broadcasting over a last axis
    of 3 runs three times slower than arithmetic on a full array."""
    flat = grey.reshape(-1, grey.shape[-1])
    return cv2.cvtColor(flat, cv2.COLOR_GRAY2RGB).reshape(*grey.shape, 3)


def color_matrix(frames: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 3×3 colour matrix (out = M · rgb) to every pixel in one pass; returns new
    frames (OpenCV copies internally when asked to work in place, which is slower)."""
    out = cv2.transform(as_image(frames), np.asarray(matrix, dtype=np.float32))
    return out.reshape(frames.shape)


def luma(frames: np.ndarray) -> np.ndarray:
    """Per-pixel brightness of float frames (…×H×W×3 → …×H×W)."""
    image = as_image(frames)
    grey = cv2.transform(image, LUMA[None, :])
    return grey.reshape(frames.shape[:-1])
