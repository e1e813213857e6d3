"""The `tiny` engine: CogVideoX pipelines with random weights, for tests and demos.

The pipelines are built from small configurations once, written with `save_pretrained`
into the cache folder, and loaded back by the very loader the `cogvideox` engine uses.
Their output is noise, so every clip is labelled a test pattern.

With `real_size=True` the clip is then stretched to what the model it stands in for
renders (CogVideoX 1.0: 720×480, 49 frames for the tiny's 96×64, 9), so an end-to-end run
here gives post-production the work a user's clip gives it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from errors import InputError
from video.engines.base import EngineSettings
from video.engines.cogvideox import CogVideoXEngine
from video.engines.registry import ModelInfo, find_model
from video.types import Clip, GenerationRequest, OnStep

# Bump when the recipe below changes, so old folders are not reused.
RECIPE = "v2"
_SEED = 0
# A small English vocabulary for the tokenizer. A word outside it is two tokens ("▁" and
# <unk>), so counts stay near T5's and the engine's "longer than the encoder reads"
# warning means on tiny what it means on CogVideoX. (Spelled out letter by letter, as in
# recipe v1, a 94-word formula prompt the agent estimates at 159 T5 tokens counted 353.)
_WORDS = (
    "a an the of in on at with and to from by over under near slow fast close up wide shot "
    "medium camera dolly pan tilt orbit aerial view lens light sun sunset night morning fog "
    "rain snow wind grass tree forest river sea beach city street mountain sky cloud water "
    "cheetah cat dog bird horse fish girl boy man woman child people car train boat robot "
    "lying running walking flying swimming sitting standing dancing smiling looking gently "
    "soft warm cold golden blue green red white black bright dark cinematic realistic detail "
    "depth field shallow focus motion body fur hair eyes face hands rises falls moves"
).split()


def tiny_model_dir(settings: EngineSettings, info: ModelInfo) -> Path:
    """Where the tiny pipeline for `info` lives; built there on first use."""
    target = Path(settings.cache_dir) / "models" / f"{info.id}-{RECIPE}"
    if not (target / "model_index.json").is_file():
        _build(info, target)
    return target


def _build(info: ModelInfo, target: Path) -> None:
    """Build and save the pipeline, atomically: a half-built folder is never seen."""
    import torch
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXDDIMScheduler,
                           CogVideoXImageToVideoPipeline, CogVideoXPipeline,
                           CogVideoXTransformer3DModel)
    from transformers import T5Config, T5EncoderModel, T5Tokenizer

    torch.manual_seed(_SEED)
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [("▁" + w, -float(i + 1)) for i, w in enumerate(_WORDS)]
    vocab += [("▁", -50.0)] + [(c, -100.0) for c in ",.'-:;"]
    tokenizer = T5Tokenizer(vocab=vocab, extra_ids=0)
    text_encoder = T5EncoderModel(T5Config(
        vocab_size=len(vocab), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8))
    latent_channels = 4
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=4, attention_head_dim=8,
        in_channels=latent_channels * (2 if info.task == "i2v" else 1),
        out_channels=latent_channels, time_embed_dim=2, text_embed_dim=32, num_layers=1,
        sample_width=info.width // 8, sample_height=info.height // 8,
        sample_frames=info.frames, patch_size=2, temporal_compression_ratio=4,
        max_text_seq_length=info.max_tokens)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8), latent_channels=latent_channels, layers_per_block=1,
        norm_num_groups=2, temporal_compression_ratio=4)
    pipeline_class = CogVideoXImageToVideoPipeline if info.task == "i2v" else CogVideoXPipeline
    pipe = pipeline_class(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                          transformer=transformer, scheduler=CogVideoXDDIMScheduler())

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        pipe.save_pretrained(staging)
        try:
            os.rename(staging, target)
        except OSError:
            # Another process finished first; its copy is identical (same seed and recipe).
            if not (target / "model_index.json").is_file():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class TinyEngine(CogVideoXEngine):
    """CogVideoX with random weights on the CPU: seconds per clip, a test pattern."""

    name = "tiny"
    test_pattern = True
    allows_built_models = True

    def __init__(self, settings: EngineSettings, registry=None, *, real_size: bool = False):
        super().__init__(settings, registry, device="cpu")
        self.real_size = real_size  # stretch each clip to the real model's size and length

    def generate(self, request: GenerationRequest, on_step: OnStep | None = None,
                 on_preview=None) -> Clip:
        """Render on the tiny model; with `real_size`, stretch the clip to the real one's."""
        clip = super().generate(request, on_step, on_preview)
        if not self.real_size:
            return clip
        started = time.perf_counter()
        tiny, real = self.model_info(request.task, request.model), self.real_model(request.task)
        frames = stretch(clip.frames, _scaled(len(clip.frames) - 1, real.frames - 1,
                                              tiny.frames - 1) + 1,
                         _even(_scaled(clip.size[0], real.width, tiny.width)),
                         _even(_scaled(clip.size[1], real.height, tiny.height)))
        return replace(clip, frames=frames,
                       timings={**clip.timings, "stretch": time.perf_counter() - started})

    def real_model(self, task: str) -> ModelInfo:
        """The model the tiny one stands in for: the cogvideox engine's default for the task."""
        return find_model(CogVideoXEngine.default_model(self, task), self.registry)

    def default_model(self, task: str) -> str:
        return "tiny-i2v" if task == "i2v" else "tiny"

    def model_info(self, task: str, model: str | None = None) -> ModelInfo:
        info = super().model_info(task, model)
        if info.build != "tiny":
            raise InputError(f"the tiny engine runs only the tiny models, not '{info.id}'")
        return info

    def _source(self, info: ModelInfo) -> Path:
        return tiny_model_dir(self.settings, info)


def stretch(frames: np.ndarray, count: int, width: int, height: int) -> np.ndarray:
    """Frames resized to width×height and resampled to `count` frames in time (each a blend
    of its two nearest), uint8 count×height×width×3."""
    import cv2

    sized = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_LINEAR)
                      for f in frames])
    if count == len(sized) or len(sized) == 1:
        return sized if count == len(sized) else np.repeat(sized, count, axis=0)
    out = np.empty((count, height, width, 3), np.uint8)
    positions = np.linspace(0, len(sized) - 1, count)
    for k, at in enumerate(positions):
        before = min(int(at), len(sized) - 2)
        t = float(at - before)
        out[k] = cv2.addWeighted(sized[before], 1 - t, sized[before + 1], t, 0)
    return out


def _scaled(value: int, real: int, tiny: int) -> int:
    return int(round(value * real / tiny))


def _even(value: int) -> int:
    return value - value % 2
