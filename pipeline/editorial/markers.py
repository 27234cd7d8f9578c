"""The marker that names a clip's shot: among the clip's own markers (whatever
their time: OpenTimelineIO's cmx_3600 adapter puts an EDL's ``* LOC:`` on the
event's clip at its timecode as written, usually the record's) and the markers
of the tracks and stacks around it whose marked range starts inside the clip's
range there (editors often mark the timeline, not the clip), the first in time
(the clip's own first at a tie); its name, else its comment."""
from __future__ import annotations

from typing import Optional


def marker_name(clip) -> tuple[Optional[str], list[str]]:
    """The text of the first marker that names the clip's shot (None without
    one), and a line for each composition around it whose markers cannot be
    placed (OpenTimelineIO cannot time it: another clip without a range)."""
    import opentimelineio as otio
    found = []  # (time in the clip's time, 0 for the clip's own / 1 around it, order, text)
    for marker in clip.markers:
        found.append((marker.marked_range.start_time, 0, len(found), _text(marker)))
    lines = []
    outer = clip.parent()
    while outer is not None:
        if any(_text(marker) for marker in outer.markers):
            try:
                there = clip.transformed_time_range(clip.trimmed_range(), outer)
                for marker in outer.markers:
                    start = marker.marked_range.start_time
                    if there.start_time <= start < there.end_time_exclusive():
                        found.append((outer.transformed_time(start, clip), 1, len(found),
                                      _text(marker)))
            except otio.exceptions.OTIOError as exc:
                lines.append(f"the markers of the {outer.schema_name()} "
                             f"{outer.name or 'unnamed'!r} around it cannot be placed "
                             f"({exc}): its shot is named without them")
        outer = outer.parent()
    named = sorted(entry for entry in found if entry[3])
    return (named[0][3] if named else None), lines


def _text(marker) -> str:
    """A marker's name, else its comment (OpenTimelineIO 0.17 and later)."""
    return (marker.name or "").strip() or (getattr(marker, "comment", "") or "").strip()
