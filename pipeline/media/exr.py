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


#: A rectangle of pixels (x, y, width, height), as OpenImageIO's windows are.
Window = tuple[int, int, int, int]


@dataclass
class Layers:
    """What a frame holds besides R, G, B and A, for the EXR written from it to
    carry untouched: the other channels of its first part (depth, AOVs) over the
    same pixels, with their own pixel types, and its other parts (subimages)."""

    names: tuple[str, ...] = ()
    types: tuple = ()  # TypeDesc of each channel in ``names``
    pixels: Optional[np.ndarray] = None  # HxWxlen(names) float32
    parts: list = field(default_factory=list)  # oiio.ImageBuf of each further part
    part_name: Optional[str] = None  # the first part's name, for a multi-part file


@dataclass
class Picture:
    """A frame as float32 HxWx3 RGB, its alpha (HxW, or None) and header attributes.
    ``premultiplied``: the RGB is associated with the alpha (OpenImageIO gives
    every file so, EXR by definition, PNG and TIFF associated on read); a
    movie's frames decoded by FFmpeg are straight. ``window``: where its pixels
    lie (the data window to write) and ``display``: the display window, when
    they are not one and the same (overscan); ``layers``: what else it holds."""

    rgb: np.ndarray
    alpha: Optional[np.ndarray] = None
    attributes: dict[str, tuple] = field(default_factory=dict)  # name -> (TypeDesc, value)
    premultiplied: bool = True
    window: Optional[Window] = None
    display: Optional[Window] = None
    layers: Optional[Layers] = None
    nonfinite: int = 0  # pixels whose NaN / Inf ``read_picture`` made finite (RGB, A)


@dataclass(frozen=True)
class Windows:
    """An image's display window and data window, as its header says."""

    display: Window
    data: Window

    @property
    def size(self) -> tuple[int, int]:
        return self.display[2], self.display[3]


def union(a: Window, b: Window) -> Window:
    """The smallest window holding both."""
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def read_header(path: Path) -> Optional[oiio.ImageSpec]:
    """The header of ``path`` (its first part), the file closed again; None when
    OpenImageIO cannot read it (unknown format, damaged file)."""
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        oiio.geterror()  # clear it
        return None
    try:
        return oiio.ImageSpec(inp.spec())
    finally:
        inp.close()


def image_windows(path: Path) -> Optional[Windows]:
    """The display and data windows from the header of ``path``; None when
    OpenImageIO cannot read the header (unknown format, damaged file)."""
    s = read_header(path)
    return None if s is None else windows_of(s)


def windows_of(s: oiio.ImageSpec) -> Windows:
    """The display and data windows of a header already read."""
    return Windows((s.full_x, s.full_y, s.full_width, s.full_height),
                   (s.x, s.y, s.width, s.height))


#: The largest picture the pipeline takes: 16384 a side, 2**28 pixels (a 16K
#: square); a header claiming more is refused at probe, not at encode.
MAX_SIDE, MAX_PIXELS = 16384, 2 ** 28


def header_problem(spec: oiio.ImageSpec) -> Optional[str]:
    """Why a picture with this header cannot be a plate (its channels, its size),
    or None. Plates need R, G and B named, or one grey channel (and alpha);
    ``read_picture`` would otherwise take the first three channels as RGB."""
    names = list(spec.channelnames)
    rgb = all(_channel(names, c) is not None for c in ("r", "g", "b"))
    grey = spec.nchannels == 1 or (spec.nchannels == 2 and _channel(names[1:], "a") == 0)
    if not (rgb or grey):
        return (f"channels {', '.join(names) or 'none'} found; plates need channels named "
                f"R, G and B (A optional) or one grey channel")
    for what, w, h in (("display window", spec.full_width, spec.full_height),
                       ("data window", spec.width, spec.height)):
        problem = size_problem(what, w, h)
        if problem:
            return problem
    return None


def size_problem(what: str, width: int, height: int) -> Optional[str]:
    """Why a picture ``width`` x ``height`` is too big to be a plate, or None."""
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        return (f"{what} {width}x{height} is over the limit ({MAX_SIDE} pixels a side, "
                f"{MAX_PIXELS} pixels)")
    return None


def header_depth(spec: oiio.ImageSpec) -> str:
    """'8-bit', '10-bit', '16-bit' for integer pixels, 'half' or 'float' for floating point."""
    if spec.format.basetype in (oiio.HALF, oiio.FLOAT, oiio.DOUBLE):
        return str(spec.format)
    return f"{spec.get_int_attribute('oiio:BitsPerSample', 0) or spec.format.size() * 8}-bit"


def image_size(path: Path) -> Optional[tuple[int, int]]:
    """(width, height) of the display window from the header of ``path``; None
    when OpenImageIO cannot read the header (unknown format, damaged file)."""
    windows = image_windows(path)
    return None if windows is None else windows.size


