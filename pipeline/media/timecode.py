"""SMPTE timecode arithmetic, done by OpenTimelineIO."""
from __future__ import annotations

from fractions import Fraction
from typing import Optional


def timecode_after(start: str, fps: Fraction, offset: int) -> Optional[str]:
    """The timecode ``offset`` frames after ``start`` (``HH:MM:SS:FF``, ``;`` for
    drop-frame, kept); None when OTIO cannot count it at this rate."""
    import opentimelineio as otio

    rate = float(fps)
    try:
        at = otio.opentime.from_timecode(start, rate) + otio.opentime.RationalTime(offset, rate)
        return otio.opentime.to_timecode(at, rate, ";" in start)
    except (ValueError, RuntimeError):
        return None
