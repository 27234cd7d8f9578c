"""A shot's frame numbers: ``--first-frame N`` (1001) numbers the shot's first
frame, its first handle frame (``--first-frame-at handle``, the default), or
its cut in (``--first-frame-at cut``: the handles, and the frames a transition
shows before the cut, are numbered down from N); a frame number is never below
0, the shot config's ``first_frame`` rule."""
from __future__ import annotations

import dataclasses

from pipeline.config import ShotConfig
from pipeline.editorial.lines import ClipRefused, one_line_error

FIRST_FRAME = 1001
#: What ``--first-frame`` numbers: the first handle frame, or the cut in.
FRAME_ANCHORS = ("handle", "cut")
_RULE = {f.name: f.metadata for f in dataclasses.fields(ShotConfig)}["first_frame"]
FIRST_FRAME_MIN, FIRST_FRAME_MAX = _RULE["min"], _RULE["max"]


def parse_first_frame(text: str) -> int:
    """``--first-frame`` as given on the command line: a shot config's ``first_frame``."""
    try:
        value = int(str(text).strip())
    except ValueError:
        value = None
    if value is None or not FIRST_FRAME_MIN <= value <= FIRST_FRAME_MAX:
        shown = text if value is None else value
        raise one_line_error(f"--first-frame: expected a whole frame number from "
                             f"{FIRST_FRAME_MIN} to {FIRST_FRAME_MAX}, got {shown!r}")
    return value


def check_first_frame(first_frame: int, at: str, handles: int) -> None:
    """Refuses, before the cut is read, numbers every shot with full handles
    would take below 0."""
    if at not in FRAME_ANCHORS:
        raise one_line_error(f"--first-frame-at: expected one of {', '.join(FRAME_ANCHORS)}, "
                             f"got {at!r}")
    parse_first_frame(str(first_frame))
    if at == "cut" and first_frame - handles < FIRST_FRAME_MIN:
        raise one_line_error(
            f"--first-frame {first_frame} --first-frame-at cut: with {handles} handle frames "
            f"the first frame would be {first_frame - handles}, and frame numbers start at "
            f"{FIRST_FRAME_MIN}: give --first-frame {handles + FIRST_FRAME_MIN} or more, or "
            f"fewer --handles")


def shot_first_frame(first_frame: int, at: str, before_cut: int) -> int:
    """The number of a shot's first frame, ``before_cut`` frames before its
    cut in (handles, and a transition's frames past the cut)."""
    if at == "handle":
        return first_frame
    first = first_frame - before_cut
    if first < FIRST_FRAME_MIN:
        raise ClipRefused(f"with its cut in at frame {first_frame} (--first-frame-at cut) its "
                          f"first frame would be {first}, {before_cut} frames before it (a "
                          f"transition's and the handles'), and frame numbers start at "
                          f"{FIRST_FRAME_MIN}: give --first-frame {before_cut + FIRST_FRAME_MIN}"
                          f" or more")
    return first
