"""pipeline.temporal.metrics: warp error, PSNR, SSIM (undefined under its window)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from .panned import exact_pan_flow, exact_pan_mask, panned_clip, panned_crops
from pipeline.temporal.metrics import FrameMetrics, psnr, ssim, warp_error


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
    assert math.isnan(ssim(a, b))
    metrics = FrameMetrics()
    metrics.versus(1001, a, b)
    assert metrics.rows[1001]["ssim"] is None and metrics.rows[1001]["psnr"] > 0
    assert ssim(*panned_crops(11, 11)) < 1.0  # the window fits once
