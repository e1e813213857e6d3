"""Fast-path options for the CogVideoX pipelines, and the `--speed` presets that pick them.

Every option is off by default, which is diffusers' own behaviour. `apply_speedups` turns
the chosen ones on in the one order that works — fuse QKV, quantize, caching hooks, compile —
and returns what it did, with the attention-kernel context the engine enters around each call
(CogVideoX's attention processor calls `F.scaled_dot_product_attention` directly, so
diffusers' `set_attention_backend` does nothing for it; `sdpa_kernel` does).

Options this machine cannot run are refused with a reason (`SpeedupUnavailable`); presets go
through `adapt_to_machine` first, which drops them and says why. Presets are data:
speed_presets.toml. Figures behind them: bench/README.md (`python -m bench gpu`).

Import is light (no torch): app.py reads the preset names for its `--speed` flag.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ContextManager, Iterator

from pydantic import model_validator

import datafiles
from datafiles import AnyText, Flag, Invalid, Number, Schema, Whole, fail, one_of
from errors import EngineUnavailable, InputError

log = logging.getLogger(__name__)

PRESETS_FILE = Path(__file__).with_name("speed_presets.toml")
DEFAULT_PRESET = "quality"

COMPILE_SCOPES = ("off", "blocks", "whole")
COMPILE_MODES = ("default", "max-autotune-no-cudagraphs", "max-autotune", "reduce-overhead")
CUDA_GRAPH_MODES = ("max-autotune", "reduce-overhead")  # inductor captures CUDA graphs in these
ATTENTION_KERNELS = ("auto", "math", "flash", "efficient", "cudnn")
CUDA_ONLY_KERNELS = ("efficient", "cudnn")
CACHES = ("none", "first-block", "faster", "pyramid")
QUANTIZATIONS = ("none", "int8", "int8-dynamic", "fp8")
FP8_MIN_CAPABILITY = (8, 9)  # Ada / Hopper: the first GPUs with FP8 tensor cores
TORCHAO_REQUIREMENT = "torchao==0.18.0"


class SpeedupUnavailable(EngineUnavailable):
    """A fast-path option this machine cannot run; the message says why."""


@dataclass(frozen=True)
class SpeedOptions:
    """Which fast-path options to turn on. The defaults are diffusers' defaults."""

    compile: str = "off"  # off | blocks (each transformer block: quick to compile) | whole
    compile_mode: str = "default"  # torch.compile mode; max-autotune/reduce-overhead add CUDA graphs
    compile_vae: bool = False  # also compile the VAE decoder
    fuse_qkv: bool = False  # one matmul for Q, K and V (published: no gain, +2 GB)
    attention: str = "auto"  # scaled_dot_product_attention kernel; auto lets PyTorch choose
    cache: str = "none"  # diffusers caching hook: first-block | faster | pyramid
    cache_threshold: float = 0.05  # first-block: reuse the rest when the first block moved less
    cache_skip_range: int = 2  # faster/pyramid: recompute attention every N steps
    cache_timesteps: tuple[int, int] | None = None  # faster/pyramid: where skipping is allowed
    quantize: str = "none"  # torchao weights: int8 (weight-only) | int8-dynamic | fp8

    def __post_init__(self) -> None:
        for name, allowed in (("compile", COMPILE_SCOPES), ("compile_mode", COMPILE_MODES),
                              ("attention", ATTENTION_KERNELS), ("cache", CACHES),
                              ("quantize", QUANTIZATIONS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; "
                                 f"got {getattr(self, name)!r}")
        if not 0.0 < self.cache_threshold < 1.0:
            raise ValueError(f"cache_threshold must be between 0 and 1; got {self.cache_threshold}")
        if not isinstance(self.cache_skip_range, int) or self.cache_skip_range < 2:
            raise ValueError(f"cache_skip_range must be an integer ≥ 2; got {self.cache_skip_range}")
        if self.cache_timesteps is not None:
            low, high = self.cache_timesteps
            if not -1 <= low < high <= 1000:
                raise ValueError(f"cache_timesteps must be (low, high) with -1 ≤ low < high ≤ 1000; "
                                 f"got {self.cache_timesteps}")

    @property
    def cuda_graphs(self) -> bool:
        """True when the compile mode captures CUDA graphs."""
        return self.compile != "off" and self.compile_mode in CUDA_GRAPH_MODES

    def describe(self) -> str:
        """A short label for logs, bench rows and the UI."""
        parts = []
        if self.compile != "off":
            parts.append(f"compile={self.compile}/{self.compile_mode}")
        if self.compile_vae:
            parts.append("compile-vae")
        if self.fuse_qkv:
            parts.append("fused-qkv")
        if self.attention != "auto":
            parts.append(f"attention={self.attention}")
        if self.cache == "first-block":
            parts.append(f"cache=first-block({self.cache_threshold:g})")
        elif self.cache != "none":
            parts.append(f"cache={self.cache}(every {self.cache_skip_range})")
        if self.quantize != "none":
            parts.append(f"quantize={self.quantize}")
        return ", ".join(parts) or "diffusers defaults"


@dataclass(frozen=True)
class Machine:
    """What the fast path can use here: the device, the GPU's generation, torchao."""

    device: str  # "cpu" or "cuda"
    capability: tuple[int, int] | None = None  # CUDA compute capability, e.g. (9, 0) on an H100
    has_torchao: bool = False

    @classmethod
    def detect(cls, device: str) -> "Machine":
        """Look at the real machine for a device string such as 'cuda' or 'cpu'."""
        import torch

        kind = "cuda" if str(device).startswith("cuda") else "cpu"
        capability = tuple(torch.cuda.get_device_capability(device)) if kind == "cuda" else None
        return cls(kind, capability, importlib.util.find_spec("torchao") is not None)


def unsupported(options: SpeedOptions, machine: Machine,
                blocks: int | None = None) -> dict[str, str]:
    """Option name → why this machine (or a model of `blocks` blocks) cannot run it."""
    reasons: dict[str, str] = {}
    if options.cache == "first-block" and blocks is not None and blocks < 2:
        reasons["cache"] = (f"the first-block cache needs at least 2 transformer blocks; "
                            f"this model has {blocks}")
    on_cpu = machine.device != "cuda"
    if options.attention in CUDA_ONLY_KERNELS and on_cpu:
        reasons["attention"] = f"the '{options.attention}' attention kernel needs a CUDA GPU"
    if options.cuda_graphs and on_cpu:
        reasons["compile_mode"] = (f"compile mode '{options.compile_mode}' captures CUDA graphs, "
                                   f"which need a CUDA GPU")
    if options.quantize == "fp8":
        if on_cpu:
            reasons["quantize"] = "fp8 weights need a CUDA GPU with compute capability ≥ 8.9"
        elif machine.capability is not None and machine.capability < FP8_MIN_CAPABILITY:
            major, minor = machine.capability
            reasons["quantize"] = (f"fp8 weights need compute capability ≥ 8.9 (Ada, Hopper); "
                                   f"this GPU has {major}.{minor}")
    if options.quantize != "none" and "quantize" not in reasons and not machine.has_torchao:
        reasons["quantize"] = (f"{options.quantize} weights need torchao, which is not installed: "
                               f"pip install {TORCHAO_REQUIREMENT}")
    return reasons


def adapt_to_machine(options: SpeedOptions, machine: Machine,
                     blocks: int | None = None) -> tuple[SpeedOptions, list[str]]:
    """The options with what this machine cannot run set back to default, and why."""
    reasons = unsupported(options, machine, blocks)
    if not reasons:
        return options, []
    defaults = SpeedOptions()
    adapted = replace(options, **{name: getattr(defaults, name) for name in reasons})
    return adapted, [f"{reason}; skipped" for reason in reasons.values()]


@dataclass
class AppliedSpeedups:
    """What apply_speedups did to a pipeline, and the context each call runs in."""

    options: SpeedOptions
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # reasons, when adapted from a preset

    @contextlib.contextmanager
    def around_call(self, pipe) -> Iterator[None]:
        """Enter around each pipeline call: the chosen SDPA kernel, and clean cache state after.

        diffusers resets caching hooks only when a call finishes; a render cancelled from
        its step callback would leave stale state for the next one.
        """
        try:
            with self.attention():
                yield
        finally:
            if self.options.cache != "none":
                pipe.transformer._reset_stateful_cache()

    def attention(self) -> ContextManager:
        """Restricts scaled_dot_product_attention to the chosen kernel (auto: no restriction)."""
        if self.options.attention == "auto":
            return contextlib.nullcontext()
        from torch.nn.attention import SDPBackend, sdpa_kernel

        backend = {"math": SDPBackend.MATH, "flash": SDPBackend.FLASH_ATTENTION,
                   "efficient": SDPBackend.EFFICIENT_ATTENTION,
                   "cudnn": SDPBackend.CUDNN_ATTENTION}[self.options.attention]
        return sdpa_kernel([backend])

    def describe(self) -> str:
        """The options in force, for logs."""
        return self.options.describe()


def apply_speedups(pipe, options: SpeedOptions, machine: Machine | None = None) -> AppliedSpeedups:
    """Turn the options on for a placed pipeline (after .to(device) or offload).

    Raises SpeedupUnavailable when this machine cannot run one of them. Compilation
    happens lazily, on the first call at each new size.
    """
    machine = machine or Machine.detect(str(pipe.transformer.device))
    reasons = unsupported(options, machine, _blocks(pipe))
    if reasons:
        raise SpeedupUnavailable("; ".join(reasons.values()))
    applied = AppliedSpeedups(options)
    transformer = pipe.transformer
    # Order matters: fused weights are what gets quantized, and hooks must be in place
    # before compile traces through them.
    if options.fuse_qkv:
        pipe.fuse_qkv_projections()
        applied.done.append("fused QKV projections")
    if options.quantize != "none":
        _quantize(transformer, options.quantize)
        applied.done.append(f"{options.quantize} weights (torchao)")
    if options.cache != "none":
        transformer.enable_cache(cache_config(pipe, options))
        applied.done.append(f"{options.cache} cache")
    if options.compile != "off":
        _compile_transformer(transformer, options)
        applied.done.append(f"compiled transformer ({options.compile}, {options.compile_mode})")
    if options.compile_vae:
        # CUDA graphs would pin the decoder's frame-batch caches; compile it without them.
        mode = {"max-autotune": "max-autotune-no-cudagraphs",
                "reduce-overhead": "default"}.get(options.compile_mode, options.compile_mode)
        pipe.vae.decoder.compile(mode=None if mode == "default" else mode)
        applied.done.append("compiled VAE decoder")
    if options.attention != "auto":
        applied.done.append(f"{options.attention} attention kernel")
    return applied


def cache_config(pipe, options: SpeedOptions):
    """The diffusers cache config for the chosen hook, with CogVideoX's tensor layout."""
    from diffusers.hooks import (FasterCacheConfig, FirstBlockCacheConfig,
                                 PyramidAttentionBroadcastConfig)

    if options.cache == "first-block":
        return FirstBlockCacheConfig(threshold=options.cache_threshold)

    def timestep():
        return pipe.current_timestep

    if options.cache == "pyramid":
        return PyramidAttentionBroadcastConfig(
            spatial_attention_block_skip_range=options.cache_skip_range,
            spatial_attention_timestep_skip_range=options.cache_timesteps or (100, 800),
            current_timestep_callback=timestep)
    # FasterCache as diffusers documents it for CogVideoX: hidden states are B×F×C×H×W.
    return FasterCacheConfig(
        spatial_attention_block_skip_range=options.cache_skip_range,
        spatial_attention_timestep_skip_range=options.cache_timesteps or (-1, 681),
        current_timestep_callback=timestep, attention_weight_callback=lambda _: 0.3,
        unconditional_batch_skip_range=5, unconditional_batch_timestep_skip_range=(-1, 781),
        tensor_format="BFCHW")


def _blocks(pipe) -> int:
    return len(pipe.transformer.transformer_blocks)


def _quantize(transformer, kind: str) -> None:
    """Quantize the transformer's linear weights in place with torchao."""
    from torchao.quantization import (Float8DynamicActivationFloat8WeightConfig,
                                      Int8DynamicActivationInt8WeightConfig, Int8WeightOnlyConfig,
                                      quantize_)

    config = {"int8": Int8WeightOnlyConfig, "int8-dynamic": Int8DynamicActivationInt8WeightConfig,
              "fp8": Float8DynamicActivationFloat8WeightConfig}[kind]()
    quantize_(transformer, config)


def _compile_transformer(transformer, options: SpeedOptions) -> None:
    # `compile_repeated_blocks` raises for CogVideoX, so regional compilation is done by
    # hand: every block shares one compiled graph, which compiles far faster than the whole.
    mode = None if options.compile_mode == "default" else options.compile_mode
    if options.compile == "blocks":
        for block in transformer.transformer_blocks:
            block.compile(mode=mode)
    else:
        transformer.compile(mode=mode)


# --- presets -------------------------------------------------------------------------------

@dataclass(frozen=True)
class SpeedPreset:
    """A named combination of options, with why it was chosen."""

    name: str
    summary: str
    options: SpeedOptions
    evidence: str = ""


class OptionsTable(Schema):
    """SpeedOptions as a data file writes them: a [preset] of speed_presets.toml, a bench
    variant. A key left out keeps the option's default."""

    compile: one_of(*COMPILE_SCOPES) = "off"
    compile_mode: one_of(*COMPILE_MODES) = "default"
    compile_vae: Flag = False
    fuse_qkv: Flag = False
    attention: one_of(*ATTENTION_KERNELS) = "auto"
    cache: one_of(*CACHES) = "none"
    cache_threshold: Number = 0.05
    cache_skip_range: Whole = 2
    cache_timesteps: tuple[Whole, Whole] | None = None
    quantize: one_of(*QUANTIZATIONS) = "none"

    @model_validator(mode="after")
    def _options_fit(self):
        try:
            self.options()
        except ValueError as exc:  # SpeedOptions' own checks: "cache_threshold must be …"
            name = str(exc).split()[0]
            raise Invalid(str(exc).removeprefix(f"{name} "), name) from None
        return self

    def options(self) -> SpeedOptions:
        """The options the table sets, the others at their defaults."""
        names = {f for f in self.model_fields_set if f in SpeedOptions.__dataclass_fields__}
        return SpeedOptions(**{name: getattr(self, name) for name in names})


class _Preset(OptionsTable):
    summary: AnyText
    evidence: AnyText = ""


def load_presets(path: Path = PRESETS_FILE) -> dict[str, SpeedPreset]:
    """Every preset by name; DataFileError naming the file, preset and key."""
    presets = {name: SpeedPreset(name, table.summary, table.options(), table.evidence)
               for name, table in datafiles.load(path, dict[str, _Preset]).items()}
    if DEFAULT_PRESET not in presets:
        raise fail(datafiles.shown(path), "", "", f"the default preset [{DEFAULT_PRESET}] is "
                                                  f"missing")
    return presets


def preset_names(path: Path = PRESETS_FILE) -> tuple[str, ...]:
    """The preset names, for the --speed flag's choices."""
    return tuple(load_presets(path))


def preset_options(name: str, path: Path = PRESETS_FILE) -> SpeedOptions:
    """The options of a preset; InputError naming the known presets when unknown."""
    presets = load_presets(path)
    if name not in presets:
        raise InputError(f"unknown speed preset '{name}'; choose one of {', '.join(presets)}")
    return presets[name].options


def apply_preset(pipe, name: str, device: str) -> AppliedSpeedups:
    """Apply a preset, without what this machine cannot run (logged as a warning)."""
    machine = Machine.detect(device)
    options, skipped = adapt_to_machine(preset_options(name), machine, _blocks(pipe))
    for reason in skipped:
        log.warning("speed preset '%s': %s", name, reason)
    applied = apply_speedups(pipe, options, machine)
    applied.skipped = skipped
    return applied
