"""models.inference: the Stylizer's OOM back-off (a stand-in for the GPU), value ranges, tiny frames."""
import numpy as np
import pytest
import torch
from torch import nn

import models  # noqa: F401
from helpers import textured_frame
from models.inference import Stylizer
from pipeline.errors import DeviceError


class _OomAbove(nn.Module):
    """Stands in for a GPU that runs out of memory above a batch/tile size
    (no GPU exists here; everything else is the real Stylizer)."""

    def __init__(self, max_batch: int, max_pixels: int = 10**9):
        super().__init__()
        self.max_batch, self.max_pixels = max_batch, max_pixels
        self.calls: list[tuple] = []

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        if x.shape[0] > self.max_batch or x.shape[-1] * x.shape[-2] > self.max_pixels:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return -x


class _FakeCudaStylizer(Stylizer):
    def __init__(self, model, **kw):
        super().__init__(model, torch.device("cpu"), **kw)
        self.device = torch.device("cuda")  # only used for OOM handling decisions

    def _run(self, frames):
        self.device = torch.device("cpu")
        try:
            return super()._run(frames)
        finally:
            self.device = torch.device("cuda")


def test_cuda_oom_halves_batch_and_keeps_results(monkeypatch):
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    net = _OomAbove(max_batch=2)
    st = _FakeCudaStylizer(net)
    frames = np.stack([textured_frame(16, 16, i) for i in range(5)])
    out = st(frames)
    assert out.shape == frames.shape
    assert st.max_batch == 2
    expected = Stylizer(_OomAbove(99), torch.device("cpu"))(frames)
    assert np.array_equal(out, expected)


def test_cuda_oom_at_batch_one_tiles_then_gives_up(monkeypatch):
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    st = _FakeCudaStylizer(_OomAbove(max_batch=1, max_pixels=100 * 100))
    out = st(textured_frame(200, 100, 0)[None])
    assert out.shape == (1, 100, 200, 3) and 0 < st.tile_size <= 100
    hopeless = _FakeCudaStylizer(_OomAbove(max_batch=1, max_pixels=10))
    with pytest.raises(DeviceError, match="CUDA out of memory even for one small tile"):
        hopeless(textured_frame(64, 64, 0)[None])


def test_cuda_oom_at_batch_one_halves_the_frame_not_a_larger_tile_size(monkeypatch):
    monkeypatch.setattr(torch.cuda, "empty_cache", lambda: None)
    net = _OomAbove(max_batch=1, max_pixels=100 * 100)
    st = _FakeCudaStylizer(net, tile_size=2048, tile_overlap=8)
    out = st(textured_frame(200, 100, 0)[None])
    assert out.shape == (1, 100, 200, 3) and st.tile_size == 100
    assert net.calls[0] == (1, 3, 100, 200)  # one failed call, then tiles that fit
    assert len(net.calls) > 2 and all(h * w <= 100 * 100 for *_, h, w in net.calls[1:])


def test_cpu_errors_are_not_swallowed():
    st = Stylizer(_OomAbove(max_batch=0), torch.device("cpu"))
    with pytest.raises(torch.cuda.OutOfMemoryError):
        st(textured_frame(8, 8, 0)[None])