def dpx_transfer(path: Path) -> Optional[tuple[str, int]]:
    """The transfer a DPX header gives (OpenImageIO's ``dpx:Transfer``: 'Printing
    density', 'Logarithmic', 'Linear', 'Undefined', ...) and its bits per sample;
    None when OpenImageIO cannot read the header."""
    spec = read_header(path)
    if spec is None:
        return None
    return (spec.get_string_attribute("dpx:Transfer"),
            spec.get_int_attribute("oiio:BitsPerSample", 0))


def _channel(names: list[str], *wanted: str) -> Optional[int]:
    lower = [n.lower() for n in names]
    for w in wanted:
        if w in lower:
            return lower.index(w)
    return None


#: The largest finite half float. A source pixel's +Inf is clipped to it (-Inf to
#: its negative) and NaN set to 0, in RGB and alpha: the view, the generator and
#: the half-float EXR deliverable then see numbers (``make_finite``).
HALF_MAX = 65504.0


def make_finite(*channels: Optional[np.ndarray]) -> int:
    """NaN to 0, +/-Inf to +/-``HALF_MAX`` in place, in each HxW(xC) array of one
    picture (None skipped); returns how many pixels had a value that was not finite."""
    arrays = [c for c in channels if c is not None]
    if all(np.isfinite(v.min()) and np.isfinite(v.max()) for v in arrays if v.size):
        return 0  # every value finite (a NaN makes min and max NaN): no masks made
    bad = np.zeros(arrays[0].shape[:2], bool)
    for values in arrays:
        finite = np.isfinite(values)
        bad |= ~(finite.all(axis=-1) if values.ndim == 3 else finite)
    count = int(bad.sum())
    if count:
        for values in arrays:
            np.nan_to_num(values, copy=False, nan=0.0, posinf=HALF_MAX, neginf=-HALF_MAX)
    return count


