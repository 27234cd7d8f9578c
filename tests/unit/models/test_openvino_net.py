"""models.openvino_net: a generator compiled by the real OpenVINO for the CPU
gives the module's pixels at any batch and frame size; OpenVINO is imported with
its telemetry declined and the caller's environment left as it was."""
from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from models.generators import FewShotUNet
from models.openvino_net import OpenVINONet, _openvino, conversion_key, openvino_available

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


@pytest.mark.parametrize("shape", [(1, 64, 64, 3), (3, 24, 40, 3)])
@pytest.mark.parametrize("input_range", [(-1.0, 1.0), (0.0, 1.0)])
def test_pictures_in_and_out_are_the_float_path_s(net_and_compiled, shape, input_range):
    """uint8 NHWC through ``pictures`` (#23): the float path's arithmetic around
    the module; in fp32 at most one level off where the layouts' sums round apart."""
    net, compiled = net_and_compiled
    lo, hi = input_range
    frames = torch.randint(0, 256, shape, dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    x = frames.permute(0, 3, 1, 2).float().div(255).mul(hi - lo).add(lo)
    with torch.no_grad():
        y = net(x)
    want = y.sub(lo).div(hi - lo).clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1)
    got = compiled.pictures(frames.numpy(), input_range)
    assert got.shape == tuple(want.shape) and got.dtype == np.uint8
    diff = np.abs(got.astype(int) - want.numpy().astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01


@pytest.mark.parametrize("shape", [(1, 64, 64, 3), (3, 24, 40, 3)])
def test_sixteen_bit_pictures_in_and_out_are_the_float_path_s(net_and_compiled, shape):
    """uint16 NHWC through ``pictures`` (#23): the float path's arithmetic with
    65535 for 255; at most one level of 65535 off."""
    net, compiled = net_and_compiled
    lo, hi = -1.0, 1.0
    frames = torch.randint(0, 65536, shape, dtype=torch.int32,
                           generator=torch.Generator().manual_seed(2))
    x = frames.permute(0, 3, 1, 2).float().div(65535).mul(hi - lo).add(lo)
    with torch.no_grad():
        y = net(x)
    want = y.sub(lo).div(hi - lo).clamp(0, 1).mul(65535).round().permute(0, 2, 3, 1).numpy()
    got = compiled.pictures(frames.numpy().astype(np.uint16), (lo, hi))
    assert got.shape == want.shape and got.dtype == np.uint16
    diff = np.abs(got.astype(int) - want.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 0.01


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


# --- the converted-model cache (#23) ---

def _net(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return FewShotUNet(base_channels=4, levels=2).eval()


def _entries(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.is_file())


def test_a_cached_model_gives_the_converted_model_s_pixels(tmp_path):
    net = _net()
    x = torch.rand(2, 3, 24, 40) * 2 - 1
    fresh = OpenVINONet(net, None, threads=1, size_multiple=net.size_multiple)(x)
    first = OpenVINONet(net, None, 1, net.size_multiple, cache_dir=tmp_path)
    key = conversion_key(net.float(), 64)
    assert _entries(tmp_path) == [f"{key}.bin", f"{key}.xml"]  # no temporaries left
    assert any((tmp_path / "compiled").iterdir())  # OpenVINO's compiled blob
    second = OpenVINONet(net, None, 1, net.size_multiple, cache_dir=tmp_path)
    assert torch.equal(first(x), fresh) and torch.equal(second(x), fresh)


def test_the_key_follows_the_weights_and_the_trace_size():
    a, b = _net(0), _net(1)
    assert conversion_key(a, 64) == conversion_key(_net(0), 64)
    assert conversion_key(a, 64) != conversion_key(b, 64)
    assert conversion_key(a, 64) != conversion_key(a, 128)


def test_an_unreadable_entry_is_converted_again_and_replaced(tmp_path, caplog):
    net = _net()
    key = conversion_key(net.float(), 64)
    (tmp_path / f"{key}.xml").write_text("<net broken")
    x = torch.rand(1, 3, 16, 16)
    with caplog.at_level("WARNING", logger="shotstyle"):
        got = OpenVINONet(net, None, 1, net.size_multiple, cache_dir=tmp_path)(x)
    assert [r.message.split(":")[0] for r in caplog.records] == ["OpenVINO model cache"]
    assert torch.allclose(got, net(x), atol=1e-4)
    assert (tmp_path / f"{key}.xml").read_text().startswith("<?xml")
