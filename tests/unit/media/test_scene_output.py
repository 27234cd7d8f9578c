"""pipeline.media.scene_output on the built-in ACES config: the EXR looks like the
final frame through the view where the style worked, and is the source where it
did not (highlights, out-of-gamut colours, negatives), alpha associated as the
source's."""
from __future__ import annotations

import numpy as np
import pytest

from pipeline.media.colour import DisplayTransform
from pipeline.media.exr import Picture
from pipeline.media.scene_output import (CHANGED_FROM, UNCHANGED_WITHIN, exr_rgb, premultiply,
                                         scene_frame, source_weight, unpremultiply)

VIEW = DisplayTransform("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6", "ACEScg",
                        "sRGB - Display", "Un-tone-mapped")
HIGHLIGHT, GREEN, GREY, NEGATIVE = (4.0, 4.0, 4.0), (0.02, 0.60, 0.02), (0.18, 0.18, 0.18), \
    (-0.01, 0.05, 0.02)


def _patches(*colours) -> np.ndarray:
    """A 1xN strip of ACEScg patches."""
    return np.array([colours], dtype=np.float32)


def _plate(source: np.ndarray) -> np.ndarray:
    """The plate as the decode stage stores it: the view, clipped, at 16 bits."""
    return np.rint(VIEW.to_display(source).clip(0, 1) * 65535) / 65535


def test_identity_style_gives_the_source_back_highlights_gamut_and_negatives_included():
    source = _patches(HIGHLIGHT, GREEN, GREY, NEGATIVE)
    plate = _plate(source)
    out = scene_frame(source, plate, plate.copy(), VIEW)
    assert np.allclose(out, source, rtol=1e-3, atol=1e-5)


def test_bf16_rounding_of_an_identity_style_still_gives_the_source_back():
    source = _patches(HIGHLIGHT, GREEN, GREY)
    plate = _plate(source)
    final = plate * (1 - 2.0 ** -9)  # bf16's rounding at its worst, half a level at white
    out = scene_frame(source, plate, final, VIEW)
    error = np.abs(out - source).max(axis=-1) / np.abs(source).max(axis=-1)
    assert (error < 0.01).all()  # of each patch's brightest channel


def test_dark_style_shows_the_final_frame_through_the_view_and_makes_no_negative_light():
    source = _patches(HIGHLIGHT, GREEN, GREY, NEGATIVE)
    plate = _plate(source)
    final = np.full_like(plate, 0.05)
    out = scene_frame(source, plate, final, VIEW)
    shown = VIEW.to_display(out)
    assert np.abs(shown - final).max() * 255 < 0.05
    assert (out[0, :3] >= 0).all()  # no negative light where the source had none
    assert out[0, 0].max() < 0.01  # the 4.0 highlight painted dark is dark, not 3.0


def test_a_small_change_stays_within_the_ramp_through_the_view():
    """Between the two thresholds part of the unshown source comes back; through
    the view the EXR stays between the final frame and the plate."""
    source = _patches(HIGHLIGHT, GREEN, (1.5, 0.3, 0.02))
    plate = _plate(source)
    for change in np.linspace(0, 3, 13) / 255:
        final = (plate - change).clip(0, 1)
        shown = VIEW.to_display(scene_frame(source, plate, final, VIEW)).clip(0, 1)
        assert np.abs(shown - final).max() <= change + 1e-4


def test_source_weight_is_one_when_unchanged_zero_when_changed_and_linear_between():
    plate = np.full((1, 4, 3), 0.5, np.float32)
    final = plate.copy()
    final[0, 1, 2] += UNCHANGED_WITHIN * 0.9
    final[0, 2, 0] -= (UNCHANGED_WITHIN + CHANGED_FROM) / 2
    final[0, 3, 1] += CHANGED_FROM * 1.1
    assert source_weight(plate, final) == pytest.approx(np.array([[1, 1, 0.5, 0]]), abs=1e-3)


def test_unpremultiply_and_premultiply_round_trip_and_alpha_zero_keeps_the_source():
    rgb = np.array([[[0.2, 0.1, 0.05], [0.0, 0.0, 0.0], [0.3, 0.2, 0.1]]], np.float32)
    alpha = np.array([[0.5, 0.0, 0.0]], np.float32)
    straight = unpremultiply(rgb, alpha)
    assert straight[0, 0] == pytest.approx([0.4, 0.2, 0.1])
    again = premultiply(straight, alpha, rgb)
    assert np.array_equal(again, rgb)  # the glow at alpha 0 (third pixel) is kept as it is


def test_premultiplied_source_comes_back_associated_with_alpha_zero_black_and_rgb_under_alpha():
    h, w = 4, 8
    straight = np.broadcast_to(np.array(GREY, np.float32), (h, w, 3)).copy()
    straight[:, :2] = GREEN
    alpha = np.tile(np.linspace(0, 1, w, dtype=np.float32), (h, 1))
    source = Picture(straight * alpha[..., None], alpha)
    plate = _plate(straight)  # what the decode stage makes: the straight colour's view
    for final in (plate, np.full_like(plate, 0.9)):
        rgb = exr_rgb(source, plate, final, VIEW)
        assert (rgb[alpha == 0] == 0).all()
        assert (rgb <= alpha[..., None] + 1e-6).all()
    identity = exr_rgb(source, plate, plate, VIEW)
    assert np.allclose(identity, source.rgb, rtol=1e-3, atol=1e-5)


def test_straight_alpha_of_a_movie_stays_straight():
    straight = np.full((2, 2, 3), 0.18, np.float32)
    alpha = np.array([[0.0, 0.5], [1.0, 0.25]], np.float32)
    source = Picture(straight, alpha, premultiplied=False)
    plate = _plate(straight)
    assert np.allclose(exr_rgb(source, plate, plate, VIEW), straight, rtol=1e-3)


def test_the_exr_of_a_source_with_nan_and_inf_gains_no_nan(tmp_path):
    """A real EXR frame with NaN, +Inf and -Inf, read as the pipeline reads it: the
    EXR written from it holds numbers only, whether the style left the pixels alone
    (the source comes back: 0 for NaN, +/-65504 for Inf) or changed them (#21)."""
    import warnings

    import OpenEXR

    from pipeline.media.exr import read_picture, write_exr
    from unit.media.footage import exr_with_nan_and_inf
    exr_with_nan_and_inf(tmp_path / "src")
    source = read_picture(tmp_path / "src" / "plate.1002.exr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plate = _plate(source.rgb)
        for name, final in (("same", plate.copy()), ("darker", plate * 0.5)):
            write_exr(tmp_path / f"{name}.exr", Picture(exr_rgb(source, plate, final, VIEW),
                                                        source.alpha))
            written = OpenEXR.File(str(tmp_path / f"{name}.exr")).channels()["RGBA"].pixels
            assert np.isfinite(written).all(), name
    same = OpenEXR.File(str(tmp_path / "same.exr")).channels()["RGBA"].pixels
    assert same[0, 0, :3].tolist() == [0, 0, 0]
    assert (same[0, 1, 1], same[0, 2, 2]) == (65504, -65504)
