"""16-bit frames (deep sources) go through the smoother, flow and metrics as 8-bit
ones do: the same picture at 16 bits scores and smooths like its 8-bit self."""
from __future__ import annotations

import numpy as np

from helpers import textured_frame
from pipeline.media.imageio import read_rgb, to_uint8, write_rgb
from pipeline.temporal.cuts import scene_cut_score
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import psnr, ssim, warp_error
from pipeline.temporal.smoother import FlowSmoother, Motion


def _deep(frame8: np.ndarray) -> np.ndarray:
    return frame8.astype(np.uint16) * 257  # the same picture, 16 bits


def test_sixteen_bit_pngs_keep_every_level(tmp_path):
    ramp = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    frame = np.dstack([ramp, ramp[::-1], ramp.T])
    write_rgb(tmp_path / "f.png", frame)
    back = read_rgb(tmp_path / "f.png")
    assert back.dtype == np.uint16 and np.array_equal(back, frame)
    assert np.array_equal(to_uint8(_deep(textured_frame(32, 24, 0))), textured_frame(32, 24, 0))


def test_metrics_score_a_deep_picture_like_its_eight_bit_self():
    a8, b8 = textured_frame(64, 48, 0), textured_frame(64, 48, 1)
    a16, b16 = _deep(a8), _deep(b8)
    assert abs(psnr(a16, b16) - psnr(a8, b8)) < 1e-6
    assert abs(ssim(a16, b16) - ssim(a8, b8)) < 1e-5
    # the photometric mask, like the flow, is found on the 8-bit picture
    one, deep_one = (FlowPair.compute(a, b, occlusion="photometric") for a, b in
                     ((a8, b8), (a16, b16)))
    assert np.array_equal(one.reliable(), deep_one.reliable())
    # the two-flow mask keeps pixels the warp does not match exactly, for E_warp to compare
    pair = FlowPair.compute(a8, b8, occlusion="forward_backward").for_storage()
    deep_pair = FlowPair.compute(a16, b16, occlusion="forward_backward").for_storage()
    assert np.array_equal(pair.cur_to_prev, deep_pair.cur_to_prev)  # the flow runs on 8-bit grey
    mask = pair.reliable()
    deep_e = warp_error(a16, b16, pair.cur_to_prev, mask)
    e = warp_error(a8, b8, pair.cur_to_prev, mask)
    assert abs(deep_e - e) < 1e-3 * e  # the 8-bit warp rounds to whole levels
    s8 = scene_cut_score(a8, b8, pair.cur_to_prev, mask)
    s16 = scene_cut_score(a16, b16, pair.cur_to_prev, mask)
    assert abs(s8.residual - s16.residual) < 1e-2 * s8.residual  # whole-level warp, as above
    assert abs(s8.histogram - s16.histogram) < 1e-6


def test_smoother_keeps_sixteen_bits_and_matches_the_eight_bit_result():
    frames8 = [textured_frame(64, 48, i) for i in range(4)]
    for method in ("flow", "adaptive"):
        out8, out16 = [], []
        s8, s16 = FlowSmoother(0.8, method), FlowSmoother(0.8, method)
        for t, f in enumerate(frames8):
            motion = None
            if t:
                pair = FlowPair.compute(frames8[t - 1], f).for_storage()
                motion = Motion(pair.cur_to_prev, pair.reliable())
            out8.append(s8.smooth(f, motion))
            out16.append(s16.smooth(_deep(f), motion))
        assert all(o.dtype == np.uint16 for o in out16)
        # within two 8-bit levels of the 8-bit smoother (rounding carried along), with levels between
        assert max(np.abs(o16 / 257.0 - o8).max() for o8, o16 in zip(out8, out16)) <= 2.0
        assert any(np.any(o16 % 257) for o16 in out16[1:])
