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

Every step is per pixel, so a frame is worked on in bands of rows
(``row_bands``): the temporaries are a band's, not a frame's. A 4K frame's
float RGB is 106 MB; made whole, each temporary is a fresh mmap the kernel
zeroes and faults in (217,000 page faults and more system than user time per
4K frame, measured for #23), while a band's stays in the heap and the cache.
The result is the same to the bit (OCIO's CPU processor is per pixel too).
"""
from __future__ import annotations

from typing import Iterator, Optional

import numpy as np

from pipeline.media.colour import DisplayTransform
from pipeline.media.exr import Picture

#: Display-referred difference (0-1) between final frame and plate under which
#: the style counts as having left a pixel alone: the source comes back whole.
#: Covers bf16 inference rounding (half a level of 255 at white).
UNCHANGED_WITHIN = 1.0 / 255
#: ... and from which on it changed it: the EXR is the final frame's inverse alone.
CHANGED_FROM = 2.0 / 255


#: About how many pixels a band of ``row_bands`` holds: 32768, 384 KiB of float RGB.
BAND_PIXELS = 1 << 15


def row_bands(height: int, width: int) -> Iterator[slice]:
    """Slices of whole rows covering ``height`` rows of ``width`` pixels, each about
    ``BAND_PIXELS`` pixels (at least one row)."""
    rows = max(1, BAND_PIXELS // max(1, width))
    for y in range(0, height, rows):
        yield slice(y, min(height, y + rows))


def display_float(frame: np.ndarray) -> np.ndarray:
    """Display-referred float32 RGB in [0, 1] of a plate or final frame given as
    uint8/uint16 code values (``colour_decode.from_deep_frame``) or as floats."""
    if frame.dtype.kind in "ui":
        return frame.astype(np.float32) / np.float32(np.iinfo(frame.dtype).max)
    return frame.astype(np.float32)


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
    diff = np.abs(np.asarray(final, np.float32) - np.asarray(plate, np.float32))
    change = diff[..., 0]
    for c in range(1, diff.shape[-1]):  # the largest channel: max(axis=-1) over 3 is slow
        change = np.maximum(change, diff[..., c])
    ramp = (CHANGED_FROM - change) / (CHANGED_FROM - UNCHANGED_WITHIN)
    return np.clip(ramp, 0.0, 1.0, out=ramp).astype(np.float32, copy=False)


def scene_frame(source: np.ndarray, plate: np.ndarray, final: np.ndarray,
                transform: DisplayTransform) -> np.ndarray:
    """The EXR's straight RGB in the source's colour space.

    ``source``: the source frame's straight float RGB; ``plate`` and ``final``:
    the plate and the final frame, display-referred: float RGB in [0, 1], or
    their uint8/uint16 code values (``display_float``). Never negative in a
    channel where the source is not negative. Computed band by band."""
    h, w = source.shape[:2]
    out = np.empty((h, w, 3), np.float32)
    for rows in row_bands(h, w):
        out[rows] = _scene_band(source[rows], display_float(plate[rows]),
                                display_float(final[rows]), transform)
    return out


def _scene_band(source: np.ndarray, plate: np.ndarray, final: np.ndarray,
                transform: DisplayTransform) -> np.ndarray:
    """``scene_frame`` of a few rows; ``plate``, ``final``: float32 in [0, 1]."""
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
    as the source is (``scene_frame`` on its straight colour, premultiplied after).
    ``plate``, ``final``: as ``scene_frame`` takes them (uint16 frames as read)."""
    h, w = source.rgb.shape[:2]
    out = np.empty((h, w, 3), np.float32)
    for rows in row_bands(h, w):
        band = _band(source, rows)
        rgb = _scene_band(straight_rgb(band), display_float(plate[rows]),
                          display_float(final[rows]), transform)
        if band.alpha is not None and band.premultiplied:
            rgb = premultiply(rgb, band.alpha, band.rgb)
        out[rows] = rgb
    return out


def _band(picture: Picture, rows: slice) -> Picture:
    """The rows ``rows`` of a picture's RGB and alpha (views, no copy)."""
    alpha: Optional[np.ndarray] = None if picture.alpha is None else picture.alpha[rows]
    return Picture(picture.rgb[rows], alpha, premultiplied=picture.premultiplied)
