"""Live preview cost on the tiny engine: renders with previews against the same without."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import replace
from pathlib import Path

from bench.timing import Measurement
from video.types import GenerationRequest

BUDGET = 0.05  # a preview may cost at most 5 % of the render


def run(repeats: int) -> list[Measurement]:
    from video.engines.base import EngineSettings
    from video.engines.tiny import TinyEngine

    cache = Path(os.environ.get("CLIPWRIGHT_CACHE_DIR") or Path.home() / ".cache" / "clipwright")
    engine = TinyEngine(replace(EngineSettings(cache_dir=cache), preview_every=2))
    request = GenerationRequest(prompt="a cheetah lying in the grass", frames=17, width=160,
                                height=96, steps=10, seed=5)
    previews = []
    fit = engine.generate(request, on_preview=previews.append).timings["preview"]  # fits once
    plain, previewed, spent = [], [], []
    for _ in range(repeats):  # alternate, so load from elsewhere hits both alike
        started = time.perf_counter()
        engine.generate(request)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        clip = engine.generate(request, on_preview=previews.append)
        previewed.append(time.perf_counter() - started)
        spent.append(clip.timings["preview"])
    render_s = statistics.median(plain)
    return [Measurement(
        f"live preview on the tiny engine: {len(previews) // (repeats + 1)} previews in a "
        f"{request.steps}-step render", statistics.median(spent), repeats,
        target_s=BUDGET * render_s,
        note=f"render {render_s:.3f} s without, {statistics.median(previewed):.3f} s with; "
             f"latent→RGB fit {fit:.2f} s once per process")]
