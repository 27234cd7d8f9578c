"""The scene-referred frame of the EXR deliverable, made from the final frame.

The generator sees, and the artist judges, display-referred pictures: the
source seen through the shot's OCIO display/view, clipped to what a display
shows. The EXR that goes back into the comp must look like the final frame
through that same view, and must be the source itself where the style left a
pixel alone (highlights above display white, colours outside the view's
gamut, negatives). Both hold with one rule per pixel:

    exr = inverse(final) + w * (source - inverse(plate))

``source - inverse(plate)`` is what the display could not show of the source
(zero for a pixel the display shows whole). ``w`` is how much of it comes
back: 1 where the final frame differs from the plate by at most
``UNCHANGED_WITHIN`` (the style left the pixel alone), 0 from
``CHANGED_FROM`` on, linear in between. Adding it back moves each display
channel from the final frame's value towards the plate's and stops at the
display's clip, so through the view the EXR differs from the final frame by
at most the style's change where ``w`` > 0 (under ``CHANGED_FROM``, 2 of 255
levels) and not at all where ``w`` = 0 (for a view whose inverse is exact over
its range, such as the built-in configs' ``Un-tone-mapped``).

Alpha: an associated (premultiplied) source is divided by its alpha before the
view (``unpremultiply``) so the plates, the generator and the PNG/ProRes
deliverables see straight colour, and multiplied again after
(``premultiply``); a pixel of alpha 0 keeps the source's own RGB (0 for a
plain matte, a glow's emission untouched).
"""
from __future__ import annotations

import numpy as np

from pipeline.media.colour import DisplayTransform
from pipeline.media.exr import Picture

#: Display-referred difference (0-1) between final frame and plate under which
#: the style counts as having left a pixel alone: the source comes back whole.
#: Covers bf16 inference rounding (half a level of 255 at white).
UNCHANGED_WITHIN = 1.0 / 255
#: ... and from which on it changed it: the EXR is the final frame's inverse alone.
CHANGED_FROM = 2.0 / 255


def unpremultiply(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Straight colour of an associated-alpha picture; alpha-0 pixels keep their RGB."""
    a = alpha[..., None]
    return np.divide(rgb, a, out=np.array(rgb, dtype=np.float32, copy=True), where=a > 0)


def premultiply(straight: np.ndarray, alpha: np.ndarray, source_rgb: np.ndarray) -> np.ndarray:
    """Associated colour again; where alpha is 0, the source's own (associated) RGB."""
    a = alpha[..., None]
    return np.where(a > 0, straight * a, source_rgb).astype(np.float32)


def straight_rgb(picture: Picture) -> np.ndarray:
    """A picture's straight colour: unpremultiplied when its alpha is associated."""
    if picture.alpha is None or not picture.premultiplied:
        return picture.rgb
    return unpremultiply(picture.rgb, picture.alpha)


def source_weight(plate: np.ndarray, final: np.ndarray) -> np.ndarray:
    """HxW weight of the source's unshown part: 1 where the final frame is the
    plate (within ``UNCHANGED_WITHIN`` on every channel), 0 from ``CHANGED_FROM``."""
    change = np.abs(final.astype(np.float32) - plate.astype(np.float32)).max(axis=-1)
    ramp = (CHANGED_FROM - change) / (CHANGED_FROM - UNCHANGED_WITHIN)
    return np.clip(ramp, 0.0, 1.0).astype(np.float32)


def scene_frame(source: np.ndarray, plate: np.ndarray, final: np.ndarray,
                transform: DisplayTransform) -> np.ndarray:
    """The EXR's straight RGB in the source's colour space.

    ``source``: the source frame's straight float RGB; ``plate`` and ``final``:
    the plate and the final frame, display-referred float RGB in [0, 1]. Never
    negative in a channel where the source is not negative."""
    shown = transform.from_display(plate)
    unshown = source - shown
    w = source_weight(plate, final)[..., None]
    out = transform.from_display(final) + w * unshown
    # No negative light where the source had none (a tone-mapped view's inverse,
    # or a display gamut wider than the source's colour space, can give some).
    return np.where((out < 0) & (source >= 0), np.float32(0), out).astype(np.float32)


def exr_rgb(source: Picture, plate: np.ndarray, final: np.ndarray,
            transform: DisplayTransform) -> np.ndarray:
    """The EXR deliverable's RGB for one frame, associated with the source's alpha
    as the source is (``scene_frame`` on its straight colour, premultiplied after)."""
    rgb = scene_frame(straight_rgb(source), plate, final, transform)
    if source.alpha is None or not source.premultiplied:
        return rgb
    return premultiply(rgb, source.alpha, source.rgb)
