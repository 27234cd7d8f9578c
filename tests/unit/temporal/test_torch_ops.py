"""pipeline.temporal.torch_ops: each torch operation against the OpenCV/numpy one it
mirrors, with torch on the CPU (the same code a CUDA host runs), on real sample
frames and flows (tiny) and on the edge cases (borders, pictures narrower than
the kernel, deep frames)."""
from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from .sample_clip import sample_clip
from pipeline.temporal import torch_ops as ops
from pipeline.temporal.flow import warp
from pipeline.temporal.metrics import luma, squared_error, ssim_luma, warp_error
from pipeline.temporal.smoother import _blend, change_weight, soft_edged
from pipeline.temporal.torch_smoother import EWARP_TOLERANCE

CPU = "cpu"


def frame_of(t: torch.Tensor, dtype=np.uint8) -> np.ndarray:
    return ops.to_frame(t, dtype)


def level_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(np.int64) - b)


@pytest.mark.parametrize("cv_interp, mode", [(cv2.INTER_LINEAR, ops.BILINEAR),
                                             (cv2.INTER_CUBIC, ops.BICUBIC)])
def test_remap_matches_cv2_remap_on_sample_frames_and_flows(cv_interp, mode):
    clip = sample_clip()
    for prev, motion in zip(clip.styled, clip.motions[1:]):
        ref = warp(prev, motion.flow_cur_to_prev, cv_interp)
        grid = ops.sample_grid(motion.flow_cur_to_prev, CPU)
        out = frame_of(ops.round_to(ops.remap(ops.to_tensor(prev, CPU), grid, mode), 255.0))
        d = level_diff(out, ref)
        assert d.max() <= 1 and np.count_nonzero(d) / d.size < 0.01


@pytest.mark.parametrize("mode, cv_interp", [(ops.BILINEAR, cv2.INTER_LINEAR),
                                             (ops.BICUBIC, cv2.INTER_CUBIC)])
def test_remap_replicates_the_border_as_cv2(mode, cv_interp):
    frame = sample_clip().styled[0]
    h, w = frame.shape[:2]
    flow = np.zeros((h, w, 2), np.float32)
    flow[..., 0] = np.linspace(-40.25, 40.5, w, dtype=np.float32)[None, :]  # far outside
    flow[..., 1] = np.linspace(7.125, -9.0, h, dtype=np.float32)[:, None]
    ref = warp(frame, flow, cv_interp)
    out = frame_of(ops.round_to(ops.remap(ops.to_tensor(frame, CPU),
                                          ops.sample_grid(flow, CPU), mode), 255.0))
    assert level_diff(out, ref).max() <= 1


def test_a_side_of_one_pixel_samples_that_pixel():
    frame = sample_clip().styled[0][:1, :7]
    flow = np.full((1, 7, 2), 0.5, np.float32)
    grid = ops.sample_grid(flow, CPU)
    assert torch.isfinite(grid).all()
    out = frame_of(ops.round_to(ops.remap(ops.to_tensor(frame, CPU), grid), 255.0))
    assert level_diff(out, warp(frame, flow)).max() <= 1


@pytest.mark.parametrize("shape", [(54, 96), (5, 3), (1, 9)])  # narrower than the 17/33 px kernels
@pytest.mark.parametrize("sigma", [2.0, 4.0])
def test_gaussian_blur_is_cv2_s_kernel_and_border(shape, sigma):
    rng = np.random.default_rng(3)
    x = (rng.random(shape) * 255).astype(np.float32)
    ref = cv2.GaussianBlur(x, (0, 0), sigma)
    out = ops.gaussian_blur(ops.to_tensor(x, CPU), sigma)[0, 0].numpy()
    assert np.abs(out - ref).max() < 1e-3


def test_soft_edge_and_change_weight_match_the_smoother_s():
    clip = sample_clip()
    styled, carried = clip.styled[2], warp(clip.styled[1], clip.motions[2].flow_cur_to_prev,
                                           cv2.INTER_CUBIC)
    reliable = clip.motions[2].reliable
    assert np.abs(ops.soft_edged(ops.to_tensor(reliable, CPU), 4.0)[0, 0].numpy()
                  - soft_edged(reliable, 4.0)).max() < 1e-5
    ref = change_weight(carried, styled, 0.2, 2.0)
    out = ops.change_weight(ops.to_tensor(carried, CPU), ops.to_tensor(styled, CPU), 255.0,
                            0.2, 2.0)[0, 0].numpy()
    assert np.abs(out - ref).max() < 1e-5


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_blend_is_cv2_blend_linear_exactly(dtype):
    rng = np.random.default_rng(5)
    peak = np.iinfo(dtype).max
    a, b = (rng.integers(0, peak + 1, (31, 47, 3)).astype(dtype) for _ in range(2))
    weight = (rng.random((31, 47)) * 0.9).astype(np.float32)
    out = ops.blend(ops.to_tensor(a, CPU), ops.to_tensor(b, CPU), ops.to_tensor(weight, CPU),
                    float(peak))
    np.testing.assert_array_equal(frame_of(out, dtype), _blend(a, b, weight))


