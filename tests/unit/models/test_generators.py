"""models.generators: the few-shot U-Net: any frame size in, the same size out in
[-1, 1], its size multiple, its channel widths, zero or reflect padding."""
from __future__ import annotations

import pytest
import torch

from models.generators import FewShotUNet
from models.registry import GENERATORS


def test_registered_under_its_name_with_its_input_range():
    assert GENERATORS.get("fewshot_unet") is FewShotUNet and FewShotUNet.arch_name == "fewshot_unet"
    assert FewShotUNet.input_range == (-1.0, 1.0)


@pytest.mark.parametrize("levels, multiple", [(1, 1), (2, 2), (3, 4), (4, 8)])
def test_the_size_multiple_follows_the_levels(levels, multiple):
    assert FewShotUNet(base_channels=2, levels=levels).size_multiple == multiple


@pytest.mark.parametrize("h, w", [(8, 8), (9, 13), (5, 7), (1, 1)])
def test_any_size_in_gives_the_same_size_out_within_tanh(h, w):
    torch.manual_seed(0)
    net = FewShotUNet(base_channels=4, levels=3).eval()
    with torch.no_grad():
        y = net(torch.rand(2, 3, h, w) * 2 - 1)
    assert y.shape == (2, 3, h, w)
    assert float(y.abs().max()) < 1.0


def test_channels_double_per_level_up_to_the_maximum():
    net = FewShotUNet(base_channels=8, levels=4, max_channels=24)
    assert net.stem[0].out_channels == 8
    assert [block[0][0].out_channels for block in net.down] == [16, 24, 24]
    assert net.head.out_channels == 3 and net.head.in_channels == 8


def test_reflect_padding_is_used_throughout_when_asked():
    net = FewShotUNet(base_channels=2, levels=2, padding_mode="reflect")
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
    assert convs and all(c.padding_mode == "reflect" for c in convs)


def test_a_net_without_levels_is_refused():
    with pytest.raises(TypeError, match="levels must be >= 1"):
        FewShotUNet(levels=0)
