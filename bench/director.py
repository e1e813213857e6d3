"""The director's share of a render: its overhead over a bare diffusers call, and the
post-production it runs after the engine (interpolate, grade, upscale, encode, music).

Both use the app's own wiring (`app.wire`), so what is measured is what a user runs.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.timing import Measurement
from video.engines.base import EngineDefaults
from video.types import Clip, GenerationRequest

IDEA = "a cheetah lying in the grass, body gently rising and falling"
POST_TARGET_S = 6.0
OVERHEAD_TARGET = 0.10  # the director may add at most 10 % to a bare diffusers call


class ReplayEngine:
    """An engine that hands back frames it was given, so only the director's steps cost time."""

    name = "replay"
    capabilities = frozenset({"t2v"})
    test_pattern = False
    previews = False  # on_preview is never called

    def __init__(self, frames: np.ndarray, fps: float):
        self.frames, self.fps = frames, fps

    def defaults(self, task: str, model: str | None = None) -> EngineDefaults:
        count, height, width, _ = self.frames.shape
        return EngineDefaults(model="replay", width=width, height=height, frames=count,
                              fps=int(self.fps), steps=1, guidance=6.0)

    def generate(self, request: GenerationRequest, on_step=None, on_preview=None) -> Clip:
        return Clip(frames=self.frames.copy(), fps=self.fps, engine=self.name, model="replay")


class OneEngine:
    """An engine source for the Director that always gives the same engine."""

    def __init__(self, engine):
        self.engine = engine

    def get(self, name: str, task: str):
        return self.engine

    def post_networks(self):
        """No learned post-production networks: the CPU path (DIS flow, Lanczos)."""
        return None


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg): work, not waiting."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def wired_app():
    """The app's parts as `python app.py` wires them."""
    from app import wire

    return wire(argparse.Namespace())


def post_production_seconds(frames: np.ndarray, fps: float, repeats: int = 3) -> tuple[float, str]:
    """Median seconds the director spends after the engine on these frames, and what ran."""
    from agent.shot import ShotSpec
    from studio.director import Director, RenderOptions

    app = wired_app()
    parts = app.director
    director = Director(OneEngine(ReplayEngine(frames, fps)), rewriter=parts.rewriter,
                        styles=parts.styles, music=parts.music)
    style = next(iter(parts.styles.ids()), None) if parts.styles is not None else None
    spec = ShotSpec(idea=IDEA, style=style, seed=7)
    music = "music"
    spent, cpu, timings = [], [], {}
    with tempfile.TemporaryDirectory() as folder:
        for attempt in range(repeats + 1):  # the first run warms caches (music index, …)
            out = Path(folder) / f"post-{attempt}.mp4"
            cpu_start = cpu_seconds()
            try:
                timings = director.render(spec, out, RenderOptions()).timings
            except (RuntimeError, OSError) as exc:  # the music library is not built here
                music = f"no music ({exc})"
                spec = spec.with_changes(music="none")
                timings = director.render(spec, out, RenderOptions()).timings
            engine = sum(v for k, v in timings.items() if k.startswith("engine."))
            if attempt:
                spent.append(timings["total"] - engine)
                cpu.append(cpu_seconds() - cpu_start)
    ran = [f"{k.split('.', 1)[-1]} {v:.1f} s" for k, v in timings.items()
           if k.startswith("post.") or k == "music"]
    graded = f"grade '{style}'" if style else "no grade (styles not wired into the director)"
    if "music" not in timings and music == "music":
        music = "no music (not wired into the director)"
    return statistics.median(spent), (f"{', '.join(ran)} (last run); {graded}; {music}; "
                                      f"CPU {statistics.median(cpu):.1f} s")


def director_overhead(repeats: int) -> Measurement:
    """The director on the tiny engine (post-production and music excluded) vs bare diffusers."""
    import torch
    from diffusers import CogVideoXPipeline

    from agent.shot import ShotSpec
    from studio.director import RenderOptions
    from video.engines.tiny import tiny_model_dir

    app = wired_app()
    spec = ShotSpec(idea=IDEA, seed=7, music="none")
    options = RenderOptions(engine="tiny")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "tiny.mp4"
        first = app.director.render(spec, out, options)
        engine = app.engines.get("tiny", "t2v")
        info = engine.model_info("t2v")
        pipe = CogVideoXPipeline.from_pretrained(str(tiny_model_dir(app.settings.engines, info)))
        pipe.set_progress_bar_config(disable=True)
        defaults = engine.defaults("t2v")

        def bare():
            with torch.inference_mode():
                pipe(prompt=first.prompt, negative_prompt=first.negative_prompt or None,
                     height=defaults.height, width=defaults.width, num_frames=defaults.frames,
                     num_inference_steps=defaults.steps, guidance_scale=defaults.guidance,
                     generator=torch.Generator("cpu").manual_seed(7), output_type="np",
                     max_sequence_length=defaults.max_tokens)

        def director_without_post() -> float:
            timings = app.director.render(spec, out, options).timings
            post = sum(v for k, v in timings.items() if k.startswith("post.") or k == "music")
            return timings["total"] - post

        bare()  # warm
        director_without_post()
        # Alternate the two so that load from elsewhere on the machine hits both alike.
        bare_times, director_times = [], []
        for _ in range(repeats):
            started = time.perf_counter()
            bare()
            bare_times.append(time.perf_counter() - started)
            director_times.append(director_without_post())
    bare_s, director_s = statistics.median(bare_times), statistics.median(director_times)
    ratio = statistics.median(d / b for d, b in zip(director_times, bare_times))
    return Measurement(
        "director on the tiny engine, post-production excluded, vs bare diffusers",
        director_s, repeats, target_s=bare_s * (1 + OVERHEAD_TARGET),
        note=f"bare diffusers {bare_s:.3f} s; overhead {100 * (ratio - 1):+.1f} % "
             f"(median of paired runs; target ≤ {100 * OVERHEAD_TARGET:.0f} %)")


def run(repeats: int) -> list[Measurement]:
    from bench.post import sample_clip

    clip = sample_clip()
    post_runs = max(1, min(repeats, 3))
    post_s, note = post_production_seconds(clip.frames, clip.fps, repeats=post_runs)
    return [
        Measurement("post-production via the director: 49×720×480 @8 fps → 1440×960 @16 fps",
                    post_s, post_runs, target_s=POST_TARGET_S, note=note),
        director_overhead(repeats),
    ]