def test_metrics_match_opencv_on_sample_frames():
    clip = sample_clip()
    for t in (1, 2, 7):
        prev, cur, motion = clip.styled[t - 1], clip.styled[t], clip.motions[t]
        tp, tc = ops.to_tensor(prev, CPU), ops.to_tensor(cur, CPU)
        assert ops.squared_error(tp, tc, 255.0) == pytest.approx(squared_error(prev, cur),
                                                                 rel=1e-12)
        assert ops.ssim_luma(tp, tc, 255.0) == pytest.approx(ssim_luma(prev, cur), abs=1e-5)
        assert np.abs(ops.luma(tc, 255.0)[0, 0].numpy() - luma(cur)).max() < 1e-3
        ref = warp_error(prev, cur, motion.flow_cur_to_prev, motion.reliable)
        out = ops.warp_error(tp, tc, ops.sample_grid(motion.flow_cur_to_prev, CPU),
                             ops.to_tensor(motion.reliable, CPU), 255.0)
        assert out == pytest.approx(ref, rel=EWARP_TOLERANCE)


def test_an_empty_mask_has_no_warp_error():
    frame = ops.to_tensor(sample_clip().styled[0], CPU)
    flow = np.zeros(sample_clip().styled[0].shape[:2] + (2,), np.float32)
    empty = ops.to_tensor(np.zeros(flow.shape[:2], bool), CPU)
    assert math.isnan(ops.warp_error(frame, frame, ops.sample_grid(flow, CPU), empty, 255.0))


def test_deep_frames_keep_their_scale():
    clip = sample_clip()
    deep = [f.astype(np.uint16) * 257 for f in clip.styled[:2]]
    t = ops.to_tensor(deep[0], CPU)
    assert float(t.max()) == float(deep[0].max()) and t.dtype == torch.float32
    np.testing.assert_array_equal(frame_of(t, np.uint16), deep[0])
    assert ops.squared_error(t, ops.to_tensor(deep[1], CPU), 65535.0) == \
        pytest.approx(squared_error(deep[0], deep[1]), rel=1e-12)
    assert ops.ssim_luma(t, ops.to_tensor(deep[1], CPU), 65535.0) == \
        pytest.approx(ssim_luma(deep[0], deep[1]), abs=1e-5)


def test_device_frames_upload_each_array_once():
    clip = sample_clip()
    frames = ops.DeviceFrames(CPU)
    styled, flow = clip.styled[1], clip.motions[1].flow_cur_to_prev
    assert frames.tensor(styled) is frames.tensor(styled)
    assert frames.tensor(styled.copy()) is not frames.tensor(styled)  # found by identity only
    assert frames.grid(flow) is frames.grid(flow)
    assert frames.tensor(clip.motions[1].reliable).shape == (1, 1) + styled.shape[:2]
    with pytest.raises(ValueError, match="HxWx3 frame or an HxW mask"):
        ops.to_tensor(np.zeros((2, 2, 2, 2), np.uint8), CPU)


def test_the_filters_leave_out_tf32_for_their_convolutions_only(monkeypatch):
    """cuDNN's TF32 (on by default, Ampere and later) would cost the filters about 1e-3
    relative: off while they run, as it was afterwards."""
    before, seen = torch.backends.cudnn.allow_tf32, []
    conv2d = torch.nn.functional.conv2d

    def spy(*args, **kwargs):
        seen.append(torch.backends.cudnn.allow_tf32)
        return conv2d(*args, **kwargs)
    monkeypatch.setattr(torch.nn.functional, "conv2d", spy)
    ops.gaussian_blur(torch.ones(1, 1, 8, 8), 2.0)
    ops.valid_gaussian_filter(torch.ones(1, 1, 16, 16))
    assert seen == [False] * 4 and torch.backends.cudnn.allow_tf32 == before
