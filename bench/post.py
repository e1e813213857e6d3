"""Post-production of a CogVideoX-sized clip: 49 frames 720×480 at 8 fps → 1440×960 at 16 fps.

Rows: the whole of `finish` on a synthetic moving clip; its interpolation alone with the
chosen flow settings and with the previous ones (the cost of the quality bench's choice,
measured under the same load); and `finish` on the tiny engine's clip stretched to the real
model's size (`TinyEngine(real_size=True)`), the post-production an end-to-end run here gets.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from bench.timing import Measurement, measure
from video.interpolate import DEFAULT_FLOW, PREVIOUS_FLOW, interpolate
from video.post import finish
from video.types import Clip, GenerationRequest

POST_TARGET_S = 6.0


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


def tiny_real_size_clip(cache: Path) -> Clip:
    """The tiny engine's clip for the director's default request, stretched to 49×720×480."""
    from video.engines.base import EngineSettings
    from video.engines.tiny import TinyEngine

    engine = TinyEngine(EngineSettings(cache_dir=cache), real_size=True)
    defaults = engine.defaults("t2v")
    return engine.generate(GenerationRequest(
        prompt="a cheetah lying in the grass", frames=defaults.frames, width=defaults.width,
        height=defaults.height, steps=defaults.steps, seed=7))


def run(repeats: int) -> list[Measurement]:
    clip = sample_clip()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "bench.mp4"
        rows = [measure("post: 49×720×480 @8 fps → 1440×960 @16 fps, encode included",
                        lambda: finish(clip, out), repeats=repeats, target_s=POST_TARGET_S)]
        for label, settings in (("chosen", DEFAULT_FLOW), ("previous", PREVIOUS_FLOW)):
            rows.append(measure(f"interpolate 49×720×480 ×2, {label} flow", lambda s=settings:
                                interpolate(clip.frames, 2, s), repeats=repeats,
                                note=f"{settings}"))
        tiny = tiny_real_size_clip(Path(folder) / "cache")
        rows.append(measure("post of the tiny engine's clip at real size (49×720×480)",
                            lambda: finish(tiny, out), repeats=repeats, target_s=POST_TARGET_S,
                            note="TinyEngine(real_size=True): smooth noise, flow and encode "
                                 "at the user's sizes"))
    return rows
