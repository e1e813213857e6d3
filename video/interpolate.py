"""Motion-compensated frame interpolation with OpenCV's DIS optical flow.

For each pair of frames the flow is measured both ways; each in-between frame is warped
from both neighbours along the flow and blended by its distance to them. How the flow is
measured (`FlowSettings`) was chosen on the ground-truth bench, `python -m bench quality`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

PRESETS = {"ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
           "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
           "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}


@dataclass(frozen=True)
class FlowSettings:
    """How DIS measures the flow: a preset, and optionally the finest pyramid level it
    refines down to (0: full size, 1: half, 2: a quarter), the stride between its patches
    and its gradient-descent iterations per patch (None: the preset's own)."""

    preset: str = "ultrafast"
    finest_scale: int | None = None
    patch_stride: int | None = None
    iterations: int | None = None

    def __post_init__(self):
        if self.preset not in PRESETS:
            raise ValueError(f"unknown DIS preset '{self.preset}'; known: {', '.join(PRESETS)}")
        if self.finest_scale is not None and not 0 <= self.finest_scale <= 4:
            raise ValueError("finest_scale must be 0 to 4")
        if self.patch_stride is not None and not 1 <= self.patch_stride <= 16:
            raise ValueError("patch_stride must be 1 to 16")
        if self.iterations is not None and not 1 <= self.iterations <= 64:
            raise ValueError("iterations must be 1 to 64")

    def create(self) -> cv2.DISOpticalFlow:
        """A DIS flow estimator with these settings."""
        dis = cv2.DISOpticalFlow_create(PRESETS[self.preset])
        if self.finest_scale is not None:
            dis.setFinestScale(self.finest_scale)
        if self.patch_stride is not None:
            dis.setPatchStride(self.patch_stride)
        if self.iterations is not None:
            dis.setGradientDescentIterations(self.iterations)
        return dis


UNCHANGED_BLOCK = 4  # frames per block when nothing is interpolated

# Before issue #21: DIS ultrafast as it comes (its flow stops at a quarter of the size).
PREVIOUS_FLOW = FlowSettings("ultrafast")
# Chosen on `python -m bench quality` (bench/README.md, 2026-12-06), which scores each
# setting on four ground-truth sequences: ultrafast refined down to half size, its patches
# 8 px apart (not 4) with 8 gradient-descent iterations (not 12), scores 31.94 dB / SSIM
# 0.843 on the in-between frames on average against 31.00 / 0.813 for the previous flow
# (+0.9 dB): +4.7 dB on the sequence whose moving object the quarter-size flow loses, within
# ±1 dB either way on the others — it is chosen for its worst case (30.7 dB against 25.9) —
# for about 1.2× its CPU time. Half size at the preset's own spacing
# scores 31.67 dB for twice the previous time; full size and `medium` cost 3.5–6× it.
DEFAULT_FLOW = FlowSettings("ultrafast", finest_scale=1, patch_stride=8, iterations=8)


def interpolate(frames: np.ndarray, factor: int,
                settings: FlowSettings = DEFAULT_FLOW) -> np.ndarray:
    """Insert factor-1 frames between each pair: T frames → (T-1)*factor+1 frames."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    if factor == 1 or len(frames) < 2:
        return frames
    count, height, width, _ = frames.shape
    out = np.empty(((count - 1) * factor + 1, height, width, 3), dtype=np.uint8)
    made = 0
    for block in interpolate_blocks(frames, factor, settings):
        out[made:made + len(block)] = block
        made += len(block)
    return out


def interpolate_blocks(frames: np.ndarray, factor: int,
                       settings: FlowSettings = DEFAULT_FLOW) -> Iterator[np.ndarray]:
    """`interpolate`'s frames in order, a block at a time as they are made: each frame
    followed by the factor-1 frames between it and the next, then the last frame. Post-
    production grades and encodes a block while the next is interpolated."""
    if factor < 1:
        raise ValueError("factor must be at least 1")
    if factor == 1 or len(frames) < 2:
        for start in range(0, len(frames), UNCHANGED_BLOCK):
            yield frames[start:start + UNCHANGED_BLOCK]
        return
    count, height, width, _ = frames.shape
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    dis = settings.create()
    # Each pixel's own (x, y), as one two-channel map: remap reads it in one pass.
    grid = np.dstack(np.meshgrid(np.arange(width, dtype=np.float32),
                                 np.arange(height, dtype=np.float32)))
    for i in range(count - 1):
        a, b = frames[i], frames[i + 1]
        forward = dis.calc(grey[i], grey[i + 1], None)
        backward = dis.calc(grey[i + 1], grey[i], None)
        block = np.empty((factor, height, width, 3), dtype=np.uint8)
        block[0] = a
        for j in range(1, factor):
            t = j / factor
            # Backward warping: the in-between pixel at y came from a at y - t·F(a→b)
            # and from b at y - (1-t)·F(b→a), taking the flow as locally smooth.
            from_a = cv2.remap(a, grid - np.float32(t) * forward, None, cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
            from_b = cv2.remap(b, grid - np.float32(1 - t) * backward, None,
                               cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            block[j] = cv2.addWeighted(from_a, 1 - t, from_b, t, 0)
        yield block
    yield frames[-1:]
