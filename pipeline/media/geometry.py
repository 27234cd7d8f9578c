"""Geometry as players show it: rotation, interlacing and pixel aspect.

One place for what the probe reads and the FFmpeg filters decode and encode add:

* rotation: a phone clip stores its coded picture plus a display matrix (or, as
  older FFmpeg reported it, a ``rotate`` tag). Decoding turns autorotation off
  (``-noautorotate``) and applies the probed rotation itself, so the plates are
  upright at exactly the size the probe reported. The movies are encoded from
  those upright frames and carry no rotation.
* interlacing: with ``deinterlace`` on, ``bwdif`` in ``send_frame`` mode makes one
  progressive frame per input frame (frame count and rate unchanged). It runs
  first, on the fields as stored.
* sample aspect ratio (SAR): the generator works on the stored pixel grid (no
  resampling); the movies are tagged with ``setsar``; ``copy_frame`` publishes a
  PNG frame with the pixel aspect in its pHYs chunk (written by OpenImageIO).
"""
from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import numpy as np

#: ffprobe ``field_order`` values of interlaced video, and what they mean.
INTERLACED_FIELD_ORDERS = {
    "tt": "top field first",
    "bb": "bottom field first",
    "tb": "top field coded first, bottom field shown first",
    "bt": "bottom field coded first, top field shown first",
}

#: Pixel formats with an alpha channel (ffprobe's names; palette alpha aside).
_ALPHA_PREFIXES = ("rgba", "bgra", "argb", "abgr", "yuva", "gbrap", "ya8", "ya16", "ayuv")


# --------------------------------------------------------------------------- #
# What the probe reads
# --------------------------------------------------------------------------- #
def rotation_of(video: dict) -> int:
    """Degrees counter-clockwise a player turns the coded picture: 0, 90, 180 or 270.

    From the display matrix side data (ffprobe's ``rotation``, counter-clockwise),
    else from a legacy ``rotate`` tag (clockwise). Angles that are not a multiple
    of 90 are taken to the nearest one.
    """
    for side in video.get("side_data_list") or ():
        if "rotation" in side:
            return _quarter_turns(float(side["rotation"]))
    tag = (video.get("tags") or {}).get("rotate")
    if tag not in (None, ""):
        try:
            return _quarter_turns(-float(tag))
        except ValueError:
            return 0
    return 0


def _quarter_turns(degrees: float) -> int:
    return int(round(degrees / 90.0)) % 4 * 90


def upright_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """The size players show: width and height swapped for a quarter turn."""
    return (height, width) if rotation in (90, 270) else (width, height)


def parse_sar(text: Optional[str]) -> Fraction:
    """ffprobe's ``sample_aspect_ratio`` ("2:1"); 1 when missing, "N/A" or "0:1"."""
    try:
        num, den = (int(part) for part in str(text).split(":"))
    except (TypeError, ValueError):
        return Fraction(1)
    return Fraction(num, den) if num > 0 and den > 0 else Fraction(1)


def upright_sar(sar: Fraction, rotation: int) -> Fraction:
    """The pixel aspect of the upright picture (a quarter turn inverts it)."""
    return 1 / sar if rotation in (90, 270) else sar


def image_pixel_aspect(path: Path) -> Fraction:
    """The pixel aspect ratio an image file's header gives (1 when none).

    Read with OpenImageIO: FFmpeg reads a PNG's pHYs chunk as x/y, the inverse
    of the PNG specification's (and libpng's) y/x.
    """
    import OpenImageIO as oiio

    inp = oiio.ImageInput.open(str(path))
    if inp is None:
        return Fraction(1)
    try:
        par = inp.spec().get_float_attribute("PixelAspectRatio", 1.0)
    finally:
        inp.close()
    return Fraction(par).limit_denominator(1000) if par > 0 else Fraction(1)


def is_interlaced(field_order: Optional[str]) -> bool:
    return field_order in INTERLACED_FIELD_ORDERS


def has_alpha(pix_fmt: Optional[str]) -> bool:
    return bool(pix_fmt) and pix_fmt.startswith(_ALPHA_PREFIXES)


# --------------------------------------------------------------------------- #
# FFmpeg filters
# --------------------------------------------------------------------------- #
#: Decoding never lets FFmpeg rotate on its own: ``decode_filters`` does it.
DECODE_INPUT_ARGS: dict[str, Any] = {"noautorotate": None}


