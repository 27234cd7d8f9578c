"""pipeline.media.colour_decode: a colour-managed source (a real EXR sequence,
a real movie) read as float pictures and stored as 16-bit display-referred
plates through a real OCIO display/view transform."""
from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import OpenImageIO as oiio
import pytest

from helpers import make_clip, scene_linear_frames, write_exr_sequence
from pipeline.errors import MediaError
from pipeline.media.colour import DisplayTransform
from pipeline.media.colour_decode import (decode_to_display_plates, from_deep_frame,
                                          movie_attributes, source_frame, source_pictures,
                                          to_deep_frame)
from pipeline.media.probe import probe_source

VIEW = DisplayTransform("ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6", "ACEScg",
                        "sRGB - Display", "Un-tone-mapped")


def test_deep_frames_clip_to_display_range_and_come_back():
    display = np.array([[[-0.5, 0.0, 0.25], [0.5, 1.0, 4.0]]], np.float32)
    deep = to_deep_frame(display)
    assert deep.dtype == np.uint16 and deep.tolist() == [[[0, 0, 16384], [32768, 65535, 65535]]]
    back = from_deep_frame(deep)
    assert back.dtype == np.float32 and np.abs(back - np.clip(display, 0, 1)).max() < 1 / 65535
    assert from_deep_frame(np.array([[[255, 0, 51]]], np.uint8))[0, 0].tolist() == \
        pytest.approx([1.0, 0.0, 0.2])


def test_an_exr_sequence_is_read_as_written_and_stored_through_the_view(tmp_path):
    frames = scene_linear_frames(16, 12, 3)
    alpha = [np.full((12, 16), 0.5, np.float32) for _ in frames]
    write_exr_sequence(tmp_path / "exr", frames, alpha=alpha)
    info = probe_source(str(tmp_path / "exr" / "plate.####.exr"), Fraction(24))
    assert source_frame(info, 2) == tmp_path / "exr" / "plate.1003.exr"
    pictures = list(source_pictures(info))
    assert len(pictures) == 3
    half = frames[1].astype(np.float16).astype(np.float32)  # stored as half
    assert np.array_equal(pictures[1].rgb, half) and np.array_equal(pictures[1].alpha, alpha[1])
    seen = []
    out = tmp_path / "plates"
    assert decode_to_display_plates(info, out, "e1", 1001, progress=lambda d, t: seen.append(d),
                                    transform=VIEW) == 3
    assert seen == [1, 2, 3]
    plate = cv2.imread(str(out / "e1.1002.png"), cv2.IMREAD_UNCHANGED)
    assert plate.dtype == np.uint16 and plate.shape == (12, 16, 4)  # RGBA: the source's alpha
    rgb = cv2.cvtColor(plate[..., :3], cv2.COLOR_BGR2RGB)
    straight = half / 0.5 if pictures[1].premultiplied else half
    expected = to_deep_frame(VIEW.to_display(straight))
    assert np.abs(rgb.astype(int) - expected).max() <= 1
    assert (plate[..., 3] == 32768).all()
    assert (rgb[3, 3] == 65535).all()  # the highlight (4.0) clips at display white


def test_a_movie_is_decoded_to_code_values_with_its_container_s_attributes(tmp_path):
    clip = make_clip(tmp_path / "m.mov", 16, 12, frames=2, audio=False, pix_fmt="yuv444p",
                     extra=("-qp", "0"), timecode="01:00:00:00")
    info = probe_source(str(clip))
    attributes = movie_attributes(info, 1)
    assert attributes["PixelAspectRatio"] == (oiio.TypeFloat, 1.0)
    assert len(attributes) == 2  # and the frame's timecode
    pictures = list(source_pictures(info))
    assert len(pictures) == 2 and pictures[0].alpha is None and not pictures[0].premultiplied
    src = cv2.cvtColor(cv2.imread(str(tmp_path / ".m_src" / "src.0001.png")), cv2.COLOR_BGR2RGB)
    assert np.abs(pictures[0].rgb * 255 - src).mean() < 1.5  # code values, not yet colour


def test_a_missing_frame_leaves_no_plates(tmp_path):
    write_exr_sequence(tmp_path / "exr", scene_linear_frames(8, 8, 2))
    info = probe_source(str(tmp_path / "exr" / "plate.####.exr"), Fraction(24))
    (tmp_path / "exr" / "plate.1002.exr").unlink()
    with pytest.raises(MediaError, match=r"plate\.1002\.exr"):
        decode_to_display_plates(info, tmp_path / "plates", "e1", 1001, transform=VIEW)
    assert not (tmp_path / "plates").exists()  # swapped in whole, or not at all


def test_a_movie_shorter_than_probed_leaves_no_plates(tmp_path):
    import dataclasses
    movie = probe_source(str(make_clip(tmp_path / "m.mov", 16, 12, frames=2, audio=False)))
    with pytest.raises(MediaError, match="decoded 2 of 4 frames"):
        decode_to_display_plates(dataclasses.replace(movie, frame_count=4), tmp_path / "q",
                                 "m", 1, transform=VIEW)
    assert not (tmp_path / "q").exists()


def test_nan_and_inf_in_an_exr_give_finite_plates_and_one_warning_line(tmp_path, caplog):
    """NaN and Inf (frames 1002 and 1003): no numpy RuntimeWarning, the NaN pixels
    black, +Inf display white in its channel, and one line naming frames and count."""
    import logging
    import warnings

    from unit.media.footage import exr_with_nan_and_inf
    info = probe_source(exr_with_nan_and_inf(tmp_path / "exr"), Fraction(24))
    with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="shotstyle"):
        warnings.simplefilter("error")
        decode_to_display_plates(info, tmp_path / "plates", "e1", 1001, transform=VIEW)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [(
        "WARNING", f"{tmp_path / 'exr' / 'plate.%04d.exr'}: 5 pixels with NaN or Inf in 2 "
                   f"frames (1002-1003): NaN set to 0, Inf clipped to +/-65504")]
    plate = cv2.imread(str(tmp_path / "plates" / "e1.1002.png"), cv2.IMREAD_UNCHANGED)
    assert plate[0, 0, :3].tolist() == [0, 0, 0]  # NaN -> 0 -> black
    assert plate[0, 1, 1] == 65535  # +Inf -> display white in G (BGRA: G is index 1)
    single = {1003: 2}
    from pipeline.media.colour_decode import nonfinite_warning
    assert nonfinite_warning(info, single) == (
        f"{tmp_path / 'exr' / 'plate.1003.exr'}: 2 pixels with NaN or Inf: NaN set to 0, Inf "
        f"clipped to +/-65504")


def test_an_exr_frame_cut_short_is_one_line_and_leaves_no_plates(tmp_path):
    """Its header is whole (the probe passes it), its pixels are not: OpenImageIO's
    error, which repeats itself line after line, is one line (#21)."""
    write_exr_sequence(tmp_path / "exr", scene_linear_frames(16, 12, 3))
    frame = tmp_path / "exr" / "plate.1002.exr"
    frame.write_bytes(frame.read_bytes()[: frame.stat().st_size // 2])
    info = probe_source(str(tmp_path / "exr" / "plate.####.exr"), Fraction(24))
    with pytest.raises(MediaError) as err:
        decode_to_display_plates(info, tmp_path / "plates", "e1", 1001, transform=VIEW)
    assert str(err.value) == (f"{frame}: cannot read image: Some scanline chunks were missing "
                              f"or corrupted")
    assert not (tmp_path / "plates").exists()
