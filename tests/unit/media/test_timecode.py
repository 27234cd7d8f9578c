"""pipeline.media.timecode: SMPTE timecode arithmetic (OpenTimelineIO)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from pipeline.media.timecode import timecode_after


@pytest.mark.parametrize("start, fps, offset, expected", [
    ("01:00:00:00", Fraction(24), 0, "01:00:00:00"),
    ("01:00:00:00", Fraction(24), 5, "01:00:00:05"),
    ("00:59:59:23", Fraction(24), 1, "01:00:00:00"),  # carries into seconds, minutes, hours
    ("00:00:00:24", Fraction(25), 1, "00:00:01:00"),
    ("10:00:00:00", Fraction(25), 25 * 60, "10:01:00:00"),
])
def test_frames_after_a_start(start, fps, offset, expected):
    assert timecode_after(start, fps, offset) == expected


def test_drop_frame_keeps_its_separator_and_skips_the_dropped_numbers():
    # 29.97 drop-frame: frames :00 and :01 do not exist at the start of a minute
    # that is not a multiple of ten
    assert timecode_after("00:00:59;29", Fraction(30000, 1001), 1) == "00:01:00;02"
    assert timecode_after("00:09:59;29", Fraction(30000, 1001), 1) == "00:10:00;00"


def test_a_timecode_otio_cannot_read_is_none():
    assert timecode_after("not a timecode", Fraction(24), 3) is None