def decode_filters(video: Any, rotation: int, sar: Fraction, deinterlace: bool) -> Any:
    """Deinterlace (one frame per frame), then turn upright; an ffmpeg-python stream.

    Plates are tagged square (pHYs 1:1), a non-square source's too (``setsar=1``):
    FFmpeg would write its pHYs chunk inverted; the probe manifest holds the SAR.
    """
    if deinterlace:
        video = video.filter("bwdif", mode="send_frame", parity="auto", deint="all")
    if rotation == 90:
        video = video.filter("transpose", dir="cclock")
    elif rotation == 270:
        video = video.filter("transpose", dir="clock")
    elif rotation == 180:
        video = video.filter("hflip").filter("vflip")
    if sar != 1:
        video = video.filter("setsar", "1")
    return video


def encode_filters(video: Any, sar: Fraction) -> Any:
    """Tag the frames with the source's sample aspect ratio, exactly: setsar
    otherwise reduces it to terms of at most 100 (404:405, a 720x405 clip scaled
    to 360x202, would become 1:1)."""
    return video.filter("setsar", sar=f"{sar.numerator}/{sar.denominator}",
                        max=max(100, sar.numerator, sar.denominator))


#: Encoder options: the movies are progressive (frames are whole pictures by then).
ENCODE_OUTPUT_ARGS: dict[str, Any] = {"field_order": "progressive"}


def sar_text(sar: Fraction) -> str:
    """``2:1``, as ffprobe writes a sample aspect ratio."""
    return f"{sar.numerator}:{sar.denominator}"


# --------------------------------------------------------------------------- #
# PNG frames
# --------------------------------------------------------------------------- #
def copy_frame(src: Path, dst: Path, sar: Fraction, png_compression: int = 1,
               alpha: Optional[np.ndarray] = None,
               crop: Optional[tuple[int, int, int, int]] = None) -> None:
    """Copy a PNG frame; rewritten with its pixel aspect for non-square pixels,
    with ``alpha`` (HxW, the frame's depth) as a fourth channel when given, and
    cut to ``crop`` (x, y, w, h) when given.

    OpenImageIO writes ``PixelAspectRatio`` as the pHYs chunk (unit unknown,
    y/x = the aspect). The pixels are copied as they are (8 or 16 bits). Like the
    square frames (written by OpenCV), it writes no colour chunk.
    """
    if sar == 1 and alpha is None and crop is None:
        shutil.copyfile(src, dst)
        return
    import OpenImageIO as oiio

    from pipeline.errors import MediaError

    inp = oiio.ImageInput.open(str(src))
    if inp is None:
        oiio.geterror()  # clear it
        raise MediaError(f"{src}: cannot read image (corrupt or not an image)")
    try:
        spec = inp.spec()
        pixels = inp.read_image(0, 0, 0, min(spec.nchannels, 3), spec.format)
    finally:
        inp.close()
    if pixels is None:
        oiio.geterror()
        raise MediaError(f"{src}: cannot read image (corrupt or not an image)")
    if alpha is not None:
        pixels = np.dstack([pixels, alpha.astype(pixels.dtype)])
    if crop is not None:
        x, y, w, h = crop
        pixels = np.ascontiguousarray(pixels[y:y + h, x:x + w])
    out_spec = oiio.ImageSpec(pixels.shape[1], pixels.shape[0], pixels.shape[-1], spec.format)
    if alpha is not None:
        out_spec.channelnames = ("R", "G", "B", "A")
        out_spec.alpha_channel = 3
        out_spec.attribute("oiio:UnassociatedAlpha", 1)  # the pixels are stored as they are
    if sar != 1:
        # pHYs holds whole numbers: x = denominator, y = numerator keeps 4/3 or 10/11 exact
        out_spec.attribute("ResolutionUnit", "none")
        out_spec.attribute("XResolution", float(sar.denominator))
        out_spec.attribute("PixelAspectRatio", float(sar))
    out_spec.attribute("png:compressionLevel", int(png_compression))
    # No sRGB/gAMA/cHRM chunks: OpenImageIO writes them for an sRGB colour space.
    out_spec.attribute("oiio:ColorSpace", "data")
    out = oiio.ImageOutput.create(str(dst))
    if out is None or not out.open(str(dst), out_spec) or not out.write_image(pixels) \
            or not out.close():
        raise MediaError(f"{dst}: cannot write image ({oiio.geterror()})")
