"""The `cogvideox` engine: CogVideoX text-to-video and image-to-video through diffusers.

The same class serves the `tiny` engine: only where the weights come from and the device
differ, so the tests exercise the real loading and sampling code.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from errors import EngineUnavailable, InputError
from model_loading import loading_model
from video.engines.base import EngineDefaults, EngineSettings
from video.engines.memory import MemoryPlan, plan_memory
from video.engines.preview import LatentProjection, LivePreview, OnPreview, fit_projection
from video.engines.registry import ModelInfo, find_model, load_registry
from video.engines.speed import AppliedSpeedups, apply_preset
from video.engines.validate import validate_request
from video.types import Clip, GenerationRequest, LoraSpec, OnStep

log = logging.getLogger(__name__)

_DEFAULT_MODELS = {"t2v": "cogvideox-5b", "i2v": "cogvideox-5b-i2v"}


@dataclass
class LoadedPipeline:
    """A pipeline in memory, with how it was placed and which LoRA it carries."""

    pipe: object
    info: ModelInfo
    plan: MemoryPlan
    device: str
    speed: AppliedSpeedups
    lora: LoraSpec | None = None
    preview: LatentProjection | None = None  # fitted on the first live preview


def cached_snapshot(info: ModelInfo) -> Path | None:
    """The model's folder in the Hugging Face cache, if any of its hub ids is there."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    for repo_id in info.sources:
        try:
            return Path(snapshot_download(repo_id, local_files_only=True))
        except (LocalEntryNotFoundError, OSError):
            continue
    return None


