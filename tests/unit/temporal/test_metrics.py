"""pipeline.temporal.metrics: warp error, PSNR, SSIM (RGB and luma; undefined under its window)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from .panned import exact_pan_flow, exact_pan_mask, flicker, panned_clip, panned_crops
from pipeline.temporal.metrics import (FrameMetrics, luma, psnr, squared_error, ssim, ssim_luma,
                                      warp_error)


def test_metrics_basics():
    prev, cur = panned_clip(2)
    assert warp_error(prev, cur, exact_pan_flow(), exact_pan_mask()) == 0.0
    assert warp_error(prev, prev, exact_pan_flow(), exact_pan_mask()) > 0.0
    assert ssim(cur, cur) == pytest.approx(1.0)
    assert psnr(cur, cur) == float("inf")
    noisy = np.clip(cur.astype(int) + 10, 0, 255).astype(np.uint8)
    assert 25 < psnr(cur, noisy) < 30 and ssim(cur, noisy) < 1.0


def test_ssim_is_undefined_for_frames_under_its_window():
    a, b = panned_crops(7, 5)  # the 11x11 window does not fit
    assert math.isnan(ssim(a, b)) and math.isnan(ssim_luma(a, b))
    metrics = FrameMetrics()
    metrics.versus(1001, a, b)
    assert metrics.rows[1001]["ssim"] is None and metrics.rows[1001]["psnr"] > 0
    assert ssim(*panned_crops(11, 11)) < 1.0  # the window fits once


def test_luma_is_the_bt709_weighted_sum_on_the_eight_bit_scale():
    frame = panned_clip(1)[0]
    expected = frame.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])
    assert np.allclose(luma(frame), expected, atol=1e-3)
    assert np.allclose(luma(frame.astype(np.uint16) * 257), expected, atol=1e-3)  # deep frame


def test_luma_ssim_tracks_the_rgb_ssim_of_a_flickering_clip():
    clip = panned_clip(3)
    for plate, styled in zip(clip, flicker(clip)):
        assert ssim_luma(plate, plate) == pytest.approx(1.0)
        assert 0.0 < ssim_luma(plate, styled) < 1.0
        assert ssim_luma(plate, styled) == pytest.approx(ssim(plate, styled), abs=0.05)
    with pytest.raises(ValueError):
        ssim_luma(clip[0], clip[0][:-1])


def test_frame_metrics_score_luma_ssim_and_exact_psnr():
    plate, styled = panned_clip(1)[0], flicker(panned_clip(1))[0]
    metrics = FrameMetrics()
    metrics.versus(1001, plate, styled)
    exact = float(np.sum((plate.astype(np.int64) - styled) ** 2))
    assert squared_error(plate, styled) == pytest.approx(exact, rel=1e-12) == metrics.sq_err
    assert squared_error(plate.astype(np.uint16) * 257, styled.astype(np.uint16) * 257) \
        == pytest.approx(exact, rel=1e-9)
    assert metrics.rows[1001]["ssim"] == round(ssim_luma(plate, styled), 5)
    assert metrics.rows[1001]["psnr"] == round(psnr(plate, styled), 3)


def test_warp_errors_of_several_sequences_share_one_grid_and_match_warp_error():
    plates = panned_clip(2)
    styled = flicker(plates)
    flow, mask = exact_pan_flow(), exact_pan_mask()
    metrics = FrameMetrics()
    metrics.warp_errors(1002, {"plates": plates[0], "styled": styled[0]},
                        {"plates": plates[1], "styled": styled[1]}, flow, mask)
    row = metrics.rows[1002]
    assert row["ewarp_plates"] == warp_error(plates[0], plates[1], flow, mask) == 0.0
    assert row["ewarp_styled"] == warp_error(styled[0], styled[1], flow, mask) > 0.0


def test_stored_rows_with_ssim_of_another_definition_do_not_load():
    plate, styled = panned_clip(1)[0], flicker(panned_clip(1))[0]
    metrics = FrameMetrics()
    metrics.versus(1001, plate, styled)
    stored = metrics.to_json()
    assert FrameMetrics.from_json(stored).rows == metrics.rows
    del stored["ssim_of"]  # scored before issue #23: RGB SSIM
    assert FrameMetrics.from_json(stored) is None
    plates_only = {"rows": {"1002": {"ewarp_plates": 0.001, "reliable": 0.9}}}
    assert FrameMetrics.from_json(plates_only).rows[1002]["ewarp_plates"] == 0.001
