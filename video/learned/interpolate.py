"""Learned frame interpolation with RIFE v4.25: the same contract as video/interpolate.py's
`interpolate` (T frames → (T-1)·factor+1, uint8, the kept frames unchanged), with each
in-between frame made by IFNet at its own timestep j/factor in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from video.learned.rife import PAD_TO, IFNet, published_state_dict
from video.learned.weights import WeightsInfo, read_state_dict

DEFAULT_BATCH = 4  # frame pairs per pass: 4 × 768×512 fits any CUDA card in fp16


def load_network(path: Path) -> IFNet:
    """IFNet with a published flownet.pkl / .safetensors, on the CPU in eval mode;
    ValueError naming the keys when the file is not RIFE v4.25."""
    network = IFNet()
    network.load_state_dict(published_state_dict(read_state_dict(path)), strict=True)
    return network.eval().requires_grad_(False)


@dataclass
class Interpolator:
    """A loaded IFNet and how to run it: `interpolate(frames, factor)` for a whole clip."""

    network: IFNet
    device: torch.device
    dtype: torch.dtype
    batch: int = DEFAULT_BATCH

    @classmethod
    def load(cls, info: WeightsInfo, path: Path, device: str | torch.device,
             batch: int = DEFAULT_BATCH) -> "Interpolator":
        """Load the file onto `device`: fp16 on CUDA, fp32 elsewhere."""
        device = torch.device(device)
        dtype = torch.float16 if device.type == "cuda" else torch.float32
        return cls(load_network(path).to(device=device, dtype=dtype), device, dtype, batch)

    @torch.inference_mode()
    def interpolate(self, frames: np.ndarray, factor: int) -> np.ndarray:
        """Insert factor-1 frames between each pair: T frames → (T-1)·factor+1 frames."""
        if factor < 1:
            raise ValueError("factor must be at least 1")
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise ValueError(f"frames must be uint8 T×H×W×3, got {frames.dtype} {frames.shape}")
        if factor == 1 or len(frames) < 2:
            return frames
        count, height, width, _ = frames.shape
        out = np.empty(((count - 1) * factor + 1, height, width, 3), dtype=np.uint8)
        out[::factor] = frames  # the kept frames, untouched
        # Pad to the network's grid (right and bottom, as the reference does); crop after.
        padding = (0, -width % PAD_TO, 0, -height % PAD_TO)
        for start in range(0, count - 1, self.batch):
            pairs = range(start, min(start + self.batch, count - 1))
            first = self._tensor(frames[pairs.start:pairs.stop], padding)
            second = self._tensor(frames[pairs.start + 1:pairs.stop + 1], padding)
            for j in range(1, factor):
                t = torch.full((len(pairs), 1, 1, 1), j / factor, device=self.device,
                               dtype=self.dtype)
                middle = self.network(first, second, t)[:, :, :height, :width]
                middle = (middle.float().clamp(0, 1) * 255.0).round().to(torch.uint8)
                out[[i * factor + j for i in pairs]] = middle.permute(0, 2, 3, 1).cpu().numpy()
        return out

    def _tensor(self, frames: np.ndarray, padding: tuple[int, int, int, int]) -> torch.Tensor:
        batch = torch.from_numpy(np.ascontiguousarray(frames)).to(self.device)
        batch = batch.permute(0, 3, 1, 2).to(self.dtype) / 255.0
        return F.pad(batch, padding) if any(padding) else batch
