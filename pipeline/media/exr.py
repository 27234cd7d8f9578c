"""VFX image files through OpenImageIO: EXR, DPX, TIFF, PNG pixels and headers.

The plates of a scene-referred source (``pipeline.media.colour``) are read
here as float RGB(A) in the source's own colour space, with the header
attributes a comp needs back (pixel aspect, chromaticities, timecode, frame
rate); the EXR deliverable is written here: half float, the source's alpha,
its metadata, a lossless compression.
"""
from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional

import numpy as np
import OpenImageIO as oiio

from pipeline.config import parse_fps
from pipeline.errors import MediaError
from pipeline.media.atomic import tmp_name
from pipeline.media.timecode import timecode_after

#: Header attributes carried from a source frame to the EXR written from it.
CARRIED_ATTRIBUTES = ("PixelAspectRatio", "chromaticities", "smpte:TimeCode",
                      "FramesPerSecond", "smpte:KeyCode", "Make", "Model", "oiio:ColorSpace",
                      "worldToCamera", "worldToScreen", "Copyright", "Artist")


@dataclass
class Picture:
    """A frame as float32 HxWx3 RGB, its alpha (HxW, or None) and header attributes."""

    rgb: np.ndarray
    alpha: Optional[np.ndarray] = None
    attributes: dict[str, tuple] = field(default_factory=dict)  # name -> (TypeDesc, value)


def image_size(path: Path) -> Optional[tuple[int, int]]:
    """(width, height) of the display window from the header of ``path``; None
    when OpenImageIO cannot read the header (unknown format, damaged file)."""
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        oiio.geterror()  # clear it
        return None
    try:
        spec = inp.spec()
        return spec.full_width, spec.full_height
    finally:
        inp.close()


def _channel(names: list[str], *wanted: str) -> Optional[int]:
    lower = [n.lower() for n in names]
    for w in wanted:
        if w in lower:
            return lower.index(w)
    return None


def read_picture(path: Path) -> Picture:
    """The display window of ``path`` as float32 RGB (+ alpha) and its attributes."""
    buf = oiio.ImageBuf(str(path))
    if buf.has_error:
        raise MediaError(f"{path}: cannot read image: {buf.geterror().strip().splitlines()[0]}")
    spec = buf.spec()
    pixels = buf.get_pixels(oiio.FLOAT, spec.roi_full)  # outside the data window: 0
    if buf.has_error or pixels is None:
        raise MediaError(f"{path}: cannot read image: {buf.geterror().strip()[:200]}")
    pixels = np.asarray(pixels, dtype=np.float32).reshape(spec.full_height, spec.full_width,
                                                          spec.nchannels)
    names = list(spec.channelnames)
    rgb_index = [_channel(names, c) for c in ("r", "g", "b")]
    if None in rgb_index:  # grey or unnamed: the first channel, or the first three
        rgb_index = [0, 0, 0] if spec.nchannels < 3 else [0, 1, 2]
    rgb = np.ascontiguousarray(pixels[..., rgb_index])
    a = _channel(names, "a", "alpha")
    alpha = np.ascontiguousarray(pixels[..., a]) if a is not None else None
    attributes = {p.name: (p.type, p.value) for p in spec.extra_attribs
                  if p.name in CARRIED_ATTRIBUTES}
    return Picture(rgb, alpha, attributes)


def frame_rate_attribute(fps: Fraction) -> dict[str, tuple]:
    """The header attribute of a frame rate (OpenEXR's framesPerSecond)."""
    return {"FramesPerSecond": (oiio.TypeRational, (fps.numerator, fps.denominator))}


