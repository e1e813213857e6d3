"""Post-production of a CogVideoX-sized clip: 49 frames 720×480 at 8 fps → 1440×960 at 16 fps."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench.timing import Measurement, measure
from video.post import finish
from video.types import Clip


def sample_clip(frames: int = 49, width: int = 720, height: int = 480) -> Clip:
    """A moving, textured clip (a drifting pattern with noise) so flow and encode do real work."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    texture = rng.integers(0, 40, (height, width, 3), dtype=np.uint8)
    out = np.empty((frames, height, width, 3), dtype=np.uint8)
    for i in range(frames):
        base = 128 + 60 * np.sin((x + 6 * i) / 37.0) * np.cos((y - 2 * i) / 29.0)
        out[i] = np.clip(base[..., None] + texture, 0, 255).astype(np.uint8)
    return Clip(frames=out, fps=8, engine="bench", model="synthetic")


def run(repeats: int) -> list[Measurement]:
    clip = sample_clip()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.mp4"
        return [measure("post: 49×720×480 @8 fps → 1440×960 @16 fps, encode included",
                        lambda: finish(clip, out), repeats=repeats, target_s=6.0)]
