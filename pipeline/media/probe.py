"""Probe a shot's source (movie file or image sequence) with ffprobe."""
from __future__ import annotations

import dataclasses
import errno
import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Optional

from pipeline.media import ffmpeg_run, geometry
from pipeline.errors import MediaError
from pipeline.media.sequence import is_sequence_pattern, scan_sequence, to_printf
from pipeline.media.exr import (header_depth, header_problem, header_timing, read_header,
                                size_problem, windows_of, union)
from pipeline.media.timecode import timecode_after


log = logging.getLogger("shotstyle")

_YUV_MATRICES = {"bt709": "bt709", "smpte170m": "smpte170m", "bt470bg": "bt470bg",
                 "bt2020nc": "bt2020"}


@dataclass(frozen=True)
class SourceInfo:
    source: str  # movie path, or printf pattern for sequences
    kind: str  # "movie" | "sequence"
    width: int
    height: int
    fps: str  # exact rational, e.g. "24000/1001"
    frame_count: int
    codec: str
    pix_fmt: str
    has_audio: bool = False
    audio_codec: Optional[str] = None
    audio_offset: float = 0.0  # seconds from file start to the first video frame
    timecode: Optional[str] = None
    color_matrix: Optional[str] = None  # YUV matrix used to turn the source into RGB
    seq_first: Optional[int] = None  # first frame number read (sequences)
    range_start: int = 0  # movies: frames of the file before the first one read
    ranged: bool = False  # only a source_range of the source is read (with_range)
    # Geometry as players show it (pipeline/media/geometry.py). width and height
    # above are the upright size: the coded size turned by ``rotation``.
    rotation: int = 0  # degrees counter-clockwise players turn the coded picture
    sar: str = "1"  # sample (pixel) aspect ratio of the upright picture, e.g. "2", "4/3"
    field_order: str = "unknown"  # ffprobe's: progressive, tt, bb, tb, bt or unknown
    has_alpha: bool = False  # the source's pixel format has an alpha channel
    # A sequence whose data window reaches outside its display window (overscan):
    # the window the plates hold, [x, y, width, height] from the display window's
    # origin (the union of every frame's data window and the display window).
    # width and height above stay the display window's: what the movies show.
    plate_window: Optional[list] = None

    @property
    def fps_fraction(self) -> Fraction:
        return Fraction(self.fps)

    @property
    def sar_fraction(self) -> Fraction:
        return Fraction(self.sar)

    @property
    def plate_size(self) -> tuple[int, int]:
        """(width, height) of the plates: the display window's, or the overscan's."""
        return (self.plate_window[2], self.plate_window[3]) if self.plate_window else (
            self.width, self.height)

    @property
    def display_crop(self) -> Optional[tuple[int, int, int, int]]:
        """Where the display window lies in plates with overscan (x, y, w, h), else None."""
        if not self.plate_window:
            return None
        return -self.plate_window[0], -self.plate_window[1], self.width, self.height

    @property
    def interlaced(self) -> bool:
        return geometry.is_interlaced(self.field_order)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SourceInfo":
        """From a probe manifest; fields an older manifest lacks get their defaults."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


def with_range(info: SourceInfo, start: int, duration: int) -> SourceInfo:
    """Only ``duration`` frames of ``info`` from its frame ``start`` (0-based): a
    shot cut from a long take. The timecode becomes the range's first frame's."""
    if start + duration > info.frame_count:
        raise MediaError(f"{info.source}: source_range {start}-{start + duration - 1} (start "
                         f"{start}, duration {duration}) ends past the source's last frame "
                         f"({info.frame_count - 1}; it has {info.frame_count} frames)")
    timecode = info.timecode and timecode_after(info.timecode, info.fps_fraction, start)
    moved = {"seq_first": info.seq_first + start} if info.kind == "sequence" else {
        "range_start": info.range_start + start}
    return dataclasses.replace(info, frame_count=duration, timecode=timecode or None,
                               ranged=True, **moved)


def _fraction(text: Optional[str]) -> Optional[Fraction]:
    try:
        value = Fraction(text) if text else None
    except (ValueError, ZeroDivisionError):
        return None
    return value if value else None


#: A movie whose average rate differs from its stream rate by more than this
#: fraction is variable-frame-rate (timing would shift if rendered as is).
VFR_TOLERANCE = 0.01


def bits_per_component(pix_fmt: str) -> int:
    """8, 10, 12 or 16 for common pixel formats (8 when unknown)."""
    for bits in (16, 14, 12, 10, 9):
        if f"p{bits}" in pix_fmt or pix_fmt.startswith((f"rgb{bits * 3}", f"rgba{bits * 4}",
                                                        f"gray{bits}", f"bgr{bits * 3}")):
            return bits
    if pix_fmt in ("v210", "y210", "p010le", "p010be", "x2rgb10le", "x2bgr10le"):
        return 10
    if pix_fmt in ("rgb48le", "rgb48be", "rgba64le", "rgba64be", "bgr48le", "bgra64le"):
        return 16
    return 8


def _timecode(data: dict, video: dict) -> Optional[str]:
    for tags in [video.get("tags", {}), data.get("format", {}).get("tags", {})] + [
            s.get("tags", {}) for s in data.get("streams", []) if s.get("codec_type") == "data"]:
        tc = tags.get("timecode")
        if tc:
            return tc
    return None


def _matrix(video: dict) -> Optional[str]:
    fmt = video.get("pix_fmt", "")
    if not fmt.startswith(("yuv", "yuvj", "nv", "p0", "p2", "y2", "uyvy", "v210")):
        return None  # RGB or grey: no matrix
    tagged = _YUV_MATRICES.get(video.get("color_space", ""))
    if tagged:
        return tagged
    # Untagged: the usual convention, HD and up is BT.709, SD is BT.601.
    return "bt709" if int(video.get("height", 0)) >= 720 else "smpte170m"


def probe_source(source: str, fps: Optional[Fraction] = None) -> SourceInfo:
    """Describe ``source``; an image sequence's rate is ``fps``, else its first
    frame's header's (one of them is required), its timecode its header's."""
    if is_sequence_pattern(source):
        return _probe_sequence(source, fps)
    return _probe_movie(source, fps)


