"""The GPU benchmark's CogVideoX pipelines: published configurations with random weights,
or the real weights when a folder or the Hugging Face cache has them.

Timing does not depend on the values of the weights, so the benchmark needs no download:
bench/gpu_models.toml holds the configurations, this module builds them on a device in the
model's dtype, the same seed giving the same weights every time. Real weights are only needed
to judge how far caching moves a picture worth looking at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datafiles
from datafiles import Flag, Schema, Text, fail, one_of
from errors import InputError
from video.engines.speed import OptionsTable, SpeedOptions, preset_options

SPEC_FILE = Path(__file__).with_name("gpu_models.toml")
_DTYPES = ("float16", "bfloat16", "float32")
_SCHEDULERS = ("CogVideoXDDIMScheduler", "CogVideoXDPMScheduler")
# A few words for the tokenizer; ids only need to stay inside the encoder's vocabulary.
_WORDS = ("a the of in on with and slow close up wide shot camera dolly pan light sunset "
          "grass cheetah lying gently rising falling river city night golden cinematic").split()


@dataclass(frozen=True)
class PipelineSpec:
    """One pipeline's published configuration."""

    name: str
    dtype: str
    text_encoder: dict
    transformer: dict
    vae: dict
    scheduler: str
    scheduler_config: dict
    use_dynamic_cfg: bool
    registry_id: str | None = None


@dataclass(frozen=True)
class Variant:
    """A fast-path combination the benchmark measures against the baseline."""

    name: str
    options: SpeedOptions = field(default_factory=SpeedOptions)
    preset: str | None = None  # adapted to the machine, as the engine adapts presets


class _Model(Schema):
    dtype: one_of(*_DTYPES)
    text_encoder: Text  # a [text_encoder.NAME] of the file
    scheduler: one_of(*_SCHEDULERS)
    use_dynamic_cfg: Flag
    transformer: dict[str, Any]
    vae: dict[str, Any]
    scheduler_config: dict[str, Any]
    registry_id: Text | None = None


class _Variant(OptionsTable):
    preset: Text | None = None  # a preset of video/engines/speed_presets.toml instead


class _SpecFile(Schema):
    text_encoder: dict[str, dict[str, Any]] = {}
    model: dict[str, _Model] = {}
    variant: dict[str, _Variant] = {}


def load_specs(path: Path = SPEC_FILE) -> tuple[dict[str, PipelineSpec], dict[str, Variant]]:
    """The pipelines and variants of the spec file, checked; DataFileError names the bad
    entry and key."""
    data, file = datafiles.load(path, _SpecFile), datafiles.shown(path)
    pipelines = {}
    for name, entry in data.model.items():
        if entry.text_encoder not in data.text_encoder:
            raise fail(file, f"[model] '{name}'", "text_encoder",
                       f"no [text_encoder.{entry.text_encoder}]")
        pipelines[name] = PipelineSpec(
            name=name, dtype=entry.dtype, text_encoder=data.text_encoder[entry.text_encoder],
            transformer=entry.transformer, vae=entry.vae, scheduler=entry.scheduler,
            scheduler_config=entry.scheduler_config, use_dynamic_cfg=entry.use_dynamic_cfg,
            registry_id=entry.registry_id)
    variants = {}
    for name, entry in data.variant.items():
        try:
            options = preset_options(entry.preset) if entry.preset else entry.options()
        except InputError as exc:  # an unknown preset
            raise fail(file, f"[variant] '{name}'", "preset", str(exc)) from exc
        variants[name] = Variant(name, options, entry.preset)
    if "baseline" not in variants or variants["baseline"].options != SpeedOptions():
        raise fail(file, "[variant] 'baseline'", "", "must exist and set nothing")
    return pipelines, variants


def torch_dtype(name: str):
    """torch.float16 etc. from its name."""
    import torch

    return getattr(torch, name)


