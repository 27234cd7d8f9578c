"""Frame numbering, image-sequence patterns and frame ranges (``fileseq``).

Work-area frames are ``<shot>.<frame:04d>.<ext>`` (VFX habit: frames start at
1001). Source sequences may be written ``name.%04d.exr``, ``name.####.exr``
(one ``#`` per digit, as in Nuke), ``name.@@@@.exr`` or ``name.$F4.exr``; all
are normalised to printf style for FFmpeg. Frame ranges on the command line
(``--frames 1001-1048``) are fileseq frame sets.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import fileseq

from pipeline.errors import ConfigError, MediaError

#: '#' is one digit (Nuke, RV); fileseq's default would read '####' as 16.
PAD_STYLE = fileseq.PAD_STYLE_HASH1


def frame_name(shot: str, frame: int, ext: str = "png") -> str:
    return f"{shot}.{frame:04d}.{ext}"


def frame_path(folder: Path, shot: str, frame: int, ext: str = "png") -> Path:
    return Path(folder) / frame_name(shot, frame, ext)


def frame_pattern(folder: Path, shot: str, ext: str = "png") -> str:
    """printf pattern for ffmpeg's image2 muxer/demuxer."""
    return str(Path(folder) / f"{shot}.%04d.{ext}")


def _parse(name: str) -> fileseq.FileSequence:
    try:
        return fileseq.FileSequence(name, pad_style=PAD_STYLE)
    except fileseq.ParseException:
        raise MediaError(f"{name}: not a sequence pattern fileseq can read (one frame "
                         f"number per name, e.g. name.####.exr)") from None


#: A frame-number token right before the file's extension: ``%04d`` / ``%d``,
#: ``$F`` / ``$F4``, or a run of ``#`` / ``@`` that stands alone (after ``.``, ``_``,
#: ``-`` or a space, or at the start) or is two or more long. ``reel#A.mov`` (the
#: ``#`` is not before the extension) and ``A001#1.mov`` are movies.
_FRAME_TOKEN = re.compile(r"(%0?\d*d|\$F\d*|(?:(?<![^._\- ])|(?=[#@]{2}))(?:#+|@+))"
                          r"(\.[^./\\]+)$")


def is_sequence_pattern(source: str) -> bool:
    """The one place a source is classified. A sequence only when the file name has a
    frame-number token fileseq reads as padding right before its extension
    (``name.####.exr``, ``name_%04d.exr``, ``name.@@@@.exr``, ``name.$F4.exr``) and no
    frame range; anything else, and any existing regular file, is a movie. Folders
    are not looked at (``shots/s#01/clip.mov`` is a movie)."""
    name = Path(source).name
    token = _FRAME_TOKEN.search(name)
    if token is None or Path(source).is_file():
        return False
    seq = _parse(name)
    return (seq.padding() == token.group(1) and seq.extension() == token.group(2)
            and not seq.frameSet())


def sequence_of_frame(path: str) -> Optional[str]:
    """The pattern (``plates/A001.####.exr``) of the image sequence on disk that the
    existing file ``path`` is a frame of, as fileseq groups the files of its folder;
    None when ``path`` is not a file or fileseq finds no frame number in its name
    that makes a pattern (``is_sequence_pattern``). A frame alone is a sequence of one."""
    file = Path(path)
    if not file.is_file():
        return None
    for seq in fileseq.findSequencesOnDisk(str(file.parent), pad_style=PAD_STYLE):
        if seq.frameSet() and any(Path(frame) == file for frame in seq):
            pattern = seq.format("{dirname}{basename}{padding}{extension}")
            return pattern if is_sequence_pattern(pattern) else None
    return None


def to_printf(pattern: str) -> str:
    """'plates/s01.####.exr' -> 'plates/s01.%04d.exr'."""
    seq = _parse(Path(pattern).name)
    width = fileseq.getPaddingNum(seq.padding(), pad_style=PAD_STYLE)
    return str(Path(pattern).parent / f"{seq.basename()}%0{width}d{seq.extension()}")


def find_sequence(pattern: str) -> fileseq.FileSequence:
    """The frames of ``pattern`` on disk (exact padding, nothing else in the folder)."""
    printf = to_printf(pattern)
    folder = Path(printf).parent
    if not folder.is_dir():
        raise MediaError(f"{pattern}: folder not found: {folder}")
    try:
        return fileseq.findSequenceOnDisk(printf, pad_style=PAD_STYLE, strictPadding=True)
    except fileseq.FileSeqException:
        raise MediaError(f"{pattern}: no frames found matching the pattern") from None


def sequence_files(pattern: str) -> list[Path]:
    """Every file of the sequence on disk, in frame order."""
    return [Path(p) for p in find_sequence(pattern)]


def scan_sequence(pattern: str) -> tuple[int, int]:
    """Find the frame range of an image sequence on disk.

    Returns (first, last). Raises MediaError when no frame exists or frames are
    missing inside the range (a gap would silently shift timing).
    """
    frames = find_sequence(pattern).frameSet()
    first, last = frames.start(), frames.end()
    if len(frames) != last - first + 1:
        missing = list(fileseq.FrameSet(frames.invertedFrameRange()))
        shown = ", ".join(str(f) for f in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise MediaError(f"{pattern}: {len(missing)} frame(s) missing in {first}-{last}: {shown}")
    return first, last


def parse_frame_range(text: str, what: str = "--frames") -> tuple[int, int]:
    """'1001-1048' (or one frame, '1010') -> (first, last)."""
    try:
        frames = fileseq.FrameSet(text.rstrip("-"))  # '1001-' is frame 1001, as it was
    except (fileseq.ParseException, fileseq.MaxSizeException, ValueError):
        raise ConfigError(f"{what} {text!r}: expected FIRST-LAST, e.g. 1001-1048") from None
    first, last = frames[0], frames[-1]
    if first > last:
        raise ConfigError(f"{what} {text!r}: the first frame is after the last")
    if not frames.isConsecutive():
        raise ConfigError(f"{what} {text!r}: expected one range FIRST-LAST, e.g. 1001-1048")
    return first, last


