"""Frame numbering, sequence patterns and chunking.

Work-area frames are ``<shot>.<frame:04d>.png`` (VFX habit: frames start at
1001). Source sequences may be written ``name.%04d.exr``, ``name.####.exr`` or
``name.@@@@.exr``; all are normalised to printf style.
"""
from __future__ import annotations

import re
from pathlib import Path
from pipeline.errors import MediaError

_HASHES = re.compile(r"(#+|@+)")
_PRINTF = re.compile(r"%0?(\d*)d")


def frame_name(shot: str, frame: int, ext: str = "png") -> str:
    return f"{shot}.{frame:04d}.{ext}"


def frame_path(folder: Path, shot: str, frame: int, ext: str = "png") -> Path:
    return Path(folder) / frame_name(shot, frame, ext)


def frame_pattern(folder: Path, shot: str, ext: str = "png") -> str:
    """printf pattern for ffmpeg's image2 muxer/demuxer."""
    return str(Path(folder) / f"{shot}.%04d.{ext}")


def is_sequence_pattern(source: str) -> bool:
    return bool(_PRINTF.search(Path(source).name) or _HASHES.search(Path(source).name))


def to_printf(pattern: str) -> str:
    """'plates/s01.####.exr' -> 'plates/s01.%04d.exr'."""
    folder, name = str(Path(pattern).parent), Path(pattern).name
    name = _HASHES.sub(lambda m: f"%0{len(m.group(1))}d", name)
    return str(Path(folder) / name)


def scan_sequence(pattern: str) -> tuple[int, int]:
    """Find the frame range of an image sequence on disk.

    Returns (first, last). Raises MediaError when no frame exists or frames are
    missing inside the range (a gap would silently shift timing).
    """
    printf = to_printf(pattern)
    folder, name = Path(printf).parent, Path(printf).name
    m = _PRINTF.search(name)
    if not m:
        raise MediaError(f"{pattern}: not an image-sequence pattern")
    width = int(m.group(1) or 1)
    prefix, suffix = name[:m.start()], name[m.end():]
    rx = re.compile(re.escape(prefix) + r"(-?\d{%d,})" % width + re.escape(suffix) + "$")
    if not folder.is_dir():
        raise MediaError(f"{pattern}: folder not found: {folder}")
    frames = sorted(int(mm.group(1)) for p in folder.iterdir() if (mm := rx.match(p.name)))
    if not frames:
        raise MediaError(f"{pattern}: no frames found matching the pattern")
    first, last = frames[0], frames[-1]
    if len(frames) != last - first + 1:
        have = set(frames)
        missing = [f for f in range(first, last + 1) if f not in have]
        shown = ", ".join(str(f) for f in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise MediaError(f"{pattern}: {len(missing)} frame(s) missing in {first}-{last}: {shown}")
    return first, last


def chunk_ranges(first: int, last: int, size: int) -> list[tuple[int, int]]:
    """Split the inclusive range [first, last] into chunks of ``size`` frames."""
    return [(a, min(a + size - 1, last)) for a in range(first, last + 1, size)]
