"""models.discriminators: the PatchGAN returns every layer's activations, the last a
grid of scores, one per patch; registered by name."""
from __future__ import annotations

import pytest
import torch

from models.discriminators import PatchGAN
from models.build import build_discriminator
from models.errors import CheckpointError
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


@pytest.mark.parametrize("kwargs, line", [
    ({"base_channels": 65536}, "base_channels must be an integer from 1 to 1024, not 65536"),
    ({"base_channels": 0}, "base_channels must be an integer from 1 to 1024, not 0"),
    ({"layers": 10 ** 6}, "layers must be an integer from 1 to 16, not 1000000"),
    ({"layers": "3"}, "layers must be an integer from 1 to 16, not '3'"),
    ({"in_channels": 1}, "in_channels must be 3 (a frame) or 6 (two frames side by side), not 1"),
    ({"base_channels": 1024, "layers": 16},
     "{'base_channels': 1024, 'layers': 16} make 14,663,638,017 parameters, more than "
     "200,000,000: make it smaller"),
    ({"width": 4}, "bad arguments {'width': 4}: PatchGAN.__init__() got an unexpected keyword "
                   "argument 'width'"),
])
def test_discriminator_kwargs_out_of_bounds_are_one_line_before_anything_is_allocated(
        builds, kwargs, line):
    with pytest.raises(CheckpointError) as err:
        build_discriminator("patchgan", **kwargs)
    assert str(err.value) == f"discriminator 'patchgan': {line}"
    assert "cpu" not in builds  # nothing built with real memory
    with pytest.raises(CheckpointError) as err:
        build_discriminator("patchgann")
    assert str(err.value) == "unknown discriminator architecture 'patchgann' (known: patchgan)"
