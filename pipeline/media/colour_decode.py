"""Decode a colour-managed image sequence into display-referred 16-bit plates.

Each source frame (EXR, DPX, TIFF, PNG: anything OpenImageIO reads) is read
as float RGB in its own colour space, taken through the shot's OCIO
display/view transform, clipped to what a display shows and stored as a
16-bit PNG plate: the pictures the generator sees and artists paint
keyframes on. What the display cannot show (highlights above 1, colours
outside its gamut) goes back into the EXR deliverable from the source frame
itself (``pipeline.stages.encode``). Frames are streamed; the plates folder is
swapped in whole once every frame is written.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from pipeline.errors import MediaError
from pipeline.media.atomic import temporary_path
from pipeline.media.colour import DisplayTransform
from pipeline.media.exr import read_picture
from pipeline.media.imageio import write_rgb
from pipeline.media.probe import SourceInfo
from pipeline.media.sequence import frame_path

DEEP_PEAK = 65535.0


def to_deep_frame(display_rgb: np.ndarray) -> np.ndarray:
    """Display-referred float RGB -> a 16-bit frame (clipped to [0, 1])."""
    return np.rint(np.clip(display_rgb, 0.0, 1.0) * DEEP_PEAK).astype(np.uint16)


def from_deep_frame(frame: np.ndarray) -> np.ndarray:
    """A 16-bit (or 8-bit) frame -> display-referred float32 RGB in [0, 1]."""
    return frame.astype(np.float32) / np.float32(np.iinfo(frame.dtype).max)


def source_frame(info: SourceInfo, index: int) -> Path:
    """The file of the ``index``-th frame (0-based) of a sequence source."""
    return Path(info.source % (info.seq_first + index))


def decode_to_display_plates(info: SourceInfo, out_dir: Path, shot: str, first_frame: int,
                             png_compression: int = 1,
                             progress: Optional[Callable[[int, int], None]] = None, *,
                             transform: DisplayTransform) -> int:
    """Every frame of sequence ``info`` -> ``out_dir/<shot>.%04d.png`` (16-bit, display-
    referred through ``transform``); returns the count. ``out_dir`` is replaced whole."""
    if info.kind != "sequence":
        raise MediaError(f"{info.source}: colour-managed sources must be image sequences")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    total = info.frame_count

    def convert(i: int) -> None:
        picture = read_picture(source_frame(info, i))
        frame = to_deep_frame(transform.to_display(picture.rgb))
        write_rgb(frame_path(tmp, shot, first_frame + i), frame, png_compression)

    with temporary_path(out_dir) as tmp:
        tmp.mkdir()
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="display-plates") as pool:
            for done, _ in enumerate(pool.map(convert, range(total)), 1):
                if progress:
                    progress(done, total)
    return total
