"""Shots from the edit: one shot config per clip of a cut.

``python -m pipeline shots-from-edit CUT --style NAME [--handles N]`` reads a
CMX 3600 EDL, an FCP 7 XML or an ``.otio`` timeline with OpenTimelineIO (its
``cmx_3600`` and ``fcp_xml`` adapters) and writes ``configs/shots/<name>.yaml``
per clip of its video tracks: the source media, the clip's source range widened
by ``handles`` frames on each side (``source_range``, in the media's frames),
the style, and ``first_frame: 1001``. Frame 1001 is the first handle frame; the
cut in is 1001 + handles.

A clip's source range is in the edit's time (an EDL's source timecodes); it
becomes the media's frames by subtracting where the media starts: the media
reference's available range when the cut has one (``.otio``, FCP XML), else
the file's own start timecode (ffprobe), else 0.
"""
from __future__ import annotations

import re
import urllib.parse
from fractions import Fraction
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from pipeline.config import SHOT_NAME_MAX, check_shot_name, config_dir
from pipeline.errors import ConfigError, ShotstyleError
from pipeline.media.atomic import write_bytes
from pipeline.media.probe import probe_source

DEFAULT_HANDLES = 8
FIRST_FRAME = 1001
_EDIT_FORMATS = {".edl": "cmx_3600", ".xml": "fcp_xml", ".otio": "otio_json"}


@dataclass
class EditShot:
    name: str
    source: str
    start: int      # first frame read, in the media's frames (0 = its first)
    duration: int   # the clip plus its handles
    handles: tuple[int, int]  # handle frames kept before and after the cut


@dataclass
class EditResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)      # existed; not overwritten
    missing: list[str] = field(default_factory=list)    # one line per clip without media


def _read_cut(cut: Path, rate: float):
    import opentimelineio as otio
    adapter = _EDIT_FORMATS.get(cut.suffix.lower())
    if adapter is None:
        raise ConfigError(f"{cut}: not an edit this reads (known: "
                          f"{', '.join(sorted(_EDIT_FORMATS))})")
    try:
        if adapter == "cmx_3600":
            return otio.adapters.read_from_file(str(cut), adapter, rate=rate)
        return otio.adapters.read_from_file(str(cut), adapter)
    except FileNotFoundError:
        raise ConfigError(f"{cut}: edit not found") from None
    except Exception as exc:  # noqa: BLE001 - the adapters raise many kinds
        raise ConfigError(f"{cut}: cannot read the edit: {exc}") from None


def _media_path(ref, clip_name: str, folders: list[Path]) -> Optional[Path]:
    """The file a clip's media reference names (a file URL or path, relative to
    the cut's folder), or, for a reference the edit does not resolve (an EDL's
    clip names), a file of the clip's name in ``folders``."""
    import opentimelineio as otio
    url = getattr(ref, "target_url", None)
    if isinstance(ref, otio.schema.ImageSequenceReference):
        url = (f"{ref.target_url_base.rstrip('/')}/{ref.name_prefix}"
               f"%0{ref.frame_zero_padding}d{ref.name_suffix}")
    if url:
        parsed = urllib.parse.urlsplit(url)
        path = Path(urllib.request.url2pathname(parsed.path)) if parsed.scheme == "file" \
            else Path(url)
        return path if path.is_absolute() else folders[0] / path
    for folder in folders:
        if clip_name and (folder / clip_name).exists():
            return folder / clip_name
    return None


def _exists(path: Path) -> bool:
    if "%0" in path.name:  # a sequence: its first frame is enough to tell
        return any(path.parent.glob(re.sub(r"%0\d+d", "*", path.name)))
    return path.is_file()


def _frames(t, fps: Fraction) -> int:
    """A time of the edit as a count of the media's frames, the way timecode
    counts: 23.976 and 24 frames/s both count 24 a timecode second, so an EDL
    read at 24 and a 23.976 take agree frame for frame (``rescaled_to`` would
    convert by real time and drift a frame every thousand)."""
    return round(t.value * round(float(fps)) / round(t.rate))


