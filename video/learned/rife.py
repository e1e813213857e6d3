"""RIFE v4.25 / v4.26 (Practical-RIFE, MIT: hzwer/Practical-RIFE train_log/IFNet_HDv3.py),
the frame interpolator's network, written here because spandrel does not ship RIFE.

It is the inference path only: a shared feature head encodes both frames; five IFBlocks,
coarse to fine (1/16 … 1/1 of the picture), each refine a flow pair (frame 0 → t, frame 1 → t),
a blend mask and 8 channels of context; the in-between frame is both frames warped along their
flows and blended by the mask. Any timestep in (0, 1) comes out of one pass.

The published flownet.pkl is a state dict saved from DistributedDataParallel: its keys start
with "module." (stripped on load). Expected keys, after that:
  encode.cnn0, encode.cnn1, encode.cnn2, encode.cnn3                      (.weight, .bias)
  block{0..4}.conv0.{0,1}.0                                                (.weight, .bias)
  block{0..4}.convblock.{0..7}.conv (.weight, .bias) and .beta
  block{0..4}.lastconv.0                                                   (.weight, .bias)
Training-only keys (teacher., caltime.) may be present and are ignored.
"""

from __future__ import annotations

from functools import cache

import torch
from torch import nn
from torch.nn import functional as F

SCALES = (16, 8, 4, 2, 1)  # each block's working size, as a divisor of the picture's
PAD_TO = 128  # sides are padded to a multiple of this, as the reference inference does
TRAINING_ONLY_PREFIXES = ("teacher.", "caltime.")


def _conv(in_planes: int, out_planes: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_planes, out_planes, 3, stride, 1, bias=True),
                         nn.LeakyReLU(0.2, True))


class Head(nn.Module):
    """The feature encoder both frames share: 16 channels at the frame's own size."""

    def __init__(self):
        super().__init__()
        self.cnn0 = nn.Conv2d(3, 16, 3, 2, 1)
        self.cnn1 = nn.Conv2d(16, 16, 3, 1, 1)
        self.cnn2 = nn.Conv2d(16, 16, 3, 1, 1)
        self.cnn3 = nn.ConvTranspose2d(16, 16, 4, 2, 1)
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.cnn0(x))
        x = self.relu(self.cnn1(x))
        x = self.relu(self.cnn2(x))
        return self.cnn3(x)


class ResConv(nn.Module):
    """A 3×3 convolution scaled per channel (beta) onto its input."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, 1, 1)
        self.beta = nn.Parameter(torch.ones((1, c, 1, 1)))
        self.relu = nn.LeakyReLU(0.2, True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv(x) * self.beta + x)


class IFBlock(nn.Module):
    """One refinement step at 1/scale of the picture: 4 flow + 1 mask + 8 context channels."""

    def __init__(self, in_planes: int, c: int):
        super().__init__()
        self.conv0 = nn.Sequential(_conv(in_planes, c // 2, 2), _conv(c // 2, c, 2))
        self.convblock = nn.Sequential(*(ResConv(c) for _ in range(8)))
        self.lastconv = nn.Sequential(nn.ConvTranspose2d(c, 4 * 13, 4, 2, 1), nn.PixelShuffle(2))

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None, scale: float
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = F.interpolate(x, scale_factor=1.0 / scale, mode="bilinear", align_corners=False)
        if flow is not None:
            flow = F.interpolate(flow, scale_factor=1.0 / scale, mode="bilinear",
                                 align_corners=False) / scale
            x = torch.cat((x, flow), 1)
        out = self.lastconv(self.convblock(self.conv0(x)))
        out = F.interpolate(out, scale_factor=scale, mode="bilinear", align_corners=False)
        return out[:, :4] * scale, out[:, 4:5], out[:, 5:]


def warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """Backward-warp `image` by `flow` (pixels, x then y), borders repeated."""
    n, _, h, w = flow.shape
    ys = torch.linspace(-1.0, 1.0, h, device=flow.device, dtype=flow.dtype)
    xs = torch.linspace(-1.0, 1.0, w, device=flow.device, dtype=flow.dtype)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.stack((grid_x, grid_y)).unsqueeze(0)
    # Flow in pixels → grid units (align_corners=True: -1 and 1 are the corner pixels' centres)
    scaled = torch.cat((flow[:, :1] / ((w - 1.0) / 2.0), flow[:, 1:2] / ((h - 1.0) / 2.0)), 1)
    return F.grid_sample(image, (grid + scaled).permute(0, 2, 3, 1), mode="bilinear",
                         padding_mode="border", align_corners=True)


class IFNet(nn.Module):
    """RIFE v4.25's flow network: (frame 0, frame 1, timestep) → the frame at that time."""

    def __init__(self):
        super().__init__()
        self.block0 = IFBlock(7 + 32, c=192)
        self.block1 = IFBlock(8 + 4 + 8 + 32, c=128)
        self.block2 = IFBlock(8 + 4 + 8 + 32, c=96)
        self.block3 = IFBlock(8 + 4 + 8 + 32, c=64)
        self.block4 = IFBlock(8 + 4 + 8 + 32, c=32)
        self.encode = Head()

    def forward(self, img0: torch.Tensor, img1: torch.Tensor, timestep: torch.Tensor,
                scales: tuple[float, ...] = SCALES) -> torch.Tensor:
        """Frames N×3×H×W in [0, 1] (H, W multiples of PAD_TO), timestep N×1×1×1 → N×3×H×W."""
        t = timestep.expand(-1, 1, img0.shape[2], img0.shape[3])
        f0, f1 = self.encode(img0), self.encode(img1)
        blocks = (self.block0, self.block1, self.block2, self.block3, self.block4)
        flow, mask, feat = blocks[0](torch.cat((img0, img1, f0, f1, t), 1), None, scales[0])
        warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        for block, scale in zip(blocks[1:], scales[1:]):
            wf0, wf1 = warp(f0, flow[:, :2]), warp(f1, flow[:, 2:4])
            delta, mask, feat = block(torch.cat((warped0, warped1, wf0, wf1, t, mask, feat), 1),
                                      flow, scale)
            flow = flow + delta
            warped0, warped1 = warp(img0, flow[:, :2]), warp(img1, flow[:, 2:4])
        mask = torch.sigmoid(mask)
        return warped0 * mask + warped1 * (1 - mask)


def published_state_dict(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The state dict IFNet loads, from a flownet.pkl / .safetensors as published: "module."
    stripped, training-only keys dropped; ValueError naming missing or unknown keys."""
    if any(key.startswith("module.") for key in state):
        state = {k[len("module."):]: v for k, v in state.items() if k.startswith("module.")}
    state = {k: v for k, v in state.items() if not k.startswith(TRAINING_ONLY_PREFIXES)}
    expected = _expected_keys()
    missing, unknown = sorted(expected - set(state)), sorted(set(state) - expected)
    if missing or unknown:
        raise ValueError("the weights are not RIFE v4.25 (IFNet_HDv3): "
                         + "; ".join(filter(None, (
                             missing and f"{len(missing)} keys missing, e.g. {missing[0]}",
                             unknown and f"{len(unknown)} unknown keys, e.g. {unknown[0]}"))))
    return state


@cache
def _expected_keys() -> frozenset[str]:
    with torch.device("meta"):  # the names only: no memory, no initialisation
        return frozenset(IFNet().state_dict())
