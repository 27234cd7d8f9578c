"""Gather training images for a style: (plate, painted) pairs, plates, style art."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from pipeline.errors import ConfigError, MediaError
from pipeline.frames import frame_path
from pipeline.workarea import ShotPlan

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".exr"}
Reader = Callable[[Path], np.ndarray]


def _plate(shot: ShotPlan, frame: int, read: Reader) -> np.ndarray:
    path = frame_path(shot.stage_dir("plates"), shot.shot, frame)
    if not path.is_file():
        first, last = shot.frame_range()
        raise ConfigError(f"keyframe {frame} is outside shot {shot.shot} ({first}-{last})")
    return read(path)


def keyframe_pairs(shot: ShotPlan, keyframes: dict[int, Path],
                   read: Reader) -> list[tuple[np.ndarray, np.ndarray]]:
    """(plate, painted) RGB pairs; a painted frame must match its plate's size."""
    pairs = []
    for frame, painted_path in sorted(keyframes.items()):
        plate = _plate(shot, frame, read)
        painted = read(painted_path)
        if painted.shape != plate.shape:
            ph, pw = painted.shape[:2]
            h, w = plate.shape[:2]
            raise MediaError(f"{painted_path}: painted keyframe is {pw}x{ph} but plate {frame} of "
                             f"{shot.shot} is {w}x{h}; paint over the plate at full size")
        pairs.append((plate, painted))
    return pairs


def content_plates(shot: ShotPlan, count: int, read: Reader) -> list[np.ndarray]:
    """``count`` plates spread evenly over the shot."""
    first, last = shot.frame_range()
    n = min(count, last - first + 1)
    frames = sorted({first + round(i * (last - first) / max(n - 1, 1)) for i in range(n)})
    return [_plate(shot, f, read) for f in frames]


def style_images(folder: Path, read: Reader) -> list[np.ndarray]:
    paths = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ConfigError(f"{folder}: no style images (expected {', '.join(sorted(IMAGE_SUFFIXES))})")
    return [read(p) for p in paths]
