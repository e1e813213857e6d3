"""Live preview: a rough look at the clip while it renders, for almost nothing.

Every few steps the sampler's current estimate of the finished latents (the scheduler's
`pred_original_sample`, x̂₀) goes through a fixed linear map, latent channels → RGB, fitted
once per VAE by least squares on synthetic colour fields. No VAE decode runs: the preview
is one small matrix product at 1/8 of the size and 1/4 of the frames.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

DEFAULT_EVERY = 5  # steps between previews; 9 previews in a 50-step render


@dataclass(frozen=True)
class Preview:
    """One preview: latent-resolution frames (uint8 T×h×w×3) after `step` of `steps`."""

    step: int
    steps: int
    frames: np.ndarray
    fps: float  # of the preview frames (one per latent frame)


OnPreview = Callable[[Preview], None]


@dataclass(frozen=True)
class LatentProjection:
    """rgb = latent · weights + bias, per latent pixel; rgb in [0, 1]."""

    weights: np.ndarray  # channels × 3
    bias: np.ndarray  # 3

    def to_rgb(self, latents) -> np.ndarray:
        """Latents F×C×h×w (a torch tensor, any device) → uint8 frames F×h×w×3."""
        import torch

        weights = torch.as_tensor(self.weights, device=latents.device, dtype=torch.float32)
        bias = torch.as_tensor(self.bias, device=latents.device, dtype=torch.float32)
        rgb = torch.einsum("fchw,cr->fhwr", latents.float(), weights) + bias
        return (rgb.clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def solve_projection(latents: np.ndarray, colours: np.ndarray) -> LatentProjection:
    """Least-squares fit of colours (N×3) from latent vectors (N×C), with a bias."""
    design = np.concatenate([latents, np.ones((len(latents), 1))], axis=1).astype(np.float64)
    solution, *_ = np.linalg.lstsq(design, colours.astype(np.float64), rcond=None)
    return LatentProjection(weights=solution[:-1].astype(np.float32),
                            bias=solution[-1].astype(np.float32))


def colour_fields(count: int, size: int, seed: int = 0) -> np.ndarray:
    """Smooth random colour images (count×size×size×3, float in [0, 1]) covering the gamut."""
    import cv2

    rng = np.random.default_rng(seed)
    coarse = rng.random((count, 4, 4, 3)).astype(np.float32)
    return np.stack([np.clip(cv2.resize(c, (size, size), interpolation=cv2.INTER_CUBIC), 0, 1)
                     for c in coarse])


def fit_projection(vae, *, images: int = 12, size: int = 64, frames: int = 5) -> LatentProjection:
    """Fit the latent→RGB map of a CogVideoX VAE: encode static colour clips, pool, solve.

    Latents are scaled as the pipeline sees them (× scaling_factor). Each clip repeats one
    image over `frames` frames, so every latent frame (the first, encoded alone, and the
    later ones, each from four frames) targets the same pooled colours.
    """
    import torch
    import torch.nn.functional as F

    pictures = torch.from_numpy(colour_fields(images, size))  # N×H×W×3 in [0, 1]
    clips = (pictures.permute(0, 3, 1, 2)[:, :, None] * 2 - 1).repeat(1, 1, frames, 1, 1)
    param = next(vae.parameters())
    with torch.inference_mode():
        latents = vae.encode(clips.to(param.device, param.dtype)).latent_dist.mode()
    latents = latents.float().cpu() * vae.config.scaling_factor  # N×C×f×h×w
    height, width = latents.shape[-2:]
    pooled = F.adaptive_avg_pool2d(pictures.permute(0, 3, 1, 2), (height, width))  # N×3×h×w
    colours = pooled[:, :, None].expand(-1, -1, latents.shape[2], -1, -1)
    channels = latents.shape[1]
    return solve_projection(latents.permute(0, 2, 3, 4, 1).reshape(-1, channels).numpy(),
                            colours.permute(0, 2, 3, 4, 1).reshape(-1, 3).numpy())


class LivePreview:
    """Hands `on_preview` a preview every `every` steps of one render; counts its own cost."""

    def __init__(self, projection: LatentProjection, on_preview: OnPreview, *, steps: int,
                 fps: float, every: int = DEFAULT_EVERY, seconds: float = 0.0):
        self.projection = projection
        self.on_preview = on_preview
        self.steps = steps
        self.fps = fps
        self.every = max(1, every)
        self.seconds = seconds  # time spent on previews (fitting included when passed in)
        self.count = 0
        self._denoised = None  # the scheduler's latest x̂₀, when watching it

    def due(self, step: int) -> bool:
        """Whether step (1-based) gets a preview; the last step does not (the clip follows)."""
        return step % self.every == 0 and step < self.steps

    def on_step_end(self, step: int, latents) -> None:
        """Called after each step with the pipeline's latents (B×F×C×h×w)."""
        if not self.due(step):
            return
        started = time.perf_counter()
        estimate = self._denoised if self._denoised is not None else latents
        frames = self.projection.to_rgb(estimate[0])
        self.seconds += time.perf_counter() - started
        self.count += 1
        self.on_preview(Preview(step=step, steps=self.steps, frames=frames, fps=self.fps))

    @contextlib.contextmanager
    def watching(self, scheduler) -> Iterator[None]:
        """Record the scheduler's x̂₀ at each step while the render runs.

        Both CogVideoX schedulers return (prev_sample, pred_original_sample); the pipeline
        keeps only the first, so the step method is wrapped on this instance for the render.
        """
        original = scheduler.step

        def step(*args, **kwargs):
            result = original(*args, **kwargs)
            if isinstance(result, tuple) and len(result) > 1:
                self._denoised = result[1]
            else:
                self._denoised = getattr(result, "pred_original_sample", None)
            return result

        scheduler.step = step
        try:
            yield
        finally:
            del scheduler.step  # the class's method shows through again
            self._denoised = None