def build_tokenizer():
    """A T5 tokenizer over a small vocabulary (the real one would need a download)."""
    from transformers import T5Tokenizer

    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)]
    vocab += [("▁" + w, -float(i + 1)) for i, w in enumerate(_WORDS)]
    vocab += [(c, -100.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789▁,.'-"]
    return T5Tokenizer(vocab=vocab, extra_ids=0)


def _on(device, dtype, seed: int, factory):
    """Build a module directly on the device (no host copy), seeded, in the dtype."""
    import torch

    torch.manual_seed(seed)
    with torch.device(device):
        module = factory()
    # nn.Module.to, not ModelMixin.to: the latter warns about from_pretrained's dtype handling.
    return torch.nn.Module.to(module, dtype=dtype).eval()


def build_text_encoder(spec: PipelineSpec, device="cpu", dtype=None, seed: int = 1):
    from transformers import T5Config, T5EncoderModel

    return _on(device, dtype or torch_dtype(spec.dtype), seed,
               lambda: T5EncoderModel(T5Config(**spec.text_encoder)))


def build_transformer(spec: PipelineSpec, device="cpu", dtype=None, seed: int = 2):
    from diffusers import CogVideoXTransformer3DModel

    return _on(device, dtype or torch_dtype(spec.dtype), seed,
               lambda: CogVideoXTransformer3DModel(**spec.transformer))


def build_vae(spec: PipelineSpec, device="cpu", dtype=None, seed: int = 3):
    from diffusers import AutoencoderKLCogVideoX

    config = {k: tuple(v) if isinstance(v, list) else v for k, v in spec.vae.items()}
    return _on(device, dtype or torch_dtype(spec.dtype), seed,
               lambda: AutoencoderKLCogVideoX(**config))


def build_scheduler(spec: PipelineSpec):
    import diffusers

    return getattr(diffusers, spec.scheduler).from_config(spec.scheduler_config)


def build_pipeline(spec: PipelineSpec, device="cpu", dtype=None):
    """The whole text-to-video pipeline with random weights, on the device."""
    return assemble(RandomWeights(spec, device, dtype))


def assemble(source):
    """A CogVideoXPipeline from a source of components (RandomWeights or RealWeights)."""
    from diffusers import CogVideoXPipeline

    pipe = CogVideoXPipeline(tokenizer=source.tokenizer(), text_encoder=source.text_encoder(),
                             vae=source.vae(), transformer=source.transformer(),
                             scheduler=source.scheduler())
    pipe.set_progress_bar_config(disable=True)
    return pipe


class RandomWeights:
    """Components built from a spec with seeded random weights; each call builds afresh."""

    label = "random weights"

    def __init__(self, spec: PipelineSpec, device="cpu", dtype=None):
        self.spec, self.device, self.dtype = spec, device, dtype or torch_dtype(spec.dtype)

    def tokenizer(self):
        return build_tokenizer()

    def text_encoder(self):
        return build_text_encoder(self.spec, self.device, self.dtype)

    def transformer(self):
        return build_transformer(self.spec, self.device, self.dtype)

    def vae(self):
        return build_vae(self.spec, self.device, self.dtype)

    def scheduler(self):
        return build_scheduler(self.spec)


class RealWeights:
    """Components loaded from a saved pipeline folder; each call loads afresh."""

    label = "real weights"

    def __init__(self, folder: Path, device="cpu", dtype=None):
        self.folder, self.device, self.dtype = Path(folder), device, dtype

    def _load(self, class_name: str, subfolder: str):
        import diffusers
        import transformers

        cls = getattr(diffusers, class_name, None) or getattr(transformers, class_name)
        module = cls.from_pretrained(self.folder, subfolder=subfolder, dtype=self.dtype)
        return module.to(self.device).eval()

    def tokenizer(self):
        from transformers import T5Tokenizer

        return T5Tokenizer.from_pretrained(self.folder, subfolder="tokenizer")

    def text_encoder(self):
        return self._load("T5EncoderModel", "text_encoder")

    def transformer(self):
        return self._load("CogVideoXTransformer3DModel", "transformer")

    def vae(self):
        return self._load("AutoencoderKLCogVideoX", "vae")

    def scheduler(self):
        import diffusers

        config = diffusers.CogVideoXDDIMScheduler.load_config(self.folder, subfolder="scheduler")
        return getattr(diffusers, config["_class_name"]).from_config(config)


def real_weights_folder(spec: PipelineSpec, model_dir: Path | None = None) -> Path | None:
    """The model's pipeline folder in --model-dir or the Hugging Face cache, if present."""
    from video.engines.cogvideox import cached_snapshot
    from video.engines.registry import find_model, load_registry

    if spec.registry_id is None:
        return None
    if model_dir and (Path(model_dir) / spec.registry_id / "model_index.json").is_file():
        return Path(model_dir) / spec.registry_id
    return cached_snapshot(find_model(spec.registry_id, load_registry()))


def parameter_counts(spec: PipelineSpec,
                     components=("text_encoder", "transformer", "vae")) -> dict[str, int]:
    """Parameters per component, counted on the meta device (no memory used)."""
    builders = {"text_encoder": build_text_encoder, "transformer": build_transformer,
                "vae": build_vae}
    return {name: sum(p.numel() for p in builders[name](spec, device="meta").parameters())
            for name in components}
