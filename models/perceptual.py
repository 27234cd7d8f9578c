"""Optional perceptual (VGG feature) loss, from VGG weights the user has on disk.

Nothing is downloaded: the style config's ``train.vgg_weights`` points at a
torchvision-layout VGG16 or VGG19 state_dict (``features.N.weight`` /
``features.N.bias``; classifier keys are ignored), e.g. the file torchvision
caches as ``vgg19-dcbb9e9d.pth``. Loaded with ``weights_only=True``.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models.checkpoint import load_file, load_state_dict_strict
from models.errors import CheckpointError

# torchvision's configurations: channel counts, 'M' = max pool.
_CFG = {
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M"],
    "vgg19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M"],
}
# Indices (in torchvision's `features`) of relu1_2, relu2_2, relu3_3/4, relu4_1.
_TAPS = {"vgg16": (3, 8, 15, 18), "vgg19": (3, 8, 17, 20)}
_MEAN = (0.485, 0.456, 0.406)
_STD = (0.229, 0.224, 0.225)


def _features(arch: str, upto: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    cin = 3
    for v in _CFG[arch]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=False)]
            cin = v
    return nn.Sequential(*layers[:upto + 1])


class VGGPerceptualLoss(nn.Module):
    """Mean L1 distance of VGG activations; inputs are RGB in [-1, 1]."""

    def __init__(self, weights: Path):
        super().__init__()
        state = load_file(weights)
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise CheckpointError(f"{weights}: not a VGG state_dict")
        feats = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
        conv_idx = sorted({int(k.split(".")[0]) for k in feats})
        arch = "vgg19" if 34 in conv_idx else "vgg16" if 28 in conv_idx else None
        if arch is None:
            raise CheckpointError(f"{weights}: not a torchvision VGG16/VGG19 state_dict "
                                  f"(no features.28/34 conv)")
        self.taps = _TAPS[arch]
        self.features = _features(arch, max(self.taps))
        wanted = {k: v for k, v in feats.items() if int(k.split(".")[0]) < len(self.features)}
        load_state_dict_strict(self.features, wanted, str(weights))
        self.features.requires_grad_(False).eval()
        self.register_buffer("mean", torch.tensor(_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(_STD).view(1, 3, 1, 1))
        self.arch = arch

    def _acts(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = ((x + 1) / 2 - self.mean) / self.std
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                out.append(x)
        return out

    def forward(self, fake: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            real = self._acts(target)
        return sum(F.l1_loss(f, r) for f, r in zip(self._acts(fake), real)) / len(real)
