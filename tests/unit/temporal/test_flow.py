"""pipeline.temporal.flow: flow conventions, warping, occlusion masks, FlowPair files."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from .panned import (H, PAN, W, exact_pan_flow, exact_pan_mask, interior, panned_clip,
                    panned_crops, world)
from pipeline.temporal.flow import (FlowPair, compute_flow, divergence, photometric_mask,
                                    reliable_mask, remap, sample_maps, warp)


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_flow_direction_and_warp_on_a_known_shift(scale):
    a, b = panned_clip(2)  # b(x) = a(x + PAN): a(x) = b(x - PAN)
    flow_ab = compute_flow(a, b, scale=scale)
    assert flow_ab.shape == (H, W, 2) and flow_ab.dtype == np.float32
    assert np.median(interior(flow_ab)[..., 0]) == pytest.approx(-PAN, abs=0.25)
    assert np.median(interior(flow_ab)[..., 1]) == pytest.approx(0.0, abs=0.25)
    assert np.median(interior(compute_flow(b, a, scale=scale))[..., 0]) == pytest.approx(
        PAN, abs=0.25)
    # warp(b, flow_ab) brings b onto a
    aligned = warp(b, flow_ab)
    assert np.abs(interior(aligned).astype(int) - interior(a)).mean() < 2.0


def test_warp_with_a_whole_pixel_flow_is_exact():
    prev, cur = panned_clip(2)
    aligned = warp(prev, exact_pan_flow())  # warp(prev, flow_cur_to_prev) ≈ cur
    np.testing.assert_array_equal(aligned[:, :W - PAN], cur[:, :W - PAN])


def moving_square_pair(step: int = 6):
    """Static texture, a textured square moving right by ``step`` px (prev -> cur)."""
    bg = world(W, seed=3)
    prev, cur = bg.copy(), bg.copy()
    y0, x0, size = 30, 40, 30
    square = world(W, seed=4, tint=(1.5, 0.6, 0.6))[:size, :size]
    prev[y0:y0 + size, x0:x0 + size] = square
    cur[y0:y0 + size, x0 + step:x0 + step + size] = square
    disoccluded = np.zeros((H, W), bool)  # background of cur that prev's square hid
    disoccluded[y0:y0 + size, x0:x0 + step] = True
    return prev, cur, disoccluded, (y0, x0, size, step)


def test_reliable_mask_marks_a_disoccluded_region_with_exact_flows():
    prev, cur, disoccluded, (y0, x0, size, step) = moving_square_pair()
    cur_to_prev = np.zeros((H, W, 2), np.float32)
    cur_to_prev[y0:y0 + size, x0 + step:x0 + step + size, 0] = -step
    prev_to_cur = np.zeros((H, W, 2), np.float32)
    prev_to_cur[y0:y0 + size, x0:x0 + size, 0] = step
    mask = reliable_mask(cur_to_prev, prev_to_cur)
    assert mask.shape == (H, W) and mask.min() >= 0 and mask.max() <= 1
    assert mask[disoccluded].max() == 0
    far = np.ones((H, W), bool)
    far[y0 - 4:y0 + size + 4, x0 - 4:x0 + size + step + 4] = False
    assert mask[far].min() == 1


def test_reliable_mask_marks_a_disoccluded_region_with_dis():
    prev, cur, disoccluded, (y0, x0, size, step) = moving_square_pair()
    mask = FlowPair.compute(prev, cur, occlusion="forward_backward").reliable()
    assert mask[disoccluded].mean() < 0.2
    far = np.ones((H, W), bool)
    far[y0 - 12:y0 + size + 12, x0 - 12:x0 + size + step + 12] = False
    assert mask[far].mean() > 0.9


def test_photometric_mask_marks_the_disoccluded_band_with_the_exact_flow():
    prev, cur, disoccluded, (y0, x0, size, step) = moving_square_pair()
    cur_to_prev = np.zeros((H, W, 2), np.float32)
    cur_to_prev[y0:y0 + size, x0 + step:x0 + step + size, 0] = -step
    mask = photometric_mask(prev, cur, cur_to_prev)
    assert mask.shape == (H, W) and mask.dtype == np.float32
    assert set(np.unique(mask)) <= {0.0, 1.0}
    assert mask[disoccluded].max() == 0
    far = np.ones((H, W), bool)
    far[y0 - 4:y0 + size + 4, x0 - 4:x0 + size + step + 4] = False
    assert mask[far].min() == 1
    assert mask[y0 + 4:y0 + size - 4, x0 + step + 4:x0 + step + size - 4].min() == 1  # the square


def test_one_flow_pair_marks_the_disoccluded_band_like_two():
    prev, cur, disoccluded, (y0, x0, size, step) = moving_square_pair()
    pair = FlowPair.compute(prev, cur, occlusion="photometric")
    assert pair.prev_to_cur is None
    mask = pair.reliable()
    assert mask[disoccluded].mean() < 0.2
    far = np.ones((H, W), bool)
    far[y0 - 12:y0 + size + 12, x0 - 12:x0 + size + step + 12] = False
    assert mask[far].mean() > 0.9
    two = FlowPair.compute(prev, cur, occlusion="forward_backward").reliable()
    assert np.mean(mask == two) > 0.95


def test_divergence_of_a_compressing_flow_is_negative():
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    flow = np.dstack([-0.25 * xs, -0.25 * ys]).astype(np.float32)  # x + flow = 0.75 x
    assert np.allclose(divergence(flow), -0.5)


def test_one_flow_pair_is_stored_without_the_reverse_flow(tmp_path):
    prev, cur = panned_clip(2)
    stored = FlowPair.compute(prev, cur, occlusion="photometric").for_storage()
    path = tmp_path / "s01.1002.flow.npz"
    stored.save(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["cur_to_prev", "format", "mask_bits", "step"]
    cached = FlowPair.load(path)
    assert cached.prev_to_cur is None
    assert np.array_equal(cached.cur_to_prev, stored.cur_to_prev)
    assert np.array_equal(cached.reliable(), stored.reliable())
    assert interior(cached.reliable()).mean() > 0.99  # a pan: nothing occluded inside


def test_flow_pair_refuses_an_unknown_occlusion_test():
    prev, cur = panned_clip(2)
    with pytest.raises(ValueError):
        FlowPair.compute(prev, cur, occlusion="both")


def test_flow_pair_round_trip(tmp_path):
    prev, cur = panned_clip(2)
    pair = FlowPair.compute(prev, cur, occlusion="forward_backward")
    path = tmp_path / "s01.1002.flow.npz"
    pair.save(path)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left
    back = FlowPair.load(path)
    for a, b in ((pair.cur_to_prev, back.cur_to_prev), (pair.prev_to_cur, back.prev_to_cur)):
        assert b.dtype == np.float32 and b.shape == a.shape
        assert np.abs(b - a).max() <= 1 / 64 + 1e-6  # stored in 1/32 px
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["cur_to_prev", "format", "prev_to_cur", "step"]
    # the reloaded flows give the same smoothing decision
    assert np.mean(interior(back.reliable()) == interior(pair.reliable())) > 0.995
    # as the flow stage caches it: with its mask, and then without the reverse flow
    stored = pair.for_storage()
    stored.save(path)
    with np.load(path, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["cur_to_prev", "format", "mask_bits", "step"]
    cached = FlowPair.load(path)
    assert cached.prev_to_cur is None
    assert np.array_equal(cached.cur_to_prev, stored.cur_to_prev)
    assert np.array_equal(cached.reliable(), stored.reliable())


@pytest.mark.parametrize("preset", ["medium", "fast", "ultrafast"])
@pytest.mark.parametrize("w, h", [(64, 8), (100, 10), (40, 12), (96, 16)])
def test_flow_of_frames_under_the_size_dis_needs(preset, w, h):
    # Given these wide, short frames, DIS alone picks its pyramid from the width
    # and reads outside the image (the process crashes): with every preset but
    # medium at 96x16. Padded to the size it needs, the flow is right.
    a, b = panned_crops(w, h)
    flow = compute_flow(a, b, preset=preset)
    assert flow.shape == (h, w, 2) and flow.dtype == np.float32
    assert np.median(flow[..., 0]) == pytest.approx(-PAN, abs=0.25)
    assert np.median(flow[..., 1]) == pytest.approx(0.0, abs=0.25)


def test_flow_of_a_7x5_frame_follows_the_motion():
    a, b = panned_crops(7, 5)
    assert np.median(compute_flow(a, b)[..., 0]) == pytest.approx(-PAN, abs=0.5)
    assert np.median(compute_flow(b, a)[..., 0]) == pytest.approx(PAN, abs=0.5)


@pytest.mark.parametrize("w, h", [(7, 5), (2, 2), (13, 1), (1, 13), (1, 1)])
def test_one_flow_pair_of_tiny_frames(w, h):
    a, b = panned_crops(w, h)
    stored = FlowPair.compute(a, b, occlusion="photometric").for_storage()
    assert stored.cur_to_prev.shape == (h, w, 2) and stored.mask.shape == (h, w)
    assert np.isfinite(stored.cur_to_prev).all()


@pytest.mark.parametrize("preset", ["medium", "fast"])
@pytest.mark.parametrize("scale", [1.0, 0.5])
@pytest.mark.parametrize("w, h", [(7, 5), (5, 7), (2, 2), (13, 1), (1, 13), (1, 1)])
def test_flow_pair_of_tiny_frames(w, h, scale, preset):
    a, b = panned_crops(w, h)
    # both flows and the reliability mask (its gradients along a side of one pixel are 0)
    stored = FlowPair.compute(a, b, scale, preset, "forward_backward").for_storage()
    assert stored.cur_to_prev.shape == stored.prev_to_cur.shape == (h, w, 2)
    assert np.isfinite(stored.cur_to_prev).all() and np.isfinite(stored.prev_to_cur).all()
    assert stored.mask.shape == (h, w)
    assert warp(a, stored.cur_to_prev).shape == a.shape


def test_flow_pair_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez_compressed(bad, cur_to_prev=np.zeros((4, 4, 2), np.float16))
    with pytest.raises(ValueError):
        FlowPair.load(bad)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError):
        FlowPair.load(garbage)


def test_remap_with_the_sample_maps_is_warp():
    frame = panned_clip(1)[0]
    flow = np.random.default_rng(0).normal(0, 3, frame.shape[:2] + (2,)).astype(np.float32)
    maps = sample_maps(flow)
    for interpolation in (cv2.INTER_LINEAR, cv2.INTER_CUBIC):
        assert np.array_equal(remap(frame, maps, interpolation), warp(frame, flow, interpolation))


# The flow stage's shortcuts (issue #23): each gives the numbers of the plain
# functions it stands in for, exactly.

@pytest.mark.parametrize("occlusion", ["photometric", "forward_backward"])
def test_flow_pair_from_given_greys_is_the_same(occlusion):
    from pipeline.temporal.flow import grey
    prev, cur, _, _ = moving_square_pair()
    plain = FlowPair.compute(prev, cur, occlusion=occlusion).for_storage()
    given = FlowPair.compute(prev, cur, occlusion=occlusion,
                             greys=(grey(prev), grey(cur))).for_storage()
    assert np.array_equal(plain.cur_to_prev, given.cur_to_prev)
    assert np.array_equal(plain.reliable(), given.reliable())
    assert plain.to_bytes() == given.to_bytes()


def test_stored_pair_writes_the_flow_it_rounded():
    prev, cur, _, _ = moving_square_pair()
    stored = FlowPair.compute(prev, cur).for_storage()
    assert stored.stored_steps is not None
    # the same bytes as rounding the stored flow again
    again = FlowPair(stored.cur_to_prev, None, stored.mask)
    assert stored.to_bytes() == again.to_bytes()
    assert np.array_equal(FlowPair.from_bytes(stored.to_bytes()).cur_to_prev, stored.cur_to_prev)


def test_cut_score_and_warp_errors_from_one_warp_are_the_plain_ones():
    from pipeline.temporal.cuts import cut_score, hue_sat_hist, scene_cut_score
    from pipeline.temporal.metrics import FrameMetrics
    prev, cur, _, _ = moving_square_pair()
    stored = FlowPair.compute(prev, cur).for_storage()
    flow, mask = stored.cur_to_prev, stored.reliable()
    aligned = remap(prev, sample_maps(flow))
    assert cut_score(aligned, cur, mask, hue_sat_hist(prev), hue_sat_hist(cur)) == \
        scene_cut_score(prev, cur, flow, mask)
    plain, shared = FrameMetrics(), FrameMetrics()
    plain.warp_errors(1002, {"plates": prev}, {"plates": cur}, flow, mask)
    shared.warp_errors_aligned(1002, {"plates": aligned}, {"plates": cur}, mask)
    assert shared.rows == plain.rows and plain.rows[1002]["ewarp_plates"] > 0