def _probe_sequence(pattern: str, fps: Optional[Fraction]) -> SourceInfo:
    first, last = scan_sequence(pattern)
    printf = to_printf(pattern)
    _check_frame_files(printf, first, last)
    sample = printf % first
    timecode, header_fps = header_timing(Path(sample))
    if fps is None and header_fps is None:
        raise MediaError(f"{pattern}: image sequences need 'fps' in the shot config (the "
                         f"first frame's header gives no frame rate)")
    if fps is not None and header_fps is not None and fps != header_fps:
        log.warning("%s: the header says %s frames/s; the shot's 'fps' (%s) wins", sample,
                    header_fps, fps)
    fps = fps if fps is not None else header_fps
    if timecode and timecode_after(timecode, fps, 0) is None:
        log.warning("%s: header timecode %s cannot be counted at %s frames/s; the movies get "
                    "no timecode", sample, timecode, fps)
        timecode = None
    window = _sequence_window(printf, first, last)
    data = ffmpeg_run.probe(sample)
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    if not video:
        raise MediaError(f"{sample}: not an image ffmpeg can read")
    pix_fmt = video.get("pix_fmt", "?")
    return SourceInfo(source=printf, kind="sequence", width=int(video["width"]),
                      height=int(video["height"]), fps=str(fps),
                      frame_count=last - first + 1, codec=video.get("codec_name", "?"),
                      pix_fmt=pix_fmt, timecode=timecode, color_matrix=_matrix(video),
                      seq_first=first, sar=str(geometry.image_pixel_aspect(Path(sample))),
                      field_order="progressive", has_alpha=geometry.has_alpha(pix_fmt),
                      plate_window=window)


def _check_frame_files(printf: str, first: int, last: int) -> None:
    """MediaError for a frame that is no image file: a folder, or empty (0 bytes: an
    export or a copy that failed). FFmpeg would skip it, and every later frame
    would move up one."""
    for n in range(first, last + 1):
        path = Path(printf % n)
        if not path.is_file():
            raise MediaError(f"{path}: frame {n} is {not_a_file(str(path))}; the sequence "
                             f"needs one image file per frame")
        if path.stat().st_size == 0:
            raise MediaError(f"{path}: frame {n} is empty (0 bytes); re-export or copy it again")


def _sequence_window(printf: str, first: int, last: int) -> Optional[list]:
    """Every frame the size, channels and bit depth of the first (FFmpeg would
    silently rescale the others, drop an alpha that appears, decode at the first
    frame's depth), each one a picture plates can be made of (``header_problem``);
    the plate window (``SourceInfo.plate_window``) when a frame's data window
    reaches outside the display window, else None. Reads headers only; when
    OpenImageIO cannot read the first frame's (a format only FFmpeg reads), none
    is checked, and otherwise a frame whose header it cannot read is refused."""
    spec = read_header(Path(printf % first))
    if spec is None:
        return None
    _check_header(printf % first, spec)
    head = windows_of(spec)
    want, display = head.size, head.display
    names, depth = list(spec.channelnames), header_depth(spec)
    plates = union(display, head.data)
    for n in range(first + 1, last + 1):
        frame = read_header(Path(printf % n))
        if frame is None:
            raise MediaError(f"{printf % n}: frame {n} cannot be read as an image (frame "
                             f"{first} can); re-export or copy it again")
        _check_header(printf % n, frame)
        windows = windows_of(frame)
        if windows.size != want:
            size = windows.size
            raise MediaError(f"{printf % n}: frame {n} is {size[0]}x{size[1]} but the sequence "
                             f"is {want[0]}x{want[1]} (frame {first}); re-export it at the "
                             f"sequence's size")
        if list(frame.channelnames) != names:
            raise MediaError(f"{printf % n}: frame {n} has channels "
                             f"{', '.join(frame.channelnames)} but frame {first} has "
                             f"{', '.join(names)}; export every frame with the same channels")
        if header_depth(frame) != depth:
            raise MediaError(f"{printf % n}: frame {n} is {header_depth(frame)} but frame "
                             f"{first} is {depth}; export every frame at one bit depth")
        plates = union(plates, windows.data)
    if plates == display:
        return None
    return [plates[0] - display[0], plates[1] - display[1], plates[2], plates[3]]


