"""pipeline.media.exr: EXR header attributes written with OpenImageIO, read back with the
OpenEXR library; image_size reads the size from damaged or unusual image headers."""
from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import OpenEXR
import pytest

from pipeline.media.exr import Picture, timecode_attribute, write_exr


@pytest.mark.parametrize("start, fps, offset, expected", [
    ("01:00:00:05", Fraction(24), 0, (1, 0, 0, 5, False)),
    ("00:59:59:23", Fraction(24), 1, (1, 0, 0, 0, False)),  # carries into the hour
    ("10:09:59;29", Fraction(30000, 1001), 1, (10, 10, 0, 0, True)),  # minute 10 keeps ;00
    ("10:10:59;29", Fraction(30000, 1001), 1, (10, 11, 0, 2, True)),  # drop-frame skips 0, 1
    ("23:59:59:24", Fraction(25), 1, (0, 0, 0, 0, False)),  # wraps at 24 hours
])
def test_each_frame_gets_its_own_timecode(tmp_path, start, fps, offset, expected):
    path = tmp_path / "tc.exr"
    write_exr(path, Picture(np.zeros((2, 3, 3), np.float32), None,
                            timecode_attribute(start, fps, offset)))
    tc = OpenEXR.File(str(path)).header()["timeCode"]
    assert (tc.hours, tc.minutes, tc.seconds, tc.frame, tc.dropFrame) == expected


def test_a_timecode_that_cannot_be_counted_or_packed_is_left_out():
    assert timecode_attribute("not a timecode", Fraction(24), 3) == {}
    # frame numbers above 29 do not fit OpenEXR's TV60 packing
    assert timecode_attribute("01:00:00:00", Fraction(50), 45) == {}


def test_image_headers_that_are_damaged_or_unusual(tmp_path):
    import struct
    from pipeline.media.exr import image_size
    # EXR whose attribute size is negative: must end, not loop
    exr = tmp_path / "bad.exr"
    exr.write_bytes(b"\x76\x2f\x31\x01" + b"\x02\0\0\0" + b"a\0b\0" + struct.pack("<i", -8))
    assert image_size(exr) is None
    # a PNG cut inside its header
    png = tmp_path / "cut.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIH")
    assert image_size(png) is None
    # JPEG with fill bytes and a standalone marker before the frame header
    ok, buf = cv2.imencode(".jpg", np.zeros((20, 24, 3), np.uint8))
    data = buf.tobytes()
    jpg = tmp_path / "fill.jpg"
    jpg.write_bytes(data[:2] + b"\xff\xd0" + b"\xff\xff" + data[2:])
    assert image_size(jpg) == (24, 20)
    # big-endian TIFF: one 8-bit grey strip, 33x17
    tif = tmp_path / "be.tif"
    pixels = bytes(33 * 17)
    entries = [(256, 3, 33), (257, 3, 17), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 8 + 2 + 9 * 12 + 4), (277, 3, 1), (278, 3, 17), (279, 4, len(pixels))]
    ifd = struct.pack(">H", len(entries)) + b"".join(
        struct.pack(">HHI", tag, kind, 1) + (struct.pack(">H", v) + b"\0\0" if kind == 3
                                             else struct.pack(">I", v))
        for tag, kind, v in entries) + b"\0\0\0\0"
    tif.write_bytes(b"MM\0*" + struct.pack(">I", 8) + ifd + pixels)
    assert image_size(tif) == (33, 17)


def test_nan_and_inf_in_an_exr_are_made_finite_on_read_without_a_numpy_warning(tmp_path):
    """A real EXR holding NaN, +Inf and -Inf (in RGB and in alpha): read with numbers
    in their place (NaN 0, Inf +/-65504, the largest half) and counted per frame (#21)."""
    import warnings

    from pipeline.media.exr import read_picture
    from unit.media.footage import NONFINITE, exr_with_nan_and_inf
    exr_with_nan_and_inf(tmp_path)
    stored = OpenEXR.File(str(tmp_path / "plate.1002.exr")).channels()["RGBA"].pixels
    assert np.isnan(stored[0, 0, 0]) and np.isposinf(stored[0, 1, 1])  # as the file holds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pictures = {f: read_picture(tmp_path / f"plate.{f}.exr") for f in (1001, 1002, 1003)}
    assert {f: p.nonfinite for f, p in pictures.items()} == {
        1001: 0, 1002: len(NONFINITE[1002]), 1003: len(NONFINITE[1003])}
    rgb = pictures[1002].rgb
    assert rgb[0, 0].tolist() == [0.0, 0.0, 0.0]
    assert rgb[0, 1, 1] == 65504.0 and rgb[0, 2, 2] == -65504.0
    assert rgb[0, 1, 0] == stored[0, 1, 0]  # the pixel's other channels kept
    assert pictures[1003].rgb[5, 5, 0] == 0.0 and pictures[1003].alpha[6, 6] == 0.0
    assert all(np.isfinite(p.rgb).all() and np.isfinite(p.alpha).all()
               for p in pictures.values())
