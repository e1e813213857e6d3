"""The CogVideoX model registry, read from models.toml and validated on load."""

from __future__ import annotations

from files import read_toml
from dataclasses import dataclass, fields
from pathlib import Path

from errors import InputError

REGISTRY_FILE = Path(__file__).with_name("models.toml")

_TASKS = {"t2v", "i2v"}
_DTYPES = {"float16", "bfloat16", "float32"}
_SCHEDULERS = {"CogVideoXDDIMScheduler", "CogVideoXDPMScheduler"}


@dataclass(frozen=True)
class ModelInfo:
    """One model: where its weights live and what it renders natively."""

    id: str
    task: str
    width: int
    height: int
    frames: int
    max_frames: int
    fps: int
    fixed_size: bool
    dtype: str
    scheduler: str
    guidance: float
    steps: int
    max_tokens: int
    vram_gb: float
    vram_offload_gb: float
    hub_id: str | None = None
    aliases: tuple[str, ...] = ()
    build: str | None = None  # "tiny": built locally with random weights

    @property
    def sources(self) -> tuple[str, ...]:
        """Hub ids to look for in the cache, newest name first."""
        return tuple(s for s in (self.hub_id, *self.aliases) if s)


class RegistryError(ValueError):
    """The registry file is malformed; the message names the model and the key."""


def _check(entry: dict, index: int) -> ModelInfo:
    name = entry.get("id", f"#{index + 1}")
    known = {f.name for f in fields(ModelInfo)}
    unknown = set(entry) - known
    if unknown:
        raise RegistryError(f"model {name}: unknown key(s) {sorted(unknown)} in {REGISTRY_FILE.name}")
    required = {"id", "task", "width", "height", "frames", "max_frames", "fps", "fixed_size", "dtype",
                "scheduler", "guidance", "steps", "max_tokens", "vram_gb", "vram_offload_gb"}
    missing = required - set(entry)
    if missing:
        raise RegistryError(f"model {name}: missing key(s) {sorted(missing)} in {REGISTRY_FILE.name}")
    if not entry.get("hub_id") and not entry.get("build"):
        raise RegistryError(f"model {name}: needs hub_id or build")
    if entry["task"] not in _TASKS:
        raise RegistryError(f"model {name}: task must be one of {sorted(_TASKS)}")
    if entry["dtype"] not in _DTYPES:
        raise RegistryError(f"model {name}: dtype must be one of {sorted(_DTYPES)}")
    if entry["scheduler"] not in _SCHEDULERS:
        raise RegistryError(f"model {name}: scheduler must be one of {sorted(_SCHEDULERS)}")
    for key in ("width", "height"):
        if not isinstance(entry[key], int) or entry[key] % 16:
            raise RegistryError(f"model {name}: {key} must be a multiple of 16")
    if (entry["frames"] - 1) % 4 or entry["frames"] > entry["max_frames"]:
        raise RegistryError(f"model {name}: frames must be 4k+1 and at most max_frames")
    entry = dict(entry, aliases=tuple(entry.get("aliases", ())))
    return ModelInfo(**entry)


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, ModelInfo]:
    """All models by id; raises RegistryError naming the bad entry."""
    data = read_toml(path, RegistryError)
    models = [_check(e, i) for i, e in enumerate(data.get("model", []))]
    by_id = {m.id: m for m in models}
    if len(by_id) != len(models):
        raise RegistryError(f"{path.name}: duplicate model ids")
    return by_id


def find_model(model_id: str, registry: dict[str, ModelInfo]) -> ModelInfo:
    """The model with this id, or an InputError listing the known ids."""
    try:
        return registry[model_id.lower()]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise InputError(f"unknown model '{model_id}'; known models: {known}") from None
