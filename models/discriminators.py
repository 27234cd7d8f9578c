"""Discriminator architectures."""
from __future__ import annotations

import torch
from torch import nn

from models.registry import DISCRIMINATORS


@DISCRIMINATORS.register("patchgan")
class PatchGAN(nn.Module):
    """pix2pix-style PatchGAN: a grid of real/fake scores, one per receptive field.

    Conditional when ``in_channels`` counts the input image too (6 = input+output).
    Norm-free (patches are small; see generators.FewShotUNet). ``forward`` returns
    the list of every layer's activations; the last one is the score map, the
    others feed the feature-matching loss.
    """

    def __init__(self, in_channels: int = 6, base_channels: int = 32, layers: int = 3):
        super().__init__()
        blocks, cin = [], in_channels
        for i in range(layers):
            cout = base_channels * 2 ** min(i, 3)
            blocks.append(nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1), nn.LeakyReLU(0.2, True)))
            cin = cout
        blocks.append(nn.Sequential(nn.Conv2d(cin, cin, 4, 1, 1), nn.LeakyReLU(0.2, True)))
        blocks.append(nn.Conv2d(cin, 1, 4, 1, 1))
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        feats = []
        for block in self.blocks:
            x = block(x)
            feats.append(x)
        return feats
