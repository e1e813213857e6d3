"""Real-ESRGAN's two generator architectures, key for key as the published weights name them
(xinntao/Real-ESRGAN and BasicSR, BSD-3-Clause), so a .pth or .safetensors file loads with
`load_state_dict(strict=True)`. spandrel ships the same two; these are what the upscaler uses
where spandrel cannot be imported (it imports torchvision, which has no build beside the CPU
torch wheel), and what the tests build with random weights.

Expected keys:
  esrgan (RRDBNet):  conv_first, body.{i}.rdb{1,2,3}.conv{1..5}, conv_body, conv_up1,
                     conv_up2, conv_hr, conv_last (.weight, .bias). Scale 2 reads the picture
                     pixel-unshuffled (conv_first takes 12 channels), scale 4 takes 3.
  realesrgan-compact (SRVGGNetCompact): body.0 (conv), body.1 (PReLU), … body.{2n+2}
                     (the last conv, 3·scale² channels) for n = num_conv.
"""

from __future__ import annotations

import math
import re

import torch
from torch import nn
from torch.nn import functional as F


class ResidualDenseBlock(nn.Module):
    """Five densely connected convolutions, scaled by 0.2 onto the input."""

    def __init__(self, num_feat: int = 64, num_grow_ch: int = 32):
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.lrelu(self.conv1(x))
        x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
        x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
        x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
        x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
        return x5 * 0.2 + x


class RRDB(nn.Module):
    """Residual in residual dense block: three dense blocks, scaled by 0.2 onto the input."""

    def __init__(self, num_feat: int, num_grow_ch: int = 32):
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN / Real-ESRGAN x2plus, x4plus: features at the input's size (¼ of it at scale 2,
    through pixel-unshuffle), then two nearest ×2 steps."""

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, scale: int = 4,
                 num_feat: int = 64, num_block: int = 23, num_grow_ch: int = 32):
        super().__init__()
        if scale not in (1, 2, 4):
            raise ValueError(f"RRDBNet scales by 1, 2 or 4, not {scale}")
        self.scale = scale
        num_in_ch *= {1: 16, 2: 4, 4: 1}[scale]
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)
        self.lrelu = nn.LeakyReLU(negative_slope=0.2, inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feat = F.pixel_unshuffle(x, 4 // self.scale) if self.scale < 4 else x
        feat = self.conv_first(feat)
        feat = feat + self.conv_body(self.body(feat))
        feat = self.lrelu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")))
        feat = self.lrelu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")))
        return self.conv_last(self.lrelu(self.conv_hr(feat)))


class SRVGGNetCompact(nn.Module):
    """Real-ESRGAN's compact net: a plain stack of convolutions at the input's size, a
    pixel-shuffle, and the nearest-upscaled input added back."""

    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64,
                 num_conv: int = 16, upscale: int = 4):
        super().__init__()
        self.upscale = upscale
        layers: list[nn.Module] = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1),
                                   nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")

    @property
    def receptive_radius(self) -> int:
        """Pixels of context each output pixel sees on each side (one per 3×3 conv)."""
        return sum(isinstance(layer, nn.Conv2d) for layer in self.body)


def build_from_state_dict(architecture: str, state: dict[str, torch.Tensor]) -> nn.Module:
    """The architecture sized from the weights' own shapes (features, blocks, scale); a
    ValueError naming what does not match when the file is not this architecture."""
    try:
        if architecture == "esrgan":
            return _rrdbnet_for(state)
        if architecture == "realesrgan-compact":
            return _compact_for(state)
    except KeyError as exc:
        raise ValueError(f"the weights are not {architecture}: no key {exc}") from None
    raise ValueError(f"unknown upscaler architecture '{architecture}'")


def _rrdbnet_for(state: dict[str, torch.Tensor]) -> RRDBNet:
    num_feat, in_ch = state["conv_first.weight"].shape[:2]
    scale = {3: 4, 12: 2, 48: 1}.get(int(in_ch))
    if scale is None:
        raise ValueError(f"the weights are not esrgan: conv_first takes {in_ch} channels")
    blocks = {int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.rdb1\.", k))}
    return RRDBNet(3, int(state["conv_last.weight"].shape[0]), scale, int(num_feat),
                   len(blocks), int(state["body.0.rdb1.conv1.weight"].shape[0]))


def _compact_for(state: dict[str, torch.Tensor]) -> SRVGGNetCompact:
    indices = sorted({int(m.group(1)) for k in state if (m := re.match(r"body\.(\d+)\.", k))})
    last = indices[-1]
    out_channels = int(state[f"body.{last}.weight"].shape[0])
    upscale = math.isqrt(out_channels // 3)
    if upscale * upscale * 3 != out_channels:
        raise ValueError(f"the weights are not realesrgan-compact: the last conv makes "
                         f"{out_channels} channels, not 3·scale²")
    return SRVGGNetCompact(int(state["body.0.weight"].shape[1]), 3,
                           int(state["body.0.weight"].shape[0]), last // 2 - 1, upscale)
