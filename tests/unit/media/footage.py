"""Real footage with the faults issue #21 found, made with the real ffmpeg and
OpenImageIO, for the media and stage tests (tests/helpers.py makes the plain kind)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from helpers import scene_linear_frames, write_exr_sequence

FFMPEG = ("ffmpeg", "-nostdin", "-v", "error", "-y")


def edit_listed_movie(folder: Path, name: str = "phone clip.mp4") -> tuple[Path, Path]:
    """(whole, cut): ``whole`` is 30 frames of 64x36 at 24 fps, a keyframe every 12;
    ``cut`` is it cut at 0.2 s without re-encoding, as a phone or ``-ss ... -c copy``
    does: all 30 frames stay in the file (its ``nb_frames``) and its edit list
    starts 4.8 frames in, so players and FFmpeg show the last 25, frames 5-29 of ``whole``."""
    folder.mkdir(parents=True, exist_ok=True)
    whole, cut = folder / "whole.mp4", folder / name
    subprocess.run([*FFMPEG, "-f", "lavfi", "-i", "testsrc=s=64x36:r=24:d=1.25", "-c:v",
                    "libx264", "-g", "12", "-bf", "0", "-pix_fmt", "yuv420p", str(whole)],
                   check=True)
    subprocess.run([*FFMPEG, "-ss", "0.2", "-i", str(whole), "-c", "copy", str(cut)], check=True)
    return whole, cut


#: Where ``exr_with_nan_and_inf`` puts its NaN and Inf: frame -> pixels (y, x).
NONFINITE = {1002: [(0, 0), (0, 1), (0, 2)], 1003: [(5, 5), (6, 6)]}


def exr_with_nan_and_inf(folder: Path) -> str:
    """plate.1001-1003.exr, 16x12 half-float ACEScg with alpha 1, written by
    OpenImageIO: frame 1002 holds a NaN pixel, a +Inf and a -Inf one; frame 1003 a
    NaN pixel and a pixel whose alpha is NaN (the pixels of ``NONFINITE``)."""
    frames = scene_linear_frames(16, 12, 3)
    alpha = [np.ones((12, 16), np.float32) for _ in frames]
    frames[1][0, 0] = np.nan
    frames[1][0, 1, 1] = np.inf
    frames[1][0, 2, 2] = -np.inf
    frames[2][5, 5, 0] = np.nan
    alpha[2][6, 6] = np.nan
    return write_exr_sequence(folder, frames, alpha=alpha)


def with_display_matrix(src: Path, dst: Path, matrix: tuple[int, ...]) -> Path:
    """``src`` (an MP4 FFmpeg wrote, one track) with its track header's display matrix
    set to ``matrix`` (nine integers, 16.16 fixed point, w in 2.30): FFmpeg 5.1 writes
    only quarter turns, while phones and editors also write mirrors and other angles."""
    import struct
    data = bytearray(Path(src).read_bytes())
    tkhd = data.index(b"tkhd")
    version = data[tkhd + 4]
    # version/flags, times and track id, reserved, duration, reserved, layer ... volume
    offset = tkhd + 8 + (16 if version == 0 else 28) + 4 + 8 + 8
    struct.pack_into(">9i", data, offset, *matrix)
    Path(dst).write_bytes(bytes(data))
    return Path(dst)
