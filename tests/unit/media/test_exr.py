"""EXR header attributes written with OpenImageIO, read back with the OpenEXR library."""
from __future__ import annotations

from fractions import Fraction

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