def _check_header(path: str, spec) -> None:
    problem = header_problem(spec)
    if problem:
        raise MediaError(f"{path}: {problem}")


@dataclass(frozen=True)
class Played:
    """The frames of a movie's video stream a player shows, from its packets: how
    many, and where the last one ends (seconds; None unless every packet has a
    timestamp, as MPEG program streams' do not)."""

    count: int
    end: Optional[float] = None


def _seconds(text: Optional[str]) -> Optional[float]:
    try:
        return float(text) if text not in (None, "N/A") else None
    except ValueError:
        return None


def played_frames(path: str, video: dict) -> Played:
    """The frames of ``video`` a player shows: its packets the demuxer does not mark
    discarded. An MP4/MOV edit list (a phone's, or a cut made without re-encoding)
    keeps frames before its start in the file, as references, and FFmpeg decodes
    them without showing them (ffprobe's ``D`` flag); ``nb_frames`` and a plain
    packet count include them. Reads the packets' headers only (no decoding)."""
    data = ffmpeg_run.probe(path, select_streams=str(video["index"]),
                            show_entries="packet=flags,pts_time,duration_time")
    shown = [p for p in data.get("packets", []) if "D" not in p.get("flags", "")]
    ends = [(_seconds(p.get("pts_time")), _seconds(p.get("duration_time")) or 0.0)
            for p in shown]
    if not ends or any(pts is None for pts, _ in ends):
        return Played(len(shown))
    return Played(len(shown), max(pts + duration for pts, duration in ends))


#: Frames a movie may play fewer than its headers promise (an edit list ending
#: inside a frame) before it counts as truncated.
TRUNCATION_SLACK = 1.0


def _promised_end(video: dict) -> Optional[float]:
    """Where the video stream ends by its headers (seconds, edit lists applied):
    Matroska's ``DURATION`` tag (``HH:MM:SS.nnnnnnnnn``, the muxer's own, taken as
    the end), else its start plus ffprobe's ``duration`` (which, for a stream without
    timestamps, FFmpeg fills in from the container's); None when they say nothing."""
    try:
        hours, minutes, seconds = (video.get("tags") or {}).get("DURATION", "").split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    except ValueError:
        pass
    duration = _seconds(video.get("duration"))
    return None if duration is None else (_seconds(video.get("start_time")) or 0.0) + duration


def _missing_frames(data: dict, video: dict, played: Played) -> float:
    """How many frames the file's headers promise beyond those it plays: the time
    from the last frame's end to the stream's end (from its start, when the packets
    carry no timestamps), at its rate; outside MP4/MOV (whose ``nb_frames`` counts
    the frames an edit list hides) also the header's frame count."""
    missing = [0.0]
    end, rate = _promised_end(video), _fraction(video.get("r_frame_rate"))
    if end is not None and rate:
        reached = played.end if played.end is not None else (
            (_seconds(video.get("start_time")) or 0.0) + played.count / rate)
        missing.append((end - reached) * rate)
    if "mov" not in data.get("format", {}).get("format_name", "").split(","):
        missing.append(int(video.get("nb_frames") or 0) - played.count)
    return max(missing)


def _check_whole(path: str, data: dict, video: dict, played: Played) -> None:
    """MediaError when the file ends before its headers say it does (a copy cut
    short: the demuxer stops at the missing bytes)."""
    missing = _missing_frames(data, video, played)
    if missing > TRUNCATION_SLACK:
        raise MediaError(f"{path}: only {played.count} of {played.count + round(missing)} "
                         f"frames can be read (truncated or corrupt file)")


