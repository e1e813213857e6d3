"""What a GPU run measured, and the rows it reports (bench/gpu.py runs the renders).

`Render` is one render's phases and frames, `VariantResult` one variant's medians; the
rows are the baseline's phases, the live preview's cost, and the finished clip end to end
(render + our post-production) against the 30-second headline.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from bench.quality import psnr, ssim
from bench.timing import Measurement

HEADLINE_S = 30.0  # the reference product: a 6-second 1440×960 clip in about 30 seconds
PREVIEW_BUDGET = 0.05  # the live preview may cost at most 5 % of the render


@dataclass
class Render:
    """Timings of one render, split into its three phases, and its decoded frames."""

    text_s: float
    denoise_s: float
    decode_s: float
    steps: int
    peak_gib: float | None
    frames: np.ndarray = field(repr=False)
    finite: bool = True

    @property
    def total_s(self) -> float:
        return self.text_s + self.denoise_s + self.decode_s


@dataclass
class VariantResult:
    """One variant of one model: medians of its timed renders, and how far it moved the picture."""

    model: str
    variant: str
    options: str
    text_s: float = math.nan
    step_s: float = math.nan
    decode_s: float = math.nan
    total_s: float = math.nan
    first_call_s: float = math.nan
    peak_gib: float | None = None
    speedup: float | None = None
    psnr_db: float | None = None
    ssim: float | None = None
    skipped: str = ""
    dropped: list[str] = field(default_factory=list)  # preset options this machine lacks
    warmup_steps: int = 0  # steps of the untimed warm-up render
    timed_compiles: int = 0  # graphs torch.compile built during the timed renders (should be 0)

    def note(self) -> str:
        parts = [f"{self.step_s:.3f} s/step",
                 f"first call {self.first_call_s:.1f} s ({self.warmup_steps} steps)"]
        if self.timed_compiles:
            parts.append(f"RECOMPILED {self.timed_compiles}× while timed")
        if self.dropped:
            parts.append(f"ran {self.options} ({'; '.join(self.dropped)})")
        if self.speedup is not None:
            parts.insert(0, f"×{self.speedup:.2f} vs baseline")
        parts.append(f"peak {self.peak_gib:.1f} GiB" if self.peak_gib is not None else "peak n/a")
        if self.psnr_db is not None:
            parts.append(f"PSNR {self.psnr_db:.1f} dB, SSIM {self.ssim:.3f}")
        return "; ".join(parts)


def summarise(result: VariantResult, renders: list[Render], baseline: Render | None) -> None:
    """Medians of the renders; ratio and picture distance against the baseline."""
    result.text_s = statistics.median(r.text_s for r in renders)
    result.step_s = statistics.median(r.denoise_s / r.steps for r in renders)
    result.decode_s = statistics.median(r.decode_s for r in renders)
    result.total_s = statistics.median(r.total_s for r in renders)
    peaks = [r.peak_gib for r in renders if r.peak_gib is not None]
    result.peak_gib = max(peaks) if peaks else None
    if baseline is not None:
        result.speedup = baseline.total_s / result.total_s
        if baseline.finite and renders[-1].finite:
            result.psnr_db = psnr(baseline.frames, renders[-1].frames)
            result.ssim = ssim(baseline.frames, renders[-1].frames)


def baseline_rows(model: str, result: VariantResult, label: str) -> list[Measurement]:
    peak = f"peak {result.peak_gib:.1f} GiB" if result.peak_gib is not None else "peak n/a"
    return [Measurement(f"{model} baseline: text encoding", result.text_s, 1, note=label),
            Measurement(f"{model} baseline: per denoising step", result.step_s, 1, note=peak),
            Measurement(f"{model} baseline: VAE decode", result.decode_s, 1)]


def preview_row(pipe, model: str, baseline: Render, args) -> Measurement:
    """What the live preview adds to a baseline render: previews × one latent→RGB projection."""
    import torch

    from video.engines.preview import DEFAULT_EVERY, fit_projection

    started = time.perf_counter()
    projection = fit_projection(pipe.vae)
    fit_s = time.perf_counter() - started
    width, height, frames = args.size
    latent = torch.randn((frames - 1) // 4 + 1, pipe.vae.config.latent_channels, height // 8,
                         width // 8, device=args.device, dtype=pipe.transformer.dtype)
    projection.to_rgb(latent)  # warm
    started = time.perf_counter()
    for _ in range(5):
        projection.to_rgb(latent)
    each = (time.perf_counter() - started) / 5
    count = (args.steps - 1) // DEFAULT_EVERY
    return Measurement(f"{model}: live preview, {count} per render", count * each, 5,
                       target_s=PREVIEW_BUDGET * baseline.total_s,
                       note=f"{each * 1000:.1f} ms each; latent→RGB fit {fit_s:.2f} s once")


def headline_rows(model: str, results: list[VariantResult], baseline: Render | None,
                  args) -> list[Measurement]:
    """Render + post-production of the finished clip, against the 30 s headline."""
    if baseline is None:
        return []
    if args.post_seconds is not None:
        post_s, post_note = args.post_seconds, f"post-production {args.post_seconds:.1f} s (given)"
    else:
        try:
            from bench.director import post_production_seconds

            post_s, post_note = post_production_seconds(baseline.frames, fps=8)
        except ImportError as exc:  # the GPU image lacks a post-production package
            print(f"note: no headline rows: post-production cannot run here ({exc}); "
                  f"pass --post-seconds from `python -m bench director`", file=sys.stderr)
            return []
    width, height, frames = args.size
    rows = []
    for result in results:
        if result.variant in args.headline.split(",") and not result.skipped:
            rows.append(Measurement(
                f"{frames / 8:.0f} s clip at {2 * width}×{2 * height}, end to end "
                f"({model}, {result.variant})", result.total_s + post_s, args.repeats,
                target_s=HEADLINE_S,
                note=f"render {result.total_s:.1f} s + {post_note}"))
    return rows
