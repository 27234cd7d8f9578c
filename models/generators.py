"""Generator architectures."""
from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

from models.registry import GENERATORS

#: nn.Conv2d's padding modes
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _conv(cin: int, cout: int, stride: int = 1, padding_mode: str = "zeros") -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, padding_mode=padding_mode),
                         nn.LeakyReLU(0.2, inplace=True))


@GENERATORS.register("fewshot_unet")
class FewShotUNet(nn.Module):
    """Small norm-free U-Net for keyframe-trained styles (Texler et al. 2020 style).

    Fully convolutional: trained on small patches, applied to whole frames of any
    size (inputs are padded to a multiple of ``2 ** (levels - 1)``). No norm
    layers, so a frame's output never depends on the rest of its batch. Input and
    output are RGB in [-1, 1]. Full resolution has a single conv on the way in and
    out: on a 2-core CPU that is 1.5x faster than doubled convs there
    (channels_last, zero padding; see bench/RESULTS.md).
    """

    input_range = (-1.0, 1.0)

    def __init__(self, in_channels: int = 3, out_channels: int = 3, base_channels: int = 16,
                 levels: int = 4, max_channels: int = 128, padding_mode: str = "zeros"):
        super().__init__()
        if levels < 1:
            raise TypeError("levels must be >= 1")
        if padding_mode not in PADDING_MODES:
            raise TypeError(f"padding_mode must be one of {', '.join(map(repr, PADDING_MODES))}, "
                            f"not {padding_mode!r}")
        chans = [min(base_channels * 2 ** i, max_channels) for i in range(levels)]
        self.levels = levels
        pm = padding_mode
        self.stem = _conv(in_channels, chans[0], padding_mode=pm)
        self.down = nn.ModuleList(
            nn.Sequential(_conv(chans[i], chans[i + 1], 2, pm), _conv(chans[i + 1], chans[i + 1], 1, pm))
            for i in range(levels - 1))
        self.up = nn.ModuleList(
            nn.Sequential(_conv(chans[i + 1] + chans[i], chans[i], 1, pm),
                          *([_conv(chans[i], chans[i], 1, pm)] if i > 0 else []))
            for i in reversed(range(levels - 1)))
        self.head = nn.Conv2d(chans[0], out_channels, 1)

    @property
    def size_multiple(self) -> int:
        return 2 ** (self.levels - 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = [self.stem(x)]
        for block in self.down:
            skips.append(block(skips[-1]))
        y = skips.pop()
        for block in self.up:
            skip = skips.pop()
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], dim=1))
        return torch.tanh(self.head(y))