def _media_start(ref, fps: Fraction, source_timecode: Optional[str]) -> int:
    """Where the media starts, in the same count: its available range in the
    edit, else its own start timecode (read at its exact rate: drop-frame
    29.97 counts too), else 0."""
    import opentimelineio as otio
    available = getattr(ref, "available_range", None)
    if available is not None:
        return _frames(available.start_time, fps)
    if source_timecode:
        return round(otio.opentime.from_timecode(source_timecode, float(fps)).value)
    return 0


def _shot_name(clip_name: str, index: int, stem: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(clip_name or "").stem).strip("._-")
    base = (base or f"{stem}_{index:03d}")[: SHOT_NAME_MAX - 8]
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    check_shot_name(name)
    return name


def edit_shots(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
               rate: float = 24.0) -> tuple[list[EditShot], list[str]]:
    """The shots of ``cut`` (one per clip of its video tracks, in order) and one
    line per clip whose media is missing."""
    cut = Path(cut).resolve()
    folders = [cut.parent] + [Path(d) for d in media_dirs or []]
    timeline = _read_cut(cut, rate)
    shots, missing, taken = [], [], set()
    clips = [c for track in timeline.video_tracks() for c in track.find_clips()]
    for index, clip in enumerate(clips, 1):
        label = f"clip {index} ({clip.name or 'unnamed'})"
        path = _media_path(clip.media_reference, clip.name, folders)
        if path is None or not _exists(path):
            missing.append(f"{cut}: {label}: media not found"
                           + (f": {path}" if path else f" (looked in {', '.join(map(str, folders))})"))
            continue
        try:
            info = probe_source(str(path))
        except ShotstyleError as exc:
            missing.append(f"{cut}: {label}: {exc}")
            continue
        try:
            media_start = _media_start(clip.media_reference, info.fps_fraction, info.timecode)
        except ValueError as exc:  # a timecode OTIO cannot count at the media's rate
            missing.append(f"{cut}: {label}: cannot place its timecode {info.timecode} at "
                           f"{info.fps} frames/s: {exc}")
            continue
        cut_in = _frames(clip.source_range.start_time, info.fps_fraction) - media_start
        length = _frames(clip.source_range.duration, info.fps_fraction)
        if cut_in < 0 or cut_in + length > info.frame_count:
            missing.append(f"{cut}: {label}: its source range (frames {cut_in}-"
                           f"{cut_in + length - 1} of the media) is outside {path} "
                           f"({info.frame_count} frames)")
            continue
        before = min(handles, cut_in)
        after = min(handles, info.frame_count - cut_in - length)
        shots.append(EditShot(_shot_name(clip.name, index, cut.stem, taken), str(path),
                              cut_in - before, length + before + after, (before, after)))
    return shots, missing


def write_shot_configs(cut: Path, style: str, handles: int = DEFAULT_HANDLES,
                       overwrite: bool = False, media_dirs: Optional[list[Path]] = None,
                       rate: float = 24.0, cfg_dir: Optional[Path] = None) -> EditResult:
    """``configs/shots/<name>.yaml`` for every shot of ``cut``."""
    shots, missing = edit_shots(cut, handles, media_dirs, rate)
    result = EditResult(missing=missing)
    folder = Path(cfg_dir or config_dir()) / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    for shot in shots:
        target = folder / f"{shot.name}.yaml"
        if target.exists() and not overwrite:
            result.kept.append(target)
            continue
        head, tail = shot.handles
        comment = (f"# From {Path(cut).name}: frame {FIRST_FRAME} is the first handle frame; "
                   f"the cut is {FIRST_FRAME + head}-{FIRST_FRAME + shot.duration - tail - 1} "
                   f"({head} and {tail} handle frames)\n")
        body = yaml.safe_dump({"source": shot.source, "style": style, "first_frame": FIRST_FRAME,
                               "source_range": {"start": shot.start,
                                                "duration": shot.duration}},
                              sort_keys=False)
        write_bytes(target, (comment + body).encode("utf-8"))
        result.written.append(target)
    return result

