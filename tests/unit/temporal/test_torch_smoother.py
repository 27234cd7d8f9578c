"""pipeline.temporal.torch_smoother: the torch path, run with torch on the CPU (the same
code as on CUDA), against the OpenCV path on real sample frames and flows through
the sample's hard cut: final frames, luma SSIM, PSNR and E_warp within the
stated tolerances; restarts, chunks and deep frames as the OpenCV smoother."""
from __future__ import annotations

import math

import numpy as np
import pytest

from .panned import panned_crops
from .sample_clip import CUT_AT, sample_clip
from pipeline.temporal.metrics import FrameMetrics
from pipeline.temporal.smoother import FlowSmoother, Motion
from pipeline.temporal.torch_ops import DeviceFrames
from pipeline.temporal.torch_smoother import (EWARP_TOLERANCE, PSNR_TOLERANCE, SHOT_TOLERANCE,
                                              SSIM_TOLERANCE, STEP_TOLERANCE, TorchFlowSmoother,
                                              TorchFrameMetrics)


def torch_pair(method: str, previous_output=None):
    frames = DeviceFrames("cpu")
    return (TorchFlowSmoother(0.9, method, previous_output, frames=frames),
            TorchFrameMetrics(frames=frames))


def stage_loop(smoother, metrics, styled, motions):
    """What pipeline/stages/final.py does per frame (without the files; a chunk's first
    frame has no E_warp here)."""
    finals, previous = [], {}
    for f, (frame, motion) in enumerate(zip(styled, motions)):
        final = smoother.smooth(frame, motion)
        current = {"styled": frame, "final": final}
        metrics.versus(f, final, frame)
        if motion is not None and not motion.scene_cut and previous:
            metrics.warp_errors(f, previous, current, motion.flow_cur_to_prev, motion.reliable)
        previous = current
        finals.append(final)
    return finals


@pytest.mark.parametrize("method", FlowSmoother.METHODS)
def test_one_step_from_the_same_history_is_within_one_level(method):
    clip = sample_clip()
    reference = FlowSmoother(0.9, method)
    smoothed_one = 0
    for styled, motion in zip(clip.styled, clip.motions):
        history = reference.previous_output
        ref = reference.smooth(styled, motion)
        out = TorchFlowSmoother(0.9, method, history).smooth(styled, motion)
        assert np.abs(out.astype(int) - ref).max() <= STEP_TOLERANCE
        smoothed_one += not np.array_equal(ref, styled)
    assert smoothed_one >= 5


@pytest.mark.parametrize("method", FlowSmoother.METHODS)
def test_torch_path_equals_the_opencv_path_within_the_tolerance(method):
    clip = sample_clip()
    ref_metrics = FrameMetrics()
    ref = stage_loop(FlowSmoother(0.9, method), ref_metrics, clip.styled, clip.motions)
    smoother, out_metrics = torch_pair(method)
    out = stage_loop(smoother, out_metrics, clip.styled, clip.motions)
    for a, b in zip(out, ref):
        assert a.dtype == np.uint8 and a.shape == b.shape and a.flags.c_contiguous
        assert np.abs(a.astype(int) - b).max() <= SHOT_TOLERANCE
    np.testing.assert_array_equal(out[0], clip.styled[0])  # nothing before it
    np.testing.assert_array_equal(out[CUT_AT], clip.styled[CUT_AT])  # the history restarts
    assert any(not np.array_equal(a, s) for a, s in zip(out[1:], clip.styled[1:]))  # it smooths
    assert out_metrics.rows.keys() == ref_metrics.rows.keys()
    for f, row in ref_metrics.rows.items():
        got = out_metrics.rows[f]
        assert set(got) == set(row) and got.get("reliable") == row.get("reliable")
        assert got["ssim"] == pytest.approx(row["ssim"], abs=SSIM_TOLERANCE)
        assert got["psnr"] == pytest.approx(row["psnr"], abs=PSNR_TOLERANCE)
        for key in ("ewarp_styled", "ewarp_final"):
            if key in row:
                assert got[key] == pytest.approx(row[key], rel=EWARP_TOLERANCE)
    assert out_metrics.sq_err == pytest.approx(ref_metrics.sq_err, rel=1e-2)
    assert out_metrics.values == ref_metrics.values


def test_the_torch_path_is_deterministic_whatever_the_chunk_size():
    clip = sample_clip()
    whole = stage_loop(*torch_pair("adaptive"), clip.styled, clip.motions)
    chunked = []
    for first in range(0, len(clip.styled), 4):
        previous_output = chunked[-1] if chunked else None
        motions = clip.motions[first:first + 4]  # the chunk's first motion: from the plate before
        chunked += stage_loop(*torch_pair("adaptive", previous_output),
                              clip.styled[first:first + 4], motions)
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)


def test_deep_frames_stay_deep_and_close():
    clip = sample_clip()
    deep = [f.astype(np.uint16) * 257 for f in clip.styled[:4]]
    ref = stage_loop(FlowSmoother(0.9), FrameMetrics(), deep, clip.motions[:4])
    out = stage_loop(*torch_pair("adaptive"), deep, clip.motions[:4])
    for a, b in zip(out, ref):
        assert a.dtype == np.uint16
        assert np.abs(a.astype(int) - b).max() <= SHOT_TOLERANCE * 257


def test_it_is_a_flow_smoother_with_the_same_checks_and_history():
    clip = sample_clip()
    with pytest.raises(ValueError, match="smoothing method"):
        TorchFlowSmoother(method="nope")
    with pytest.raises(ValueError, match="strength"):
        TorchFlowSmoother(strength=1.0)
    smoother = TorchFlowSmoother(0.9)
    with pytest.raises(ValueError, match="HxWx3 uint8 or uint16"):
        smoother.smooth(np.zeros((4, 4, 3), np.float32), None)
    first = smoother.smooth(clip.styled[0], None)
    np.testing.assert_array_equal(smoother.previous_output, first)
    with pytest.raises(ValueError, match="differ in size"):
        smoother.smooth(clip.styled[1][:20], Motion(clip.motions[1].flow_cur_to_prev[:20],
                                                    clip.motions[1].reliable[:20]))
    zero = TorchFlowSmoother(0.0, previous_output=clip.styled[0])
    np.testing.assert_array_equal(zero.smooth(clip.styled[1], clip.motions[1]), clip.styled[1])


def test_ssim_stays_undefined_under_its_window():
    a, b = panned_crops(7, 5)
    metrics = TorchFrameMetrics()
    metrics.versus(1001, a, b)
    ref = FrameMetrics()
    ref.versus(1001, a, b)
    assert metrics.rows[1001]["ssim"] is None and metrics.rows[1001] == ref.rows[1001]
    assert math.isnan(metrics._ssim_luma(a, b))


def test_the_metrics_save_and_load_as_the_opencv_ones():
    clip = sample_clip()
    metrics = TorchFrameMetrics()
    stage_loop(TorchFlowSmoother(0.9, frames=metrics.frames), metrics, clip.styled[:3],
               clip.motions[:3])
    loaded = FrameMetrics.from_json(metrics.to_json())
    assert loaded is not None and loaded.rows == metrics.rows
