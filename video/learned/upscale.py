"""The learned 2× upscaler: a Real-ESRGAN-class network run over a clip in tiles.

The network comes through spandrel where it imports (it detects the architecture and its
sizes from the file), else from video/learned/esrgan.py, which names every key as the
published files do. Frames go through in tiles with an overlap, so a 1440×960 output never
needs the whole picture's activations at once; fp16 on CUDA, fp32 elsewhere.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from video.learned.esrgan import build_from_state_dict
from video.learned.weights import WeightsInfo, read_state_dict

log = logging.getLogger(__name__)

DEFAULT_TILE = 512  # input pixels per tile side: 512² × 64 features fits any CUDA card
DEFAULT_OVERLAP = 24  # context either side of a tile, cropped away after
_SPANDREL_IDS = {"esrgan": "ESRGAN", "realesrgan-compact": "Compact"}


def spandrel_importable() -> bool:
    """Whether spandrel imports here (it needs torchvision, absent beside the CPU wheel)."""
    try:
        import spandrel  # noqa: F401
    except ImportError:
        return False
    return True


def load_network(info: WeightsInfo, path: Path, *, use_spandrel: bool | None = None
                 ) -> nn.Module:
    """The upscaling network with the file's weights, on the CPU in eval mode: spandrel's
    when it imports (or `use_spandrel`), else our own architecture; ValueError when the file
    is not the architecture or scale that weights.toml says."""
    if use_spandrel is None:
        use_spandrel = spandrel_importable()
    if use_spandrel:
        from spandrel import ImageModelDescriptor, ModelLoader

        descriptor = ModelLoader(device="cpu").load_from_file(path)
        if not isinstance(descriptor, ImageModelDescriptor) or \
                descriptor.architecture.id != _SPANDREL_IDS[info.architecture]:
            raise ValueError(f"{path.name} is {descriptor.architecture.name}, "
                             f"not {info.architecture}")
        scale, network = descriptor.scale, descriptor.model
    else:
        state = read_state_dict(path)
        network = build_from_state_dict(info.architecture, state)
        network.load_state_dict(state, strict=True)
        scale = getattr(network, "scale", None) or getattr(network, "upscale")
    if scale != info.scale:
        raise ValueError(f"{path.name} upscales {scale}×, weights.toml says {info.scale}×")
    return network.eval().requires_grad_(False)


@dataclass
class Upscaler:
    """A loaded network and how to run it: `upscale(frames)` for a whole clip."""

    network: nn.Module
    scale: int
    device: torch.device
    dtype: torch.dtype
    tile: int = DEFAULT_TILE
    overlap: int = DEFAULT_OVERLAP

    @classmethod
    def load(cls, info: WeightsInfo, path: Path, device: str | torch.device,
             **tiling) -> "Upscaler":
        """Load the file onto `device`: fp16 on CUDA, fp32 elsewhere."""
        device = torch.device(device)
        dtype = torch.float16 if device.type == "cuda" else torch.float32
        network = load_network(info, path).to(device=device, dtype=dtype)
        return cls(network, info.scale, device, dtype, **tiling)

    @torch.inference_mode()
    def upscale(self, frames: np.ndarray) -> np.ndarray:
        """uint8 T×H×W×3 → uint8 T×(H·scale)×(W·scale)×3, frame by frame, tile by tile."""
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 T×H×W×3, got {frames.dtype} {frames.shape}")
        count, height, width, _ = frames.shape
        out = np.empty((count, height * self.scale, width * self.scale, 3), dtype=np.uint8)
        for i, frame in enumerate(frames):
            picture = torch.from_numpy(frame).to(self.device).permute(2, 0, 1)[None]
            result = self._tiled(picture.to(self.dtype) / 255.0)
            out[i] = (result[0].clamp(0, 1) * 255.0).round().to(torch.uint8) \
                .permute(1, 2, 0).cpu().numpy()
        return out

    def _tiled(self, picture: torch.Tensor) -> torch.Tensor:
        """The network over overlapping tiles; each tile's own area kept, its margin cropped,
        so the seams see the same context as the whole picture would (within the overlap)."""
        _, _, height, width = picture.shape
        s = self.scale
        if height <= self.tile and width <= self.tile:
            return self.network(picture).float()
        out = torch.empty((1, 3, height * s, width * s), device=self.device)
        for top in range(0, height, self.tile):
            for left in range(0, width, self.tile):
                bottom, right = min(top + self.tile, height), min(left + self.tile, width)
                # The tile with its context, clipped to the picture.
                t0, l0 = max(top - self.overlap, 0), max(left - self.overlap, 0)
                b0, r0 = min(bottom + self.overlap, height), min(right + self.overlap, width)
                result = self.network(picture[:, :, t0:b0, l0:r0]).float()
                out[:, :, top * s:bottom * s, left * s:right * s] = result[
                    :, :, (top - t0) * s:(bottom - t0) * s, (left - l0) * s:(right - l0) * s]
        return out
