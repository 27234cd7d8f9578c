"""models.discriminators: the PatchGAN returns every layer's activations, the last a
grid of scores, one per patch; registered by name."""
from __future__ import annotations

import torch

from models.discriminators import PatchGAN
from models.build import build_discriminator
from models.registry import DISCRIMINATORS


def test_patchgan_is_registered_and_built_by_name():
    assert DISCRIMINATORS.get("patchgan") is PatchGAN and PatchGAN.arch_name == "patchgan"
    assert isinstance(build_discriminator("patchgan", base_channels=4, layers=2), PatchGAN)


def test_every_layer_s_activations_and_a_score_grid():
    torch.manual_seed(0)
    d = PatchGAN(in_channels=6, base_channels=4, layers=3)
    feats = d(torch.rand(2, 6, 64, 64) * 2 - 1)
    assert len(feats) == 3 + 2  # three strided blocks, one more conv, the score
    # strided blocks halve the size; channels double up to 8x base
    assert [tuple(f.shape[1:]) for f in feats[:3]] == [(4, 32, 32), (8, 16, 16), (16, 8, 8)]
    assert tuple(feats[3].shape) == (2, 16, 7, 7)  # 4x4 kernel, stride 1, pad 1: -1
    assert tuple(feats[-1].shape) == (2, 1, 6, 6)  # one score per patch


def test_channels_stop_doubling_at_eight_times_the_base():
    d = PatchGAN(in_channels=3, base_channels=2, layers=5)
    feats = d(torch.zeros(1, 3, 128, 128))
    assert [f.shape[1] for f in feats[:5]] == [2, 4, 8, 16, 16]


def test_a_patch_s_score_depends_only_on_its_receptive_field():
    torch.manual_seed(0)
    d = PatchGAN(in_channels=3, base_channels=4, layers=2).eval()
    x = torch.rand(1, 3, 64, 64)
    y = x.clone()
    y[..., 48:, 48:] = 0  # change the bottom-right corner only
    with torch.no_grad():
        a, b = d(x)[-1], d(y)[-1]
    assert torch.equal(a[..., :4, :4], b[..., :4, :4])  # the top-left patches are unchanged
    assert not torch.equal(a[..., -1, -1], b[..., -1, -1])
