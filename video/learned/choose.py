"""Whether post-production uses the learned networks, chosen like the other memory and speed
options: "auto" uses them on a CUDA GPU with the weights present, and never on a CPU (a
Real-ESRGAN pass costs seconds per frame there; the DIS-flow and Lanczos path is the product
on a CPU); "on" insists and says what is missing; "off" never does."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import EngineUnavailable, InputError
from model_loading import loading_model
from video.learned.weights import WEIGHTS_FILE, WeightsInfo, first_found, load_weights_list

log = logging.getLogger(__name__)

OPTIONS = ("auto", "on", "off")


@dataclass
class LearnedPost:
    """The learned networks post-production uses; either may be absent ("auto" with one
    file found), and post-production keeps its CPU step for that one."""

    upscaler: object | None = None  # video.learned.upscale.Upscaler
    interpolator: object | None = None  # video.learned.interpolate.Interpolator

    @property
    def scale(self) -> int:
        """The learned upscaler's factor; 1 without one."""
        return self.upscaler.scale if self.upscaler is not None else 1

    def upscale(self, frames: np.ndarray) -> np.ndarray:
        """uint8 T×H×W×3 → T×(H·scale)×(W·scale)×3; the frames unchanged without an upscaler."""
        return frames if self.upscaler is None else self.upscaler.upscale(frames)

    def interpolate(self, frames: np.ndarray, factor: int) -> np.ndarray:
        """T frames → (T-1)·factor+1, kept frames unchanged (video/interpolate.py's contract).
        Without a learned interpolator, DIS flow as on a CPU."""
        if self.interpolator is None:
            from video.interpolate import interpolate

            return interpolate(frames, factor)
        return self.interpolator.interpolate(frames, factor)

    def describe(self) -> str:
        """A short label for logs, timings and the UI."""
        parts = [f"upscale={type(self.upscaler.network).__name__}"] if self.upscaler else []
        if self.interpolator is not None:
            parts.append("interpolate=RIFE-4.25")
        return ", ".join(parts) or "none"


def learned_post(option: str, cache_dir: Path, *, weights_file: Path = WEIGHTS_FILE,
                 hub_cache: Path | str | None = None) -> LearnedPost | None:
    """The learned networks to use, loaded onto the GPU, or None for the CPU path.

    "auto": a CUDA GPU and at least one weights file → those networks; else None.
    "on": a CUDA GPU and both files, else EngineUnavailable saying what is missing.
    "off": None. Anything else: InputError.
    """
    if option not in OPTIONS:
        raise InputError(f"learned post-production must be one of {', '.join(OPTIONS)}; "
                         f"got {option!r}")
    if option == "off":
        return None
    import torch

    if not torch.cuda.is_available():
        if option == "on":
            raise EngineUnavailable(
                "learned post-production (Real-ESRGAN upscale, RIFE interpolation) needs a "
                "CUDA GPU and none is available here; use --learned-post auto or off for "
                "the CPU path (DIS flow, Lanczos)")
        return None
    post = load_learned_post(cache_dir, "cuda", weights_file=weights_file,
                             hub_cache=hub_cache, require_all=option == "on")
    if post.upscaler is None and post.interpolator is None:
        log.info("learned post-production: no weights found; using the CPU path")
        return None
    log.info("learned post-production: %s", post.describe())
    return post


def load_learned_post(cache_dir: Path, device: str, *, weights_file: Path = WEIGHTS_FILE,
                      hub_cache: Path | str | None = None,
                      require_all: bool = False) -> LearnedPost:
    """Find and load the first upscaler and interpolator of weights.toml that are here, onto
    `device` (the tests load them on the CPU); with `require_all`, EngineUnavailable naming
    where each missing file is looked for."""
    from video.learned.interpolate import Interpolator
    from video.learned.upscale import Upscaler

    entries = load_weights_list(weights_file)
    found = {task: first_found(entries, task, Path(cache_dir), hub_cache)
             for task in ("upscale", "interpolate")}
    missing = [task for task, hit in found.items() if hit is None]
    if require_all and missing:
        raise EngineUnavailable(
            "learned post-production is on but its weights are missing: " + "; ".join(
                f"{task}: put {_wanted(entries, task, Path(cache_dir))}" for task in missing))
    with loading_model("learned post-production"):  # one load at a time (model_loading.py)
        upscaler = Upscaler.load(*found["upscale"], device) if found["upscale"] else None
        interpolator = Interpolator.load(*found["interpolate"], device) \
            if found["interpolate"] else None
    return LearnedPost(upscaler, interpolator)


def _wanted(entries: tuple[WeightsInfo, ...], task: str, cache_dir: Path) -> str:
    wanted = [info.where(cache_dir) for info in entries if info.task == task]
    return " or ".join(wanted) if wanted else f"a [[weights]] entry with task = \"{task}\""
