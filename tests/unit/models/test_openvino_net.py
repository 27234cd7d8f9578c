"""models.openvino_net: a generator compiled by the real OpenVINO for the CPU
gives the module's pixels at any batch and frame size; OpenVINO is imported with
its telemetry declined and the caller's environment left as it was."""
from __future__ import annotations

import os

import pytest
import torch

from models.generators import FewShotUNet
from models.openvino_net import OpenVINONet, _openvino, openvino_available

pytestmark = pytest.mark.skipif(not openvino_available(), reason="OpenVINO not installed")


@pytest.fixture(scope="module")
def net_and_compiled():
    torch.manual_seed(0)
    net = FewShotUNet(base_channels=4, levels=2).eval()
    return net, OpenVINONet(net, None, threads=1, size_multiple=net.size_multiple)


@pytest.mark.parametrize("shape", [(1, 3, 64, 64), (3, 3, 24, 40), (2, 3, 10, 6)])
def test_any_batch_and_size_gives_the_module_s_output(net_and_compiled, shape):
    net, compiled = net_and_compiled
    x = torch.rand(*shape) * 2 - 1
    with torch.no_grad():
        expected = net(x)
    got = compiled(x)
    assert got.shape == expected.shape and got.dtype == torch.float32
    assert torch.allclose(got, expected, atol=1e-4)


def test_fp32_unless_asked_otherwise(net_and_compiled):
    assert net_and_compiled[1].precision == "f32"


def test_the_import_leaves_the_environment_as_it_was(monkeypatch):
    monkeypatch.setenv("CI", "no")
    _openvino.cache_clear()
    assert _openvino() is not None
    assert os.environ["CI"] == "no"
    monkeypatch.delenv("CI")
    _openvino.cache_clear()
    assert _openvino() is not None and "CI" not in os.environ
