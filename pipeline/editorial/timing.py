"""Edit time into the media's frames: a clip's source range (else its media's
available range), checked, counted in the media's frames the way timecode
counts, from where the media starts; an EDL read at the media's rate."""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Optional

from pipeline.editorial.lines import ClipRefused
from pipeline.media.probe import SourceInfo


def timecode_frames(t, fps: Fraction) -> int:
    """A time of the edit as a count of the media's frames, the way timecode
    counts: 23.976 and 24 frames/s both count 24 a timecode second, so an EDL
    read at 24 and a 23.976 take agree frame for frame (``rescaled_to`` would
    convert by real time and drift a frame every thousand)."""
    return round(t.value * round(float(fps)) / round(t.rate))


def clip_frames(clip, info: SourceInfo, path: Path, is_edl: bool):
    """The clip's range in the edit, and its first frame and length in the
    media's frames (0 = the media's first)."""
    taken = _source_range(clip)
    if is_edl and getattr(clip.media_reference, "available_range", None) is None:
        _check_rate(taken, info, path)
    try:
        media_start = _media_start(clip.media_reference, info.fps_fraction, info.timecode)
    except ValueError as exc:  # a timecode OTIO cannot count at the media's rate
        raise ClipRefused(f"cannot place its timecode {info.timecode} at {info.fps} frames/s: "
                          f"{exc}") from None
    cut_in = timecode_frames(taken.start_time, info.fps_fraction) - media_start
    length = timecode_frames(taken.duration, info.fps_fraction)
    if length <= 0:
        raise ClipRefused(f"its source range is empty ({length} frames)")
    if cut_in < 0 or cut_in + length > info.frame_count:
        raise ClipRefused(f"its source range (frames {cut_in}-{cut_in + length - 1} of the "
                          f"media) is outside {path} ({info.frame_count} frames)")
    return taken, cut_in, length


def _media_start(ref, fps: Fraction, source_timecode: Optional[str]) -> int:
    """Where the media starts, in the same count: its available range in the
    edit, else its own start timecode (read at its exact rate: drop-frame
    29.97 counts too), else 0."""
    import opentimelineio as otio
    available = getattr(ref, "available_range", None)
    if available is not None:
        _check_time(available.start_time, "its media reference's available range")
        return timecode_frames(available.start_time, fps)
    if source_timecode:
        return round(otio.opentime.from_timecode(source_timecode, float(fps)).value)
    return 0


def _check_time(t, what: str) -> None:
    if not (math.isfinite(t.value) and math.isfinite(t.rate) and round(t.rate) > 0):
        raise ClipRefused(f"{what} has no usable time ({t.value:g} at rate {t.rate:g})")


def _source_range(clip):
    """The clip's source range, else its media's available range."""
    import opentimelineio as otio
    try:
        taken = clip.trimmed_range()
    except otio.exceptions.CannotComputeAvailableRangeError:
        raise ClipRefused("no source range, and its media reference has no available range: "
                          "give the clip a source range in the edit") from None
    _check_time(taken.start_time, "its source range")
    _check_time(taken.duration, "its source range")
    return taken


def _check_rate(clip_range, info: SourceInfo, path: Path) -> None:
    """An EDL's source timecodes are the media's: read at another count (the
    default --rate 24 for a 25 frames/s take) they name other frames."""
    edit, media = round(clip_range.start_time.rate), round(float(info.fps_fraction))
    if edit != media:
        raise ClipRefused(f"the EDL is read at {clip_range.start_time.rate:g} frames/s but "
                          f"{path} runs at {float(info.fps_fraction):g}: its source timecodes "
                          f"count {media} frames a second there; read the EDL with --rate "
                          f"{info.fps}")