def _first_line(error: str) -> str:
    """OpenImageIO's error text as one line (it repeats a message, one per line)."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    return lines[0][:200] if lines else "unknown error"


def read_picture(path: Path, window: Optional[Window] = None, layers: bool = False) -> Picture:
    """The pixels of ``path`` as float32 RGB (+ alpha) and its attributes: its
    display window, or ``window`` (relative to the display window's origin:
    overscan reaches to negative x and y); outside the data window, 0. NaN and
    Inf in RGB and alpha made finite (``make_finite``, counted in ``nonfinite``). With
    ``layers``, the other channels and parts too (``Layers``), untouched."""
    buf = oiio.ImageBuf(str(path))
    if buf.has_error:
        raise MediaError(f"{path}: cannot read image: {_first_line(buf.geterror())}")
    spec = buf.spec()
    display = (spec.full_x, spec.full_y, spec.full_width, spec.full_height)
    x, y, w, h = (0, 0, spec.full_width, spec.full_height) if window is None else window
    x, y = x + spec.full_x, y + spec.full_y
    pixels = _whole_exr(path, buf, spec, (x, y, w, h))
    if pixels is None:
        pixels = buf.get_pixels(oiio.FLOAT, oiio.ROI(x, x + w, y, y + h))
        if buf.has_error or pixels is None:
            raise MediaError(f"{path}: cannot read image: {_first_line(buf.geterror())}")
    pixels = np.asarray(pixels, dtype=np.float32).reshape(h, w, spec.nchannels)
    names = list(spec.channelnames)
    rgb_index = [_channel(names, c) for c in ("r", "g", "b")]
    if None in rgb_index:  # grey or unnamed: the first channel, or the first three
        rgb_index = [0, 0, 0] if spec.nchannels < 3 else [0, 1, 2]
    # R, G, B alone and in order (the usual plate): the pixels are the RGB, no copy
    rgb = pixels if rgb_index == [0, 1, 2] and spec.nchannels == 3 \
        else np.ascontiguousarray(pixels[..., rgb_index])
    a = _channel(names, "a", "alpha")
    alpha = np.ascontiguousarray(pixels[..., a]) if a is not None else None
    attributes = {p.name: (p.type, p.value) for p in spec.extra_attribs
                  if p.name in CARRIED_ATTRIBUTES}
    picture = Picture(rgb, alpha, attributes, nonfinite=make_finite(rgb, alpha))
    if window is not None:
        picture.window, picture.display = (x, y, w, h), display
    if layers:
        picture.layers = _layers(path, buf, spec, pixels, set(rgb_index) | {a})
    return picture


#: Scanlines read at a time by ``_whole_exr``: a multiple of every OpenEXR
#: scanline block (1, 16, 32 and 256 lines), so no block is decompressed twice.
EXR_READ_ROWS = 256


def _whole_exr(path: Path, buf, spec, window: Window) -> Optional[np.ndarray]:
    """The float32 pixels of a scanline EXR of half or float channels whose data
    window is ``window``, read straight from the file ``EXR_READ_ROWS`` lines at a
    time into one NumPy array (half made float by NumPy, exactly), or None for
    anything else (then ``ImageBuf.get_pixels`` does it). The same values;
    ImageBuf goes through OpenImageIO's image cache, which holds the frame once
    more, and its float copy is faulted in 4 KiB pages: per 4K frame about 0.1
    core-s of user and 0.2 of system time and 40,000 page faults more (#23)."""
    formats = list(spec.channelformats) or [spec.format]
    if (buf.file_format_name != "openexr" or spec.tile_width
            or window != (spec.x, spec.y, spec.width, spec.height)
            or any(f.basetype not in (oiio.HALF, oiio.FLOAT) for f in formats)):
        return None
    kind = oiio.HALF if all(f.basetype == oiio.HALF for f in formats) else oiio.FLOAT
    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        oiio.geterror()
        return None
    try:
        out = np.empty((spec.height, spec.width, spec.nchannels), np.float32)
        for y in range(0, spec.height, EXR_READ_ROWS):
            end = min(spec.height, y + EXR_READ_ROWS)
            rows = inp.read_scanlines(0, 0, spec.y + y, spec.y + end, 0, 0, spec.nchannels, kind)
            if rows is None or inp.has_error:
                inp.geterror()
                return None
            out[y:end] = np.asarray(rows).reshape(end - y, spec.width, spec.nchannels)
        return out
    finally:
        inp.close()


def _layers(path: Path, buf, spec, pixels: np.ndarray, used: set) -> Layers:
    """The channels of the first part that are not R, G, B or A, and the other parts."""
    extra = [i for i in range(spec.nchannels) if i not in used]
    formats = list(spec.channelformats) or [spec.format] * spec.nchannels
    parts = []
    for index in range(1, buf.nsubimages):
        part = oiio.ImageBuf(str(path), index, 0)
        if part.has_error:
            raise MediaError(f"{path}: cannot read part {index}: {_first_line(part.geterror())}")
        parts.append(part)
    name = spec.getattribute("name") if parts else None
    return Layers(tuple(spec.channelnames[i] for i in extra), tuple(formats[i] for i in extra),
                  np.ascontiguousarray(pixels[..., extra]) if extra else None, parts,
                  str(name) if name else None)


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
    spec = read_header(path)
    if spec is None:
        return None, None
    return _header_timecode(spec), _header_rate(spec)


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
    """Write ``picture`` as a half-float OpenEXR (RGB or RGBA), atomically: at its
    window in its display window when it has them, with its layers (other
    channels in their own pixel types, other parts copied as they are)."""
    h, w = picture.rgb.shape[:2]
    channels = [picture.rgb[..., i] for i in range(3)]
    names = ["R", "G", "B"]
    if picture.alpha is not None:
        channels.append(picture.alpha)
        names.append("A")
    layers = picture.layers or Layers()
    types = [oiio.HALF] * len(names) + list(layers.types)
    if layers.pixels is not None:
        channels.extend(layers.pixels[..., i] for i in range(layers.pixels.shape[-1]))
        names.extend(layers.names)
    spec = oiio.ImageSpec(w, h, len(channels), oiio.HALF)
    spec.channelnames = tuple(names)
    if layers.names:
        spec.channelformats = tuple(types)
    if picture.window is not None:
        spec.x, spec.y = picture.window[:2]
        spec.full_x, spec.full_y, spec.full_width, spec.full_height = picture.display
    for name, (kind, value) in picture.attributes.items():
        spec.attribute(name, kind, value)
    spec.attribute("compression", compression)
    if layers.parts:
        spec.attribute("name", layers.part_name or "rgba")
    if layers.pixels is None:
        # every channel half: converted here, into the one interleaved buffer the
        # file wants (numpy's float -> half rounds to nearest even, as OpenEXR's
        # own conversion does: the same bits), half the bytes of a float32 copy
        data = np.empty((h, w, len(channels)), np.float16)
        with np.errstate(over="ignore"):  # above the half range: Inf, as OpenEXR makes it
            for i, channel in enumerate(channels):
                data[..., i] = channel
    else:
        data = np.ascontiguousarray(np.stack(channels, axis=-1), dtype=np.float32)
    tmp = tmp_name(Path(path))
    out = oiio.ImageOutput.create("openexr")
    try:
        specs = [spec] + [part.spec() for part in layers.parts]
        ok = out.open(str(tmp), specs if layers.parts else spec) and out.write_image(data)
        for part in layers.parts:
            ok = ok and out.open(str(tmp), part.spec(), "AppendSubimage") and part.write(out)
        ok = out.close() and ok
        if not ok:
            raise MediaError(f"{path}: cannot write EXR: "
                             f"{_first_line(out.geterror() or oiio.geterror())}")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
