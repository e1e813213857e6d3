"""Choose CogVideoX memory savers from the free GPU memory, unless the user chose."""

from __future__ import annotations

from dataclasses import dataclass

from video.engines.registry import ModelInfo

OFFLOAD_MODES = ("auto", "none", "model", "sequential")
TILING_MODES = ("auto", "on", "off")

# VAE decoding of 49 frames at 720×480 without tiling needs this much on top of the model.
_UNTILED_DECODE_GB = 12.0


@dataclass(frozen=True)
class MemoryPlan:
    """How the pipeline is placed: fully on the GPU, offloaded per model or per layer."""

    offload: str  # none | model | sequential
    vae_tiling: bool
    vae_slicing: bool

    def describe(self) -> str:
        """A short label for logs and the UI."""
        saves = [f"offload={self.offload}"]
        if self.vae_tiling:
            saves.append("vae-tiling")
        if self.vae_slicing:
            saves.append("vae-slicing")
        return ", ".join(saves)


def plan_memory(info: ModelInfo, free_gb: float | None, offload: str = "auto",
                vae_tiling: str = "auto") -> MemoryPlan:
    """Pick savers for a model; `free_gb` None means CPU, where none apply."""
    if offload not in OFFLOAD_MODES:
        raise ValueError(f"offload must be one of {OFFLOAD_MODES}")
    if vae_tiling not in TILING_MODES:
        raise ValueError(f"vae_tiling must be one of {TILING_MODES}")
    if free_gb is None:
        chosen = "none" if offload == "auto" else offload
        return MemoryPlan(chosen, vae_tiling == "on", vae_tiling == "on")
    if offload == "auto":
        if free_gb >= info.vram_gb:
            offload = "none"
        elif free_gb >= info.vram_offload_gb:
            offload = "model"
        else:
            offload = "sequential"
    if vae_tiling == "auto":
        tiling = free_gb < info.vram_gb + _UNTILED_DECODE_GB
    else:
        tiling = vae_tiling == "on"
    return MemoryPlan(offload, tiling, tiling)