def timecode_attribute(start: str, fps: Fraction, offset: int) -> dict[str, tuple]:
    """The header attribute of the timecode ``offset`` frames after ``start``
    (``HH:MM:SS:FF``, ``;`` for drop-frame), as OpenEXR stores it (SMPTE 12M
    TV60 packing in binary-coded decimal). OpenTimelineIO does the counting.
    Above 30 frames/s it is left out: that packing holds frame numbers up to 29
    (higher rates count frame pairs and a field flag, which is not written here)."""
    if fps > 30:
        return {}
    drop = ";" in start
    text = timecode_after(start, fps, offset)
    if text is None:
        return {}  # a timecode OTIO cannot count at this rate: left out
    hours, minutes, seconds, frames = (int(x) for x in text.replace(";", ":").split(":"))

    def bcd(value: int) -> int:
        return (value // 10) << 4 | value % 10

    packed = (bcd(frames) | drop << 6 | bcd(seconds) << 8 | bcd(minutes) << 16
              | bcd(hours % 24) << 24)
    return {"smpte:TimeCode": (oiio.TypeTimeCode, (packed, 0))}


#: Header attributes that give a frame rate, in the order they are trusted:
#: OpenEXR's framesPerSecond (a rational), DPX's frame rate and temporal rate.
RATE_ATTRIBUTES = ("FramesPerSecond", "dpx:FrameRate", "dpx:TemporalFrameRate")


def header_timing(path: Path) -> tuple[Optional[str], Optional[Fraction]]:
    """The timecode (``HH:MM:SS:FF``, ``;`` for drop-frame) and frame rate the
    header of ``path`` carries, each None when it has none (or OpenImageIO
    cannot read the header). The counterpart of ``timecode_attribute`` and
    ``frame_rate_attribute``: OpenImageIO prints ``smpte:TimeCode`` (OpenEXR's
    timeCode, DPX's timecode) as ``HH:MM:SS:FF``; the drop-frame flag it leaves
    out (bit 6 of the SMPTE 12M word) is read here."""
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        oiio.geterror()  # clear it
        return None, None
    try:
        spec = inp.spec()
        return _header_timecode(spec), _header_rate(spec)
    finally:
        inp.close()


def _header_timecode(spec: oiio.ImageSpec) -> Optional[str]:
    packed = spec.getattribute("smpte:TimeCode")
    text = spec.get_string_attribute("smpte:TimeCode")
    if not packed or not re.fullmatch(r"[0-2]\d:[0-5]\d:[0-5]\d:\d\d", text or ""):
        return None  # none, or not SMPTE 12M BCD (a DPX's "undefined" all-ones word)
    drop = (int(packed[0]) >> 6) & 1
    return f"{text[:8]};{text[9:]}" if drop else text


def _header_rate(spec: oiio.ImageSpec) -> Optional[Fraction]:
    for name in RATE_ATTRIBUTES:
        value = spec.getattribute(name)
        if isinstance(value, tuple) and len(value) == 2 and value[1]:  # a rational
            rate = Fraction(int(value[0]), int(value[1]))
        elif isinstance(value, (int, float)) and value == value:  # not NaN
            rate = Fraction(str(value))
        else:
            continue
        if 0 < rate <= 1000:
            return parse_fps(str(rate), "header")  # 23.976 -> 24000/1001
    return None


def write_exr(path: Path, picture: Picture, compression: str = "zip") -> None:
    """Write ``picture`` as a half-float OpenEXR (RGB or RGBA), atomically."""
    h, w = picture.rgb.shape[:2]
    channels = [picture.rgb[..., i] for i in range(3)]
    names = ["R", "G", "B"]
    if picture.alpha is not None:
        channels.append(picture.alpha)
        names.append("A")
    spec = oiio.ImageSpec(w, h, len(channels), oiio.HALF)
    spec.channelnames = tuple(names)
    for name, (kind, value) in picture.attributes.items():
        spec.attribute(name, kind, value)
    spec.attribute("compression", compression)
    data = np.ascontiguousarray(np.stack(channels, axis=-1), dtype=np.float32)
    tmp = tmp_name(Path(path))
    out = oiio.ImageOutput.create("openexr")
    try:
        ok = out.open(str(tmp), spec) and out.write_image(data)
        ok = out.close() and ok
        if not ok:
            raise MediaError(f"{path}: cannot write EXR: {out.geterror() or oiio.geterror()}")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
