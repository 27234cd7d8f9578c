"""Effects and transitions on a clip: a speed change is refused (a shot takes
its source frames 1:1), any other effect is warned (not applied); the frames a
transition shows of the clip beyond its cut, which the handles keep, and a
line where the media cannot give them."""
from __future__ import annotations

from fractions import Fraction
from typing import Optional

from pipeline.editorial.lines import ClipRefused
from pipeline.editorial.timing import timecode_frames

_FCP_SPEED_EFFECT = "timeremap"  # FCP 7's Time Remap filter (its effectid)


def effect_warnings(effects: list) -> list[str]:
    """Refuses a speed change; one line per other effect, which is not applied."""
    import opentimelineio as otio
    lines = []
    for effect in effects:
        speed = _speed_change(effect)
        if speed:
            raise ClipRefused(f"{speed}: speed changes are not rendered (a shot takes its "
                              f"source frames 1:1); make the retimed media and cut that, or "
                              f"remove it")
        if isinstance(effect, otio.schema.LinearTimeWarp):
            continue  # 100 %: no change
        name = effect.effect_name or effect.name or effect.schema_name()
        lines.append(f"its effect {name!r} is not applied: the shot holds the source frames "
                     f"as they are")
    return lines


def _speed_change(effect) -> Optional[str]:
    """What a speed effect does, for its line; None for any other effect."""
    import opentimelineio as otio
    if isinstance(effect, otio.schema.FreezeFrame):
        return "a FreezeFrame effect (a held frame)"
    if isinstance(effect, otio.schema.LinearTimeWarp):
        if effect.time_scalar == 1:
            return None
        if effect.time_scalar == 0:  # an EDL's M2 at speed 0
            return "a LinearTimeWarp effect (speed 0: a held frame)"
        return (f"a LinearTimeWarp effect (speed {effect.time_scalar:g}x, "
                f"{effect.time_scalar * 100:g}%)")
    if isinstance(effect, otio.schema.TimeEffect):
        return f"a {effect.schema_name()} time effect"
    fcp = effect.metadata.get("fcp_xml", {})
    if hasattr(fcp, "get") and str(fcp.get("effectid", "")).lower() == _FCP_SPEED_EFFECT:
        return f"a {effect.name or 'Time Remap'!r} effect (FCP's Time Remap: a speed change)"
    return None


def transition_frames(clip, taken, fps: Fraction) -> tuple[int, int]:
    """Frames of the media a transition shows before the clip's cut in and
    after its cut out (a dissolve mixes them with the neighbouring clip)."""
    import opentimelineio as otio
    try:
        visible = clip.visible_range()
    except otio.exceptions.OTIOError as exc:
        raise ClipRefused(f"its transitions cannot be placed: {exc}") from None
    before = timecode_frames(taken.start_time, fps) - timecode_frames(visible.start_time, fps)
    after = (timecode_frames(visible.end_time_exclusive(), fps)
             - timecode_frames(taken.end_time_exclusive(), fps))
    return max(before, 0), max(after, 0)


def transition_lines(mix: tuple[int, int], kept: tuple[int, int]) -> list[str]:
    """One line for each side where the media cannot give a transition its frames."""
    return [f"a transition shows {need} frame(s) of it {side} its cut, but its media holds "
            f"only {have}: the shot has {have}"
            for side, need, have in (("before", mix[0], kept[0]), ("after", mix[1], kept[1]))
            if have < need]
