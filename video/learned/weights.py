"""The learned post-production weights list (weights.toml), validated on load, and where each
file is found: a folder under the app's cache first, then the Hugging Face cache. Nothing is
ever downloaded here; a GPU host fetches the files once, ahead of time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import model_validator

import datafiles
from datafiles import Invalid, Schema, Text, between, fail, one_of, some

WEIGHTS_FILE = Path(__file__).with_name("weights.toml")

TASKS = ("upscale", "interpolate")
UPSCALE_ARCHITECTURES = ("esrgan", "realesrgan-compact")
INTERPOLATE_ARCHITECTURES = ("rife-4.25",)
WEIGHT_SUFFIXES = (".safetensors", ".pth", ".pt", ".pkl", ".ckpt")


@dataclass(frozen=True)
class WeightsInfo:
    """One weights file: what it does, which architecture reads it, where it is looked for."""

    id: str
    task: str
    architecture: str
    scale: int
    filename: str
    hub_id: str | None = None
    licence: str = ""

    def folder_path(self, cache_dir: Path) -> Path:
        """Where a user (or a deploy script) puts the file by hand."""
        return Path(cache_dir) / "learned" / self.id / self.filename

    def where(self, cache_dir: Path) -> str:
        """Where it is looked for, in words (for a message saying it is missing)."""
        places = [str(self.folder_path(cache_dir))]
        if self.hub_id:
            places.append(f"the Hugging Face cache ({self.hub_id}/{self.filename})")
        return " or ".join(places)


class _Weights(Schema):
    """One [[weights]] entry of weights.toml: the fields of WeightsInfo."""

    id: Text
    task: one_of(*TASKS)
    architecture: one_of(*UPSCALE_ARCHITECTURES, *INTERPOLATE_ARCHITECTURES)
    scale: between(1, 8, whole=True)
    filename: Text
    hub_id: Text | None = None
    licence: str = ""

    @model_validator(mode="after")
    def _fits_together(self):
        allowed = UPSCALE_ARCHITECTURES if self.task == "upscale" else INTERPOLATE_ARCHITECTURES
        if self.architecture not in allowed:
            raise Invalid(f"'{self.architecture}' cannot {self.task}; "
                          f"use one of {', '.join(allowed)}", "architecture")
        if self.task == "upscale" and self.scale < 2:
            raise Invalid("an upscaler's scale must be at least 2", "scale")
        if not self.filename.endswith(WEIGHT_SUFFIXES):
            raise Invalid(f"must end with one of {', '.join(WEIGHT_SUFFIXES)}", "filename")
        return self


class _WeightsFile(Schema):
    weights: some(_Weights)


def load_weights_list(path: Path = WEIGHTS_FILE) -> tuple[WeightsInfo, ...]:
    """Every entry, in the file's order; DataFileError naming the file, the entry and the field."""
    seen: set[str] = set()
    entries = []
    for entry in datafiles.load(path, _WeightsFile).weights:
        if entry.id in seen:
            raise fail(datafiles.shown(path), f"[[weights]] '{entry.id}'", "id",
                       "is used by an earlier entry too")
        seen.add(entry.id)
        entries.append(WeightsInfo(**dict(entry)))
    return tuple(entries)


def find_weights(info: WeightsInfo, cache_dir: Path,
                 hub_cache: Path | str | None = None) -> Path | None:
    """The file on this machine, or None: the folder first, then the Hugging Face cache
    (`hub_cache`, else HF_HUB_CACHE / HF_HOME as huggingface_hub reads them). Never
    downloads."""
    folder = info.folder_path(cache_dir)
    if folder.is_file():
        return folder
    if not info.hub_id:
        return None
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(info.hub_id, info.filename,
                                   cache_dir=str(hub_cache) if hub_cache else None)
    # A str is a path; None or the "known missing" sentinel mean it is not there.
    return Path(found) if isinstance(found, str) and Path(found).is_file() else None


def first_found(entries: tuple[WeightsInfo, ...], task: str, cache_dir: Path,
                hub_cache: Path | str | None = None) -> tuple[WeightsInfo, Path] | None:
    """The first entry for `task` whose file is here, with its path."""
    for info in entries:
        if info.task == task:
            path = find_weights(info, cache_dir, hub_cache)
            if path is not None:
                return info, path
    return None


def read_state_dict(path: Path) -> dict:
    """A weights file's tensors on the CPU: .safetensors, or a torch pickle read with
    weights_only (no code runs from the file), unwrapped from BasicSR's params_ema / params
    or a "state_dict" key."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return load_file(str(path), device="cpu")
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("params_ema", "params", "state_dict"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            return state[key]
    if not isinstance(state, dict):
        raise ValueError(f"{path.name} holds a {type(state).__name__}, not a state dict")
    return state
