"""Decode a colour-managed source into display-referred 16-bit plates.

Each source frame (a sequence's EXR, DPX, TIFF or PNG file read by
OpenImageIO, or a movie's frame decoded by FFmpeg to 16-bit code values) is
read as float RGB in its own colour space, made straight (divided by its alpha
when associated: ``pipeline.media.scene_output``), taken through the shot's OCIO
display/view transform, clipped to what a display shows and stored as a
16-bit PNG plate (straight colour with the source's alpha, when it has one): the pictures the generator sees and artists paint
keyframes on. What the display cannot show (highlights above 1, colours
outside its gamut) goes back into the EXR deliverable from the source frame
itself (``pipeline.stages.encode``). Frames are streamed; the plates folder is
swapped in whole once every frame is written.
"""
from __future__ import annotations

import logging
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, Optional

import fileseq
import numpy as np
import OpenImageIO as oiio

from pipeline.errors import MediaError
from pipeline.media.atomic import temporary_path
from pipeline.media.colour import DisplayTransform
from pipeline.media.decode import decode_frames
from pipeline.media.exr import HALF_MAX, Picture, read_picture, timecode_attribute
from pipeline.media.imageio import write_frame
from pipeline.media.probe import SourceInfo
from pipeline.media.scene_output import row_bands, straight_rgb
from pipeline.media.sequence import frame_path
from pipeline.media.stream import WriteBehind

DEEP_PEAK = 65535.0

log = logging.getLogger("shotstyle")


def to_deep_frame(display_rgb: np.ndarray) -> np.ndarray:
    """Display-referred float RGB -> a 16-bit frame (clipped to [0, 1])."""
    return np.rint(np.clip(display_rgb, 0.0, 1.0) * DEEP_PEAK).astype(np.uint16)


def from_deep_frame(frame: np.ndarray) -> np.ndarray:
    """A 16-bit (or 8-bit) frame -> display-referred float32 RGB in [0, 1]."""
    return frame.astype(np.float32) / np.float32(np.iinfo(frame.dtype).max)


def display_plate(picture: Picture, transform: DisplayTransform) -> np.ndarray:
    """The 16-bit plate of a source picture: its straight colour through
    ``transform``, clipped (``to_deep_frame``), and its alpha as a fourth channel
    when it has one. Band by band (``scene_output.row_bands``): no frame-sized
    float temporaries; the same values as the whole frame at once."""
    h, w = picture.rgb.shape[:2]
    alpha = picture.alpha
    out = np.empty((h, w, 3 if alpha is None else 4), np.uint16)
    for rows in row_bands(h, w):
        band = Picture(picture.rgb[rows], None if alpha is None else alpha[rows],
                       premultiplied=picture.premultiplied)
        out[rows, :, :3] = to_deep_frame(transform.to_display(straight_rgb(band)))
        if alpha is not None:
            out[rows, :, 3] = to_deep_frame(alpha[rows])
    return out


def source_frame(info: SourceInfo, index: int) -> Path:
    """The file of the ``index``-th frame (0-based) of a sequence source."""
    return Path(info.source % (info.seq_first + index))


def movie_attributes(info: SourceInfo, index: int) -> dict[str, tuple]:
    """What a movie's container says of its ``index``-th frame, as EXR header
    attributes: the pixel aspect and the frame's timecode."""
    attributes = {"PixelAspectRatio": (oiio.TypeFloat, float(info.sar_fraction))}
    if info.timecode:
        attributes.update(timecode_attribute(info.timecode, info.fps_fraction, index))
    return attributes


def source_pictures(info: SourceInfo, deinterlace: bool = False,
                    layers: bool = False) -> Iterator[Picture]:
    """Every frame of a colour-managed source, in order, as float RGB (+ alpha) in
    its own colour space with its header attributes. A sequence is read with
    OpenImageIO (two frames ahead) over its plate window (overscan included),
    with its other channels and parts when ``layers``; a movie is decoded by FFmpeg to 16-bit code
    values (upright, deinterlaced when asked), which OCIO then interprets."""
    if info.kind == "sequence":
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="source-frames") as pool:
            pending: deque = deque()
            for i in range(info.frame_count):
                pending.append(pool.submit(read_picture, source_frame(info, i), info.plate_window,
                                           layers))
                if len(pending) > 2:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        return
    for i, frame in enumerate(decode_frames(info, deinterlace)):
        values = from_deep_frame(frame)
        alpha = np.ascontiguousarray(values[..., 3]) if values.shape[-1] == 4 else None
        yield Picture(np.ascontiguousarray(values[..., :3]), alpha, movie_attributes(info, i),
                      premultiplied=False)


def nonfinite_warning(info: SourceInfo, counts: dict[int, int]) -> str:
    """The one line that says which source frames (number -> pixels) held NaN or Inf."""
    total = sum(counts.values())
    what = f"{total} pixel{'s' if total > 1 else ''} with NaN or Inf"
    if len(counts) == 1:
        (number, _), = counts.items()
        where = f"{info.source % number}: {what}"
    else:
        frames = fileseq.FrameSet(sorted(counts))
        where = f"{info.source}: {what} in {len(counts)} frames ({frames})"
    return f"{where}: NaN set to 0, Inf clipped to +/-{HALF_MAX:g}"


def decode_to_display_plates(info: SourceInfo, out_dir: Path, shot: str, first_frame: int,
                             png_compression: int = 1,
                             progress: Optional[Callable[[int, int], None]] = None, *,
                             transform: DisplayTransform, deinterlace: bool = False) -> int:
    """Every frame of ``info`` -> ``out_dir/<shot>.%04d.png`` (16-bit, display-referred
    through ``transform``, RGBA when the source has alpha); returns the count.
    ``out_dir`` is replaced whole."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    total = info.frame_count

    def convert(i: int, picture: Picture) -> None:
        write_frame(frame_path(tmp, shot, first_frame + i), display_plate(picture, transform),
                    png_compression)

    with temporary_path(out_dir) as tmp:
        tmp.mkdir()
        done, nonfinite = 0, {}
        with WriteBehind(workers=2, limit=2) as writer:
            for i, picture in enumerate(source_pictures(info, deinterlace)):
                writer.submit(convert, i, picture)
                if picture.nonfinite:
                    nonfinite[info.seq_first + i] = picture.nonfinite
                done = i + 1
                if progress:
                    progress(done, total)
        if done < total:
            raise MediaError(f"{info.source}: read {done} of {total} frames")
    if nonfinite:
        log.warning("%s", nonfinite_warning(info, nonfinite))
    return total
