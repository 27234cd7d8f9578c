"""models.public_archs: the public projects' generators on tiny widths: registered
by name, the original layouts' key names and bias rules, their size multiples
kept from input to output, batch independence in eval mode, refusals."""
from __future__ import annotations

import pytest
import torch

from models.public_archs import (AnimeGANv2Generator, CycleGANResnetGenerator,
                                 CycleGANUnetGenerator, FastNeuralStyleNet)
from models.build import build_generator
from models.registry import GENERATORS


def test_each_is_registered_under_its_project_s_name():
    for name, cls in (("cyclegan_resnet", CycleGANResnetGenerator),
                      ("cyclegan_unet", CycleGANUnetGenerator),
                      ("fast_neural_style", FastNeuralStyleNet),
                      ("animeganv2", AnimeGANv2Generator)):
        assert GENERATORS.get(name) is cls and cls.arch_name == name


def test_the_cyclegan_resnet_layout_and_bias_rule():
    inst = CycleGANResnetGenerator(ngf=4, n_blocks=2, norm="instance")
    keys = list(inst.state_dict())
    assert keys[:2] == ["model.1.weight", "model.1.bias"]  # pad3 at 0, conv7 at 1
    # the last conv7 is at 17 + n_blocks (26 for the original's 9 blocks)
    assert keys[-2:] == ["model.19.weight", "model.19.bias"]
    assert list(CycleGANResnetGenerator(ngf=2, n_blocks=9).state_dict())[-1] == "model.26.bias"
    batch = CycleGANResnetGenerator(ngf=4, n_blocks=2, norm="batch")
    assert "model.1.bias" not in batch.state_dict()  # a conv before a BatchNorm has no bias
    assert "model.2.running_mean" in batch.state_dict()


def test_the_pix2pix_unet_needs_five_levels_and_its_multiple():
    net = CycleGANUnetGenerator(num_downs=5, ngf=2, norm="instance")
    assert net.size_multiple == 32
    with pytest.raises(TypeError, match="num_downs must be >= 5"):
        CycleGANUnetGenerator(num_downs=4)
    with pytest.raises(TypeError, match="norm must be one of instance, batch, not 'group'"):
        CycleGANResnetGenerator(norm="group")
    with pytest.raises(TypeError, match="n_blocks must be >= 0"):
        CycleGANResnetGenerator(n_blocks=-1)


@pytest.mark.parametrize("name, kwargs", [
    ("cyclegan_resnet", {"ngf": 4, "n_blocks": 1}),
    ("cyclegan_unet", {"ngf": 2, "num_downs": 5, "norm": "instance"}),
    ("fast_neural_style", {"num_channels": 4}),
    ("animeganv2", {}),
    ("animeganv2", {"align_corners": False}),
])
def test_a_frame_of_the_size_multiple_keeps_its_size_and_range(name, kwargs):
    torch.manual_seed(0)
    net = build_generator(name, **kwargs).eval()
    m = net.size_multiple
    lo, hi = net.input_range
    x = lo + torch.rand(2, 3, 2 * m, 3 * m) * (hi - lo)
    with torch.no_grad():
        y = net(x)
        one = net(x[1:])
    assert y.shape == x.shape
    assert torch.allclose(y[1:], one, atol=1e-4)  # no batch statistics in eval mode
    if name != "fast_neural_style":  # its output is not bounded (clamped by the Stylizer)
        assert float(y.min()) >= -1 and float(y.max()) <= 1