class CogVideoXEngine:
    """Renders with CogVideoX pipelines, loaded lazily and kept for the process's life."""

    name = "cogvideox"
    capabilities = frozenset({"t2v", "i2v"})
    test_pattern = False
    previews = True  # generate() takes on_preview

    def __init__(self, settings: EngineSettings, registry: dict[str, ModelInfo] | None = None,
                 device: str | None = None):
        self.settings = settings
        self.registry = registry if registry is not None else load_registry()
        self.device = device or self._cuda_device()
        self._loaded: dict[str, LoadedPipeline] = {}

    # --- what it renders -------------------------------------------------------------------

    def default_model(self, task: str) -> str:
        """The registry id used for a task when the request names none."""
        return _DEFAULT_MODELS[task]

    def model_info(self, task: str, model: str | None = None) -> ModelInfo:
        """The registry entry for a task, checked to be of that task."""
        info = find_model(model or self.default_model(task), self.registry)
        if info.task != task:
            other = "a photo" if info.task == "i2v" else "no photo"
            raise InputError(f"model '{info.id}' is for {info.task} and needs {other}; "
                             f"choose a {task} model")
        if info.build and not self.allows_built_models:
            raise InputError(f"model '{info.id}' is a random-weight test model; use --engine tiny")
        return info

    allows_built_models = False

    def defaults(self, task: str, model: str | None = None) -> EngineDefaults:
        """Native size, frames, fps and sampler settings of the chosen model."""
        info = self.model_info(task, model)
        return EngineDefaults(model=info.id, width=info.width, height=info.height,
                              frames=info.frames, fps=info.fps, steps=info.steps,
                              guidance=info.guidance, max_tokens=info.max_tokens,
                              max_frames=info.max_frames, fixed_size=info.fixed_size)

    # --- the story of one render -----------------------------------------------------------

    def generate(self, request: GenerationRequest, on_step: OnStep | None = None,
                 on_preview: OnPreview | None = None) -> Clip:
        """Render a request: validate, load, condition, sample, return uint8 frames.

        on_preview(Preview), when given, gets a cheap look at the clip every
        settings.preview_every steps; like on_step it may raise to cancel.
        """
        import torch

        # 1. Check the request against what the model accepts.
        info = self.model_info(request.task, request.model)
        validate_request(request, info)
        timings: dict[str, float] = {}

        # 2. Load (once per process) and put the style's LoRA in place.
        started = time.perf_counter()
        loaded = self._pipeline(info)
        self._apply_lora(loaded, request.lora)
        timings["load"] = time.perf_counter() - started

        # 3. Warn, never cut silently, when the prompt is longer than the encoder reads.
        warnings = self._token_warnings(loaded, request.prompt, info.max_tokens)

        # 4. Sample. A CPU generator makes a seed give the same noise on every device.
        started = time.perf_counter()
        preview = self._live_preview(loaded, request, on_preview)
        generator = torch.Generator(device="cpu").manual_seed(request.seed)
        kwargs = dict(prompt=request.prompt, negative_prompt=request.negative_prompt or None,
                      height=request.height, width=request.width, num_frames=request.frames,
                      num_inference_steps=request.steps, guidance_scale=request.guidance,
                      generator=generator, output_type="np",
                      max_sequence_length=info.max_tokens,
                      callback_on_step_end=_step_callback(on_step, request.steps, preview),
                      use_dynamic_cfg=info.scheduler == "CogVideoXDPMScheduler")
        if request.image is not None:
            kwargs["image"] = request.image.convert("RGB").resize((request.width, request.height))
        with (torch.inference_mode(), loaded.speed.around_call(loaded.pipe),
              _watching(preview, loaded.pipe)):
            output = loaded.pipe(**kwargs)
        timings["generate"] = time.perf_counter() - started
        if preview is not None:
            timings["preview"] = preview.seconds  # part of generate; must stay under 5 %

        # 5. Float frames in [0, 1] → uint8, the type every later step speaks.
        frames = np.clip(np.rint(output.frames[0] * 255.0), 0, 255).astype(np.uint8)
        return Clip(frames=frames, fps=request.fps, engine=self.name, model=info.id,
                    timings=timings, warnings=warnings, test_pattern=self.test_pattern)

    # --- loading ---------------------------------------------------------------------------

    def _pipeline(self, info: ModelInfo) -> LoadedPipeline:
        if info.id not in self._loaded:
            with loading_model(info.id):  # one load at a time in a process (model_loading.py)
                self._loaded[info.id] = self._load(info)
        return self._loaded[info.id]

    def _load(self, info: ModelInfo) -> LoadedPipeline:
        import torch
        from diffusers import CogVideoXImageToVideoPipeline, CogVideoXPipeline

        source = self._source(info)
        pipeline_class = CogVideoXImageToVideoPipeline if info.task == "i2v" else CogVideoXPipeline
        dtype = getattr(torch, info.dtype) if self.device != "cpu" else torch.float32
        log.info("loading %s from %s (%s on %s)", info.id, source, dtype, self.device)
        _quiet_library_progress_bars()
        pipe = pipeline_class.from_pretrained(str(source), dtype=dtype)
        pipe.set_progress_bar_config(disable=True)

        plan = plan_memory(info, self._free_gpu_gb(), self.settings.offload, self.settings.vae_tiling)
        if plan.offload == "model":
            pipe.enable_model_cpu_offload(device=self.device)
        elif plan.offload == "sequential":
            pipe.enable_sequential_cpu_offload(device=self.device)
        else:
            pipe.to(self.device)
        if plan.vae_tiling:
            pipe.vae.enable_tiling()
        if plan.vae_slicing:
            pipe.vae.enable_slicing()
        speed = apply_preset(pipe, self.settings.speed, self.device)
        log.info("%s placed: %s; speed: %s", info.id, plan.describe(), speed.describe())
        return LoadedPipeline(pipe=pipe, info=info, plan=plan, device=self.device, speed=speed)

    def _source(self, info: ModelInfo) -> Path | str:
        """A local folder first (--model-dir), then the HF cache, then the hub itself."""
        if self.settings.model_dir:
            local = Path(self.settings.model_dir) / info.id
            if (local / "model_index.json").is_file():
                return local
        snapshot = cached_snapshot(info)
        if snapshot is not None:
            return snapshot
        if os.environ.get("HF_HUB_OFFLINE") == "1":
            raise EngineUnavailable(
                f"model '{info.id}' is not in the Hugging Face cache and HF_HUB_OFFLINE=1; "
                f"run `huggingface-cli download {info.hub_id}` on a connected machine")
        return info.hub_id  # from_pretrained downloads it into the cache

    def _apply_lora(self, loaded: LoadedPipeline, lora: LoraSpec | None) -> None:
        """Load the requested LoRA, unloading a different one first. A LoRA that cannot be
        loaded (missing, not a LoRA, or made for another model: a RuntimeError of mismatched
        shapes) is an InputError, and no half-loaded adapter stays behind."""
        if loaded.lora == lora:
            return
        if loaded.lora is not None:
            loaded.pipe.unload_lora_weights()
            loaded.lora = None
        if lora is not None and loaded.speed.options.fuse_qkv:
            # The fused processor reads to_qkv: a LoRA on to_q/to_k/to_v would reach only
            # to_out, and the picture would be neither the base nor the style.
            raise InputError(f"speed preset '{self.settings.speed}' fuses the QKV projections, "
                             f"which style LoRAs cannot reach; choose a preset without fuse_qkv")
        if lora is not None:
            try:
                with loading_model(f"LoRA {lora.source}"):
                    loaded.pipe.load_lora_weights(lora.source, weight_name=lora.weight_name,
                                                  adapter_name=lora.adapter_name)
                loaded.pipe.set_adapters([lora.adapter_name], [lora.scale])
            except (OSError, ValueError, RuntimeError) as exc:
                loaded.pipe.unload_lora_weights()
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                reason = "its weights do not fit this model (made for another one?)" if (
                    "size mismatch" in str(exc)) else (lines[0] if lines else type(exc).__name__)
                raise InputError(f"cannot load LoRA '{lora.source}' into model "
                                 f"'{loaded.info.id}': {reason}") from exc
            loaded.lora = lora

    def _live_preview(self, loaded: LoadedPipeline, request: GenerationRequest,
                      on_preview: OnPreview | None) -> LivePreview | None:
        """A preview for this render, fitting the VAE's latent→RGB map on first use."""
        if on_preview is None:
            return None
        started = time.perf_counter()
        if loaded.preview is None:
            loaded.preview = fit_projection(loaded.pipe.vae)
        return LivePreview(loaded.preview, on_preview, steps=request.steps,
                           fps=request.fps / loaded.pipe.vae_scale_factor_temporal,
                           every=self.settings.preview_every,
                           seconds=time.perf_counter() - started)

    @staticmethod
    def _token_warnings(loaded: LoadedPipeline, prompt: str, max_tokens: int) -> list[str]:
        count = len(loaded.pipe.tokenizer(prompt, add_special_tokens=True).input_ids)
        if count <= max_tokens:
            return []
        return [f"The prompt is {count} tokens long; the text encoder reads only the first "
                f"{max_tokens}, so its end is ignored. Shorten it to keep every detail."]

    # --- the machine -----------------------------------------------------------------------

    @staticmethod
    def _cuda_device() -> str:
        import torch

        if not torch.cuda.is_available():
            raise EngineUnavailable(
                "the cogvideox engine needs a CUDA GPU and none was found; set ZHIPUAI_API_KEY "
                "for the cloud engine, or use --engine tiny for a test pattern")
        return "cuda"

    def _free_gpu_gb(self) -> float | None:
        if self.device == "cpu":
            return None
        import torch

        free, _total = torch.cuda.mem_get_info()
        return free / 2**30


def _quiet_library_progress_bars() -> None:
    """Loading bars from diffusers would garble our own progress output."""
    from diffusers.utils import logging as diffusers_logging

    diffusers_logging.disable_progress_bar()


def _step_callback(on_step: OnStep | None, steps: int,
                   preview: LivePreview | None = None) -> Callable | None:
    """Adapt on_step(i, n) and the preview to diffusers' callback_on_step_end."""
    if on_step is None and preview is None:
        return None

    def callback(pipe, step_index, timestep, callback_kwargs):
        if on_step is not None:
            on_step(step_index + 1, steps)
        if preview is not None:
            preview.on_step_end(step_index + 1, callback_kwargs["latents"])
        return callback_kwargs

    return callback


def _watching(preview: LivePreview | None, pipe):
    """While sampling, let the preview see the scheduler's estimate of the clean latents."""
    return preview.watching(pipe.scheduler) if preview is not None else contextlib.nullcontext()
