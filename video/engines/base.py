"""What every engine is, and the settings the app hands to engines."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from video.engines.preview import OnPreview
from video.types import Clip, GenerationRequest, OnStep


@dataclass(frozen=True)
class EngineDefaults:
    """What an engine renders when the caller does not say: size, length, sampler."""

    model: str
    width: int
    height: int
    frames: int
    fps: int
    steps: int
    guidance: float
    max_tokens: int = 226
    max_frames: int = 0  # the longest clip it renders; 0 means `frames`
    fixed_size: bool = False  # True when it renders its native size only
    grid: int = 16  # its sides are multiples of this (a DiT: VAE 8× × patch 2×)

    @property
    def longest(self) -> int:
        """The most frames one clip may have."""
        return self.max_frames or self.frames


@dataclass(frozen=True)
class EngineSettings:
    """Configuration from flags and environment, passed in by app.py."""

    cache_dir: Path  # where locally built models (tiny) and other cached files live
    model_dir: Path | None = None  # a folder of <model-id>/ pipelines, looked in first
    offload: str = "auto"  # auto | none | model | sequential
    vae_tiling: str = "auto"  # auto | on | off
    cloud_api_key: str | None = None
    cloud_base_url: str | None = None
    speed: str = "quality"  # a --speed preset of video/engines/speed_presets.toml
    preview_every: int = 5  # steps between live previews, when a caller asks for them
    learned_post: str = "auto"  # RIFE + Real-ESRGAN in post-production: auto | on | off


class Engine(Protocol):
    """An engine turns a GenerationRequest into a Clip."""

    name: str
    capabilities: frozenset[str]  # {"t2v", "i2v"}
    test_pattern: bool  # True for random weights: its output is labelled, never shown as art
    previews: bool  # True when generate() calls on_preview with rough frames as it renders

    def defaults(self, task: str, model: str | None = None) -> EngineDefaults:
        """Native size, frames and sampler settings for a task (and model)."""
        ...

    def generate(self, request: GenerationRequest, on_step: OnStep | None = None,
                 on_preview: OnPreview | None = None) -> Clip:
        """Render the request; on_step(i, n) after each step may raise to cancel;
        on_preview(Preview) gets rough frames when `previews` is True (else never)."""
        ...
