"""Decode a source into a numbered PNG plate sequence, atomically.

ffmpeg streams the source straight to PNG files (nothing is held in memory);
they land in a temporary folder that is renamed into place when complete.
The plates are upright at the size the probe reported (rotation applied here,
not by FFmpeg's autorotate) and, when asked, deinterlaced one frame per frame
(``pipeline.media.geometry``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import ffmpeg
import numpy as np

from pipeline.media import ffmpeg_run, geometry
from pipeline.media.atomic import temporary_path
from pipeline.errors import MediaError
from pipeline.media.sequence import frame_name, frame_pattern
from pipeline.media.probe import SourceInfo, bits_per_component



def _input(info: SourceInfo):
    """The source's video; a movie's ``range_start`` frames are dropped by count
    (``trim``), which is exact where a seek by time may not be."""
    if info.kind == "sequence":
        return ffmpeg.input(info.source, f="image2", framerate=info.fps,
                            start_number=info.seq_first).video
    video = ffmpeg.input(info.source, **geometry.DECODE_INPUT_ARGS).video
    if info.range_start:
        video = video.trim(start_frame=info.range_start).setpts("PTS-STARTPTS")
    return video


def ffmpeg_decode_problem(info: SourceInfo) -> Optional[str]:
    """Why FFmpeg cannot decode ``info`` into plates, or None: its image-sequence
    reader takes no frame number below 0 (it reads from the first frame 0 or up, and
    the frame count comes up short). OpenImageIO, which reads colour-managed
    sequences, takes them."""
    if info.kind == "sequence" and info.seq_first < 0:
        return (f"frames numbered from {info.seq_first}: FFmpeg, which decodes this sequence "
                f"(it is not colour-managed), reads no frame number below 0; renumber the "
                f"frames from 0 up, or set 'source_range' to skip the frames below 0")
    return None


def plate_pix_fmt(info: SourceInfo) -> str:
    """8-bit RGB plates for 8-bit sources, 16-bit for deeper ones (no 8-bit step);
    RGBA when the source has an alpha channel (the plates carry it to the outputs)."""
    deep = bits_per_component(info.pix_fmt) > 8
    if info.has_alpha:
        return "rgba64be" if deep else "rgba"
    return "rgb48be" if deep else "rgb24"


def upright_video(info: SourceInfo, deinterlace: bool = False):
    """The source's video as an ffmpeg-python stream: deinterlaced when asked,
    upright, square-tagged, and converted from YUV with the source's matrix."""
    video = geometry.decode_filters(_input(info), info.rotation, info.sar_fraction,
                                    deinterlace)
    if info.color_matrix:
        video = video.filter("scale", in_color_matrix=info.color_matrix)
    return video


def decode_frames(info: SourceInfo, deinterlace: bool = False) -> Iterator[np.ndarray]:
    """Every frame of ``info`` as it is coded, upright: uint16 HxWx3 (HxWx4 with
    alpha), 0..65535; for colour-managed movies, whose code values OCIO converts."""
    channels = 4 if info.has_alpha else 3
    video = upright_video(info, deinterlace)
    stream = video.output("pipe:", f="rawvideo", pix_fmt="rgba64le" if channels == 4
                          else "rgb48le", fps_mode="passthrough",
                          **{"frames:v": info.frame_count})
    return ffmpeg_run.frames(stream, (info.height, info.width, channels), np.uint16,
                             info.frame_count, f"{info.source}: decode failed")


def decode_to_pngs(info: SourceInfo, out_dir: Path, shot: str, first_frame: int,
                   png_compression: int = 1,
                   progress: Optional[Callable[[int, int], None]] = None,
                   deinterlace: bool = False) -> int:
    """Decode every frame of ``info`` to ``out_dir/<shot>.%04d.png``; returns the count.

    ``out_dir`` is replaced as a whole only once decoding succeeded. Frames are
    upright (``info.rotation`` applied); ``deinterlace``: bwdif, one frame per frame.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with temporary_path(out_dir) as tmp:
        tmp.mkdir()
        stream = upright_video(info, deinterlace).output(frame_pattern(tmp, shot), f="image2", start_number=first_frame,
                              pix_fmt=plate_pix_fmt(info), fps_mode="passthrough",
                              compression_level=png_compression,
                              **{"frames:v": info.frame_count})

        def poll() -> None:
            if progress:
                progress(sum(1 for _ in tmp.iterdir()), info.frame_count)

        ffmpeg_run.run(stream, f"{info.source}: decode failed", poll=poll)
        count = _check_contiguous(tmp, shot, first_frame)
        if count == 0:
            raise MediaError(f"{info.source}: decoded no frames (corrupt or empty video)")
        if count < info.frame_count:
            raise MediaError(f"{info.source}: decoded {count} of {info.frame_count} frames "
                             f"(truncated or corrupt file)")
    return count


def _check_contiguous(folder: Path, shot: str, first: int) -> int:
    names = {p.name for p in folder.iterdir()}
    n = 0
    while frame_name(shot, first + n) in names:
        n += 1
    if n != len(names):
        raise MediaError(f"decode wrote {len(names)} files but only {n} consecutive frames")
    return n
