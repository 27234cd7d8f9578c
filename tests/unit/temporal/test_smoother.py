"""pipeline.temporal.smoother: flicker removed along the motion, history reset at a
cut, the same result whatever the chunk size."""
from __future__ import annotations

import numpy as np
import pytest

from .panned import flicker, interior, mean_e_warp, panned_clip, two_scene_clip
from pipeline.temporal.metrics import psnr, ssim
from pipeline.temporal.smoother import FlowSmoother, smooth_frames


@pytest.mark.parametrize("method", FlowSmoother.METHODS)
def test_smoothing_removes_flicker_along_the_motion(method):
    plates = panned_clip(12)
    styled = flicker(plates)
    out = smooth_frames(styled, plates, FlowSmoother(strength=0.9, method=method))
    ratio = mean_e_warp(out) / mean_e_warp(styled)
    assert ratio < 0.2, ratio
    # the picture stays the per-frame stylisation's picture: closer to the
    # true content than the flickering frames, not far from them, not frozen
    assert np.mean([psnr(o, p) for o, p in zip(out[4:], plates[4:])]) > \
        np.mean([psnr(s, p) for s, p in zip(styled[4:], plates[4:])]) + 2.0
    assert np.mean([ssim(o, s) for o, s in zip(out, styled)]) > 0.8
    last_moved = interior(out[-1]).astype(int) - interior(out[-2])
    assert np.abs(last_moved).mean() > 5  # the texture moves on, it is not a frozen frame


@pytest.mark.parametrize("method", FlowSmoother.METHODS)
def test_scene_cut_resets_the_history(method):
    plates = two_scene_clip()
    styled = flicker(plates)
    out = smooth_frames(styled, plates, FlowSmoother(strength=0.9, method=method))
    np.testing.assert_array_equal(out[0], styled[0])
    np.testing.assert_array_equal(out[6], styled[6])  # first frame after the cut
    assert not np.array_equal(out[5], styled[5])  # smoothing was on before the cut
    # no ghost of the first scene afterwards: close to the second scene's frames
    for t in range(7, 12):
        assert np.abs(out[t].astype(int) - styled[t]).mean() < 12


@pytest.mark.parametrize("method", FlowSmoother.METHODS)
def test_result_does_not_depend_on_chunk_size(method):
    plates = two_scene_clip()
    styled = flicker(plates)
    whole = smooth_frames(styled, plates, FlowSmoother(strength=0.8, method=method))
    chunked: list[np.ndarray] = []
    for first in range(0, 12, 4):
        previous_output = chunked[-1] if chunked else None
        previous_plate = plates[first - 1] if first else None
        smoother = FlowSmoother(strength=0.8, method=method, previous_output=previous_output)
        chunked += smooth_frames(styled[first:first + 4], plates[first:first + 4], smoother,
                                 previous_plate=previous_plate)
    assert len(chunked) == len(whole)
    for a, b in zip(whole, chunked):
        np.testing.assert_array_equal(a, b)


def test_strength_zero_and_first_frame_pass_through():
    plates = panned_clip(3)
    styled = flicker(plates)
    out = smooth_frames(styled, plates, FlowSmoother(strength=0.0))
    for a, b in zip(out, styled):
        np.testing.assert_array_equal(a, b)


def test_smoother_rejects_bad_settings_and_frames():
    with pytest.raises(ValueError):
        FlowSmoother(method="nope")
    with pytest.raises(ValueError):
        FlowSmoother(strength=1.0)
    with pytest.raises(ValueError):
        FlowSmoother().smooth(np.zeros((4, 4, 3), np.float32), None)
