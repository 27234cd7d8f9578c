"""Transitions at a clip's cuts and the frames its shot holds: a dissolve
shows frames of the clip past its cut (OpenTimelineIO's ``visible_range``):
those are part of the cut, not handles, so the shot holds them, and its
``--handles`` handle frames lie beyond them, as far as the media goes; the
handles never stand in for a transition's frames. Each transition's length
is kept for the shot's ``edit`` section and its note."""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Optional

from pipeline.editorial.lines import ClipRefused
from pipeline.editorial.timing import timecode_frames

_SIDES = (("cut in", "before"), ("cut out", "after"))


@dataclass(frozen=True)
class ClipTransitions:
    """The transitions at a clip's cut in and cut out (0 frames long: a cut)."""
    lengths: tuple[int, int] = (0, 0)  # each transition's frames
    past: tuple[int, int] = (0, 0)     # frames of the clip it shows past the cut
    kinds: tuple[str, str] = ("", "")  # 'dissolve', "'SMPTE_Wipe' transition"


@dataclass(frozen=True)
class ShotExtent:
    """What a shot holds beyond its cut, before it and after it."""
    past: tuple[int, int]     # frames transitions show of the clip past its cut
    handles: tuple[int, int]  # handle frames beyond those
    lines: list[str] = field(default_factory=list)  # where the media is too short


def clip_transitions(clip, taken, fps: Fraction) -> ClipTransitions:
    """The transitions next to ``clip`` on its track, in the media's frames
    (``taken``: the clip's source range)."""
    import opentimelineio as otio
    try:
        visible = clip.visible_range()
        track = clip.parent()
        around = (track.neighbors_of(clip) if isinstance(track, otio.schema.Track)
                  else (None, None))
    except otio.exceptions.OTIOError as exc:
        raise ClipRefused(f"its transitions cannot be placed: {exc}") from None
    before = timecode_frames(taken.start_time, fps) - timecode_frames(visible.start_time, fps)
    after = (timecode_frames(visible.end_time_exclusive(), fps)
             - timecode_frames(taken.end_time_exclusive(), fps))
    sides = [item if isinstance(item, otio.schema.Transition) else None for item in around]
    return ClipTransitions(
        lengths=tuple(0 if t is None else timecode_frames(t.in_offset + t.out_offset, fps)
                      for t in sides),
        past=(max(before, 0), max(after, 0)),
        kinds=tuple("" if t is None else _kind(t) for t in sides))


def _kind(transition) -> str:
    if transition.transition_type == "SMPTE_Dissolve":
        return "dissolve"
    return f"{transition.transition_type or 'custom'!r} transition"


def shot_extent(cut_in: int, length: int, frame_count: int, handles: int,
                transitions: ClipTransitions) -> ShotExtent:
    """The frames past the cut the shot holds (all that the transitions show,
    where the media has them) and the handle frames beyond them (``handles``,
    fewer where the media ends first); a line for each side the media cannot
    give a transition's frames."""
    room = (cut_in, frame_count - cut_in - length)
    past = tuple(min(need, have) for need, have in zip(transitions.past, room))
    kept = tuple(min(handles, have - used) for have, used in zip(room, past))
    lines = [f"a {long}-frame {kind} at its {where} shows {need} frame(s) of it {side} its "
             f"cut, but its media holds only {have}: the shot has {have}"
             for (where, side), long, kind, need, have in zip(
                 _SIDES, transitions.lengths, transitions.kinds, transitions.past, past)
             if have < need]
    return ShotExtent(past, kept, lines)


def transition_note(transitions: ClipTransitions, extent: ShotExtent) -> Optional[str]:
    """Each transition whose frames past the cut the shot holds: its length
    and those frames (a CMX dissolve is all after the outgoing clip's cut, so
    inside the incoming clip's)."""
    sides = [f"a {long}-frame {kind} at its {where}, "
             + (f"{held} frame(s) of it {side} the cut" if held else "inside the cut")
             for (where, side), long, kind, need, held in zip(
                 _SIDES, transitions.lengths, transitions.kinds, transitions.past, extent.past)
             if long and held >= need]
    if not sides:
        return None
    head, tail = extent.handles
    holds = "the shot holds the frames past its cut, then" if any(extent.past) else \
        "the shot has"
    return f"{'; '.join(sides)}: {holds} {head} and {tail} handle frames"
