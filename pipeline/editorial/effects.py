"""Effects on a clip: a speed change is refused (a shot takes its source
frames 1:1), any other effect is warned (not applied)."""
from __future__ import annotations

from typing import Optional

from pipeline.editorial.lines import ClipRefused

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
