"""The types engines speak: what they are asked for and what they give back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

# on_step(i, n) is called after each denoising step (i counts from 1). It drives progress
# bars; raising errors.GenerationCancelled from it stops the generation.
OnStep = Callable[[int, int], None]


@dataclass(frozen=True)
class LoraSpec:
    """A LoRA to load into the transformer: a hub id or local folder/file, and its scale."""

    source: str
    weight_name: str | None = None
    scale: float = 1.0
    adapter_name: str = "style"


@dataclass(frozen=True)
class GenerationRequest:
    """Everything an engine needs to render one clip."""

    prompt: str
    negative_prompt: str = ""
    image: Image.Image | None = None
    frames: int = 49
    fps: int = 8
    width: int = 720
    height: int = 480
    steps: int = 50
    guidance: float = 6.0
    seed: int = 42
    lora: LoraSpec | None = None
    model: str | None = None  # a registry id; None means the engine's default

    @property
    def task(self) -> str:
        """'i2v' when a photo conditions the clip, else 't2v'."""
        return "i2v" if self.image is not None else "t2v"


@dataclass
class Clip:
    """Frames an engine rendered: uint8 T×H×W×3, with where they came from."""

    frames: np.ndarray
    fps: float
    engine: str
    model: str
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    test_pattern: bool = False  # random-weight output: label it, never present it as art

    def __post_init__(self) -> None:
        f = self.frames
        if f.dtype != np.uint8 or f.ndim != 4 or f.shape[-1] != 3:
            raise ValueError(f"Clip frames must be uint8 T×H×W×3, got {f.dtype} {f.shape}")

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    @property
    def duration(self) -> float:
        """Seconds of video at `fps`."""
        return len(self.frames) / self.fps


@dataclass(frozen=True)
class Audio:
    """A soundtrack ready to mux: float32 stereo samples (n×2) at `rate` per second."""

    samples: np.ndarray
    rate: int

    def __post_init__(self) -> None:
        s = self.samples
        if s.dtype != np.float32 or s.ndim != 2 or s.shape[1] != 2 or self.rate <= 0:
            raise ValueError(f"Audio must be float32 n×2 at a positive rate, got {s.dtype} "
                             f"{s.shape} at {self.rate}")


@dataclass
class FinishedVideo:
    """Files written by post-production for one clip."""

    mp4: Path
    poster: Path
    width: int
    height: int
    fps: float
    frames: int
    timings: dict[str, float] = field(default_factory=dict)