def test_sixteen_bit_frames_stay_sixteen_bit_through_the_stylizer():
    import torch
    from torch import nn

    class Identity(nn.Module):
        def forward(self, x):
            return x

    frames = (np.arange(2 * 9 * 7 * 3, dtype=np.uint32) * 997 % 65536).astype(np.uint16)
    frames = frames.reshape(2, 9, 7, 3)
    out = Stylizer(Identity(), torch.device("cpu"), (0.0, 1.0))(frames)
    assert out.dtype == np.uint16 and np.array_equal(out, frames)
    eight = (frames // 257).astype(np.uint8)
    assert np.array_equal(Stylizer(Identity(), torch.device("cpu"), (-1.0, 1.0))(eight), eight)


@pytest.mark.parametrize("hw", [(1, 1), (2, 2), (1, 13), (5, 7)])
def test_public_nets_style_frames_smaller_than_their_reflection_pads(hw):
    """Frames under MIN_SIDE are padded to it: a 2x2 frame would fail the
    reflection pads of fast-neural-style, CycleGAN and AnimeGANv2 nets."""
    from models.public_archs import (AnimeGANv2Generator, CycleGANResnetGenerator,
                                     FastNeuralStyleNet)
    frames = np.random.default_rng(0).integers(0, 256, (2, *hw, 3), dtype=np.uint8)
    for net, value_range in ((FastNeuralStyleNet(8), (0.0, 255.0)),
                             (CycleGANResnetGenerator(ngf=4, n_blocks=2), (-1.0, 1.0)),
                             (AnimeGANv2Generator(), (-1.0, 1.0))):
        stylizer = Stylizer(net.eval(), torch.device("cpu"), value_range, None,
                            getattr(net, "size_multiple", 4))
        out = stylizer(frames)
        assert out.shape == frames.shape and out.dtype == np.uint8


class _Recording(nn.Module):
    """A small real network that records the shape of every call."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.calls: list[tuple] = []

    def forward(self, x):
        self.calls.append(tuple(x.shape))
        return torch.tanh(self.conv(x))


def test_a_pixel_budget_that_splits_a_batch_gives_the_frames_of_one_call():
    frames = np.stack([textured_frame(40, 32, i) for i in range(5)])
    net = _Recording()
    whole = Stylizer(net, torch.device("cpu"), call_pixels=10**9)(frames)
    assert net.calls == [(5, 3, 32, 40)]
    net.calls.clear()
    split = Stylizer(net, torch.device("cpu"), call_pixels=2 * 32 * 40 + 1)(frames)
    assert [c[0] for c in net.calls] == [2, 2, 1]
    assert np.array_equal(split, whole)
    net.calls.clear()
    Stylizer(net, torch.device("cpu"), call_pixels=10)(frames)  # a frame over the budget
    assert [c[0] for c in net.calls] == [1] * 5


def test_the_budget_counts_the_pixels_the_network_takes():
    """Padded to the net's multiple (and MIN_SIDE) as the network sees them."""
    st = Stylizer(_Recording(), torch.device("cpu"), size_multiple=8, call_pixels=3 * 32 * 48)
    assert st._per_call(4, 30, 41) == 3   # padded to 32 x 48
    assert st._per_call(4, 32, 49) == 2   # 32 x 56
    assert st._per_call(2, 32, 48) == 2   # never more than the batch


def test_the_default_budget_keeps_the_sample_s_batch_and_one_1080p_frame():
    st = Stylizer(_Recording(), torch.device("cpu"), size_multiple=8)
    assert st._per_call(4, 405, 720) == 4
    assert st._per_call(4, 1080, 1920) == 1


def test_cuda_batches_are_not_cut_by_the_budget():
    st = Stylizer(_Recording(), torch.device("cpu"), call_pixels=1)
    st.device = torch.device("cuda")  # only the decision is asked: no GPU here
    assert st._per_call(4, 1080, 1920) == 4


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_tiles_go_in_calls_under_the_budget_and_give_the_frames_of_one_call(dtype):
    frames = np.stack([textured_frame(100, 60, i) for i in range(5)]).astype(dtype)
    if dtype == np.uint16:
        frames = frames * 257 + np.arange(5, dtype=np.uint16)[:, None, None, None]
    net = _Recording()
    st = Stylizer(net, torch.device("cpu"), tile_size=48, tile_overlap=8, call_pixels=10**9)
    whole = st(frames)
    tiles = st._layout(60, 100)
    assert len(tiles.tiles) == 6 and (tiles.th, tiles.tw) == (34, 39)
    assert net.calls == [(5, 3, 34, 39)] * 6   # a larger frame is still tiled
    net.calls.clear()
    budget = 4 * 34 * 39
    st = Stylizer(net, torch.device("cpu"), tile_size=48, tile_overlap=8, call_pixels=budget)
    out = st(frames)
    assert [c[0] for c in net.calls] == [4] * 7 + [2]  # 30 tiles, across frames
    assert all(n * h * w <= budget for n, _, h, w in net.calls)
    assert out.dtype == dtype and np.array_equal(out, whole)
    one_by_one = np.concatenate([st(f[None]) for f in frames])
    assert np.array_equal(one_by_one, whole)
