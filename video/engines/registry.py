"""The CogVideoX model registry, read from models.toml and validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, model_validator

import datafiles
from datafiles import Flag, Invalid, Number, Schema, Text, Texts, Whole, fail, one_of, some
from errors import InputError

REGISTRY_FILE = Path(__file__).with_name("models.toml")

_TASKS = ("t2v", "i2v")
_DTYPES = ("float16", "bfloat16", "float32")
_SCHEDULERS = ("CogVideoXDDIMScheduler", "CogVideoXDPMScheduler")


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


def _multiple_of_16(value: int) -> int:
    if value % 16:
        raise ValueError(f"must be a multiple of 16, got {value}")
    return value


_Side = Annotated[Whole, AfterValidator(_multiple_of_16)]


class _Model(Schema):
    """One [[model]] of models.toml: the fields of ModelInfo."""

    id: Text
    task: one_of(*_TASKS)
    width: _Side
    height: _Side
    frames: Whole
    max_frames: Whole
    fps: Whole
    fixed_size: Flag
    dtype: one_of(*_DTYPES)
    scheduler: one_of(*_SCHEDULERS)
    guidance: Number
    steps: Whole
    max_tokens: Whole
    vram_gb: Number
    vram_offload_gb: Number
    hub_id: Text | None = None
    aliases: Texts = ()
    build: Text | None = None

    @model_validator(mode="after")
    def _fits_together(self):
        if not self.hub_id and not self.build:
            raise Invalid("needs hub_id or build", "hub_id")
        if (self.frames - 1) % 4 or self.frames > self.max_frames:
            raise Invalid("must be 4k+1 and at most max_frames", "frames")
        return self


class _RegistryFile(Schema):
    model: some(_Model)


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, ModelInfo]:
    """All models by id; DataFileError naming the file, the model and the key."""
    by_id: dict[str, ModelInfo] = {}
    for model in datafiles.load(path, _RegistryFile).model:
        if model.id in by_id:
            raise fail(datafiles.shown(path), f"[[model]] '{model.id}'", "id",
                       "is used by an earlier model too")
        by_id[model.id] = ModelInfo(**dict(model))
    return by_id


def find_model(model_id: str, registry: dict[str, ModelInfo]) -> ModelInfo:
    """The model with this id, or an InputError listing the known ids."""
    try:
        return registry[model_id.lower()]
    except KeyError:
        known = ", ".join(sorted(registry))
        raise InputError(f"unknown model '{model_id}'; known models: {known}") from None