def not_a_file(path: str) -> str:
    """What ``path``, which is no regular file, is instead: 'not found', 'a folder', a
    link to a missing file or a link loop (which ``os.path.exists`` calls not found)."""
    if os.path.isdir(path):
        return "a folder"
    if not os.path.islink(path):
        return "not found" if not os.path.exists(path) else "not a regular file"
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop (a link that leads back to itself)"
    return f"a symbolic link to {os.readlink(path)}, which is not found"


def _streams_note(path: str, videos: list[dict]) -> str:
    """The warning for a movie with several video streams: which ones, which is read."""
    listed = ", ".join(f"{s['index']}: {s.get('codec_name', '?')} {s.get('width')}x"
                       f"{s.get('height')}" for s in videos)
    return (f"{path}: {len(videos)} video streams ({listed}); the plates are made of the "
            f"first, stream {videos[0]['index']}")


def _mirrors(displaymatrix: str) -> bool:
    """Whether ffprobe's text of a display matrix (three rows ``index: a b u``) flips
    the picture: the determinant of its 2x2 part is negative."""
    try:
        (a, b), (c, d) = [[int(x) for x in line.split(":", 1)[1].split()[:2]]
                          for line in displaymatrix.strip().splitlines()[:2]]
    except (IndexError, ValueError):
        return False
    return a * d - b * c < 0


def _display_matrix_problem(video: dict) -> Optional[str]:
    """Why the display matrix of ``video`` cannot be applied (the decode turns the
    picture by quarter turns only, ``pipeline.media.geometry``), or None: it mirrors
    the picture, or turns it by an angle that is not a multiple of 90 degrees."""
    for side in video.get("side_data_list") or ():
        if _mirrors(str(side.get("displaymatrix", ""))):
            return ("its display matrix mirrors the picture (as a front camera's may); "
                    "plates are turned upright but not mirrored back: re-export it unmirrored")
        degrees = float(side.get("rotation", 0) or 0)
        if abs(degrees - 90 * round(degrees / 90)) > 0.5:
            way = "counter-clockwise" if degrees > 0 else "clockwise"
            return (f"its display matrix turns the picture {abs(degrees):g} degrees {way}; "
                    f"plates are turned upright by quarter turns only: re-export it upright")
    return None


def _probe_movie(path: str, fps_override: Optional[Fraction]) -> SourceInfo:
    if os.path.isdir(path):
        raise MediaError(f"{path}: is a folder; give a movie file or a sequence pattern "
                         f"such as {Path(path) / 'name.%04d.exr'}")
    if not os.path.exists(path):
        what = not_a_file(path)
        raise MediaError(f"{path}: source not found" if what == "not found" else
                         f"{path}: the source is {what}")
    data = ffmpeg_run.probe(path)
    streams = data.get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video"
              and not s.get("disposition", {}).get("attached_pic")]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos:
        what = "audio only" if audios else "no video stream"
        raise MediaError(f"{path}: not a video ({what})")
    video = videos[0]
    if len(videos) > 1:
        log.warning("%s", _streams_note(path, videos))
    played = played_frames(path, video)
    _check_whole(path, data, video, played)
    if played.count <= 0:
        raise MediaError(f"{path}: the video stream has no frames")
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise MediaError(f"{path}: video stream has no frame size")
    problem = size_problem("frame size", width, height) or _display_matrix_problem(video)
    if problem:
        raise MediaError(f"{path}: {problem}")
    real, avg = _fraction(video.get("r_frame_rate")), _fraction(video.get("avg_frame_rate"))
    if fps_override is None and real and avg and abs(real - avg) > VFR_TOLERANCE * real:
        raise MediaError(f"{path}: variable frame rate (stream rate {float(real):.3f}, average "
                         f"{float(avg):.3f} fps); set 'fps' in the shot config to conform its "
                         f"frames to a constant rate")
    rate = fps_override or real or avg
    if not rate:
        raise MediaError(f"{path}: cannot tell the frame rate; set 'fps' in the shot config")
    start = float(data.get("format", {}).get("start_time") or 0.0)
    vstart = float(video.get("start_time") or start)
    rotation = geometry.rotation_of(video)
    width, height = geometry.upright_size(width, height, rotation)
    sar = geometry.upright_sar(geometry.parse_sar(video.get("sample_aspect_ratio")), rotation)
    pix_fmt = video.get("pix_fmt", "?")
    return SourceInfo(source=path, kind="movie", width=width, height=height, fps=str(rate),
                      frame_count=played.count, codec=video.get("codec_name", "?"),
                      pix_fmt=pix_fmt, has_audio=bool(audios),
                      audio_codec=audios[0].get("codec_name") if audios else None,
                      audio_offset=max(0.0, vstart - start), timecode=_timecode(data, video),
                      color_matrix=_matrix(video), rotation=rotation, sar=str(sar),
                      field_order=video.get("field_order") or "unknown",
                      has_alpha=geometry.has_alpha(pix_fmt))
