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
the file's own start timecode (ffprobe), else 0. A clip without a source range
is its media's available range (OpenTimelineIO's ``trimmed_range``).

What the edit says is checked before anything is written, and each clip that
cannot become a faithful shot gets one line (docs/BAD_INPUT.md, "Reading an
edit"): media is only taken from the cut's folder and the ``--media`` folders
(symlinks and ``..`` resolved); speed effects are refused (shots take source
frames 1:1); a dissolve's frames are kept in the handles; disabled clips,
generated clips (black, bars) and audio are not shots. Names from the edit
never reach a message or a shot file with a control character in them.
"""
from __future__ import annotations

import math
import os
import re
import unicodedata
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Optional

from collections.abc import Mapping, Sequence

import yaml

from pipeline.config import SHOT_NAME_MAX, check_shot_name, config_dir, load_style_config
from pipeline.errors import ConfigError, ShotstyleError, disk_full_error, is_disk_full
from pipeline.media.atomic import write_bytes
from pipeline.media.probe import SourceInfo, probe_source

DEFAULT_HANDLES = 8
MAX_HANDLES = 1000  # frames a side: about 40 s at 24 frames/s
FIRST_FRAME = 1001
_EDIT_FORMATS = {".edl": "cmx_3600", ".xml": "fcp_xml", ".otio": "otio_json"}
_FCP_SPEED_EFFECT = "timeremap"  # FCP 7's Time Remap filter (its effectid)


@dataclass
class EditShot:
    name: str
    source: str
    start: int      # first frame read, in the media's frames (0 = its first)
    duration: int   # the clip plus its handles
    handles: tuple[int, int]  # handle frames kept before and after the cut


@dataclass
class EditPlan:
    """What a cut gives: its shots, one warning line per clip that gets no shot
    or a shot that differs from the cut, one note per thing worth knowing."""
    shots: list[EditShot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class EditResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)      # existed; not overwritten
    warnings: list[str] = field(default_factory=list)   # the plan's: exit 1
    notes: list[str] = field(default_factory=list)


class _Refused(Exception):
    """A clip that cannot become a shot; its str() is the reason."""


# --------------------------------------------------------------------------- #
# Lines: names from the edit never break one
# --------------------------------------------------------------------------- #
def one_line(text: str) -> str:
    """``text`` with control characters and line or paragraph separators written
    as escapes (``\\n``, ``\\x1b``, ``\\u2028``): a file or clip name cannot start
    a new line in a message, nor a new key after a ``#`` comment in YAML."""
    return "".join(_escaped(char) for char in str(text))


def _escaped(char: str) -> str:
    if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
        return char.encode("unicode_escape", "backslashreplace").decode("ascii")
    return char


def _error(text: str) -> ConfigError:
    return ConfigError(one_line(text))


# --------------------------------------------------------------------------- #
# The command's own arguments
# --------------------------------------------------------------------------- #
def _handles_error(got: object) -> ConfigError:
    return _error(f"--handles: expected a whole number of frames from 0 to {MAX_HANDLES}, "
                  f"got {got!r}")


def parse_handles(text: str) -> int:
    """``--handles`` as given on the command line."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise _handles_error(text) from None
    return check_handles(value)


def check_handles(handles: int) -> int:
    if isinstance(handles, bool) or not isinstance(handles, int) \
            or not 0 <= handles <= MAX_HANDLES:
        raise _handles_error(handles)
    return handles


def check_style(style: str, cfg_dir: Optional[Path] = None) -> None:
    """The name is a style name (the rule of shot names, which the shot config
    applies to its ``style``) and the style loads: configs/styles/<style>.yaml
    exists and is whole. A style to be trained later needs that file, with its
    ``train`` section; its checkpoint need not exist yet."""
    try:
        check_shot_name(style)
    except ConfigError:
        raise _error(f"--style {style!r}: expected a style name (letters, digits, '_', '-' "
                     f"and '.'; no path separators or '..'): the name of a file "
                     f"configs/styles/<name>.yaml") from None
    load_style_config(style, cfg_dir)


def _check_media_dirs(media_dirs: list[Path]) -> None:
    for folder in media_dirs:
        if not folder.is_dir():
            raise _error(f"--media {folder}: no such folder")


# --------------------------------------------------------------------------- #
# Reading the cut
# --------------------------------------------------------------------------- #
def _read_cut(cut: Path, rate: float, notes: list[str]):
    """The cut's timeline (one line for anything else)."""
    import opentimelineio as otio
    adapter = _EDIT_FORMATS.get(cut.suffix.lower())
    if adapter is None:
        raise _error(f"{cut}: not an edit this reads (known: "
                     f"{', '.join(sorted(_EDIT_FORMATS))})")
    if cut.is_dir():
        raise _error(f"{cut}: a folder, not an edit file")
    if not cut.is_file():
        raise _error(f"{cut}: edit not found")
    try:
        if adapter == "cmx_3600":
            read = otio.adapters.read_from_string(_edl_text(cut, notes), adapter, rate=rate)
        else:
            read = otio.adapters.read_from_file(str(cut), adapter)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the adapters raise many kinds
        how = f" (as an EDL at {rate:g} frames/s; --rate sets it)" if adapter == "cmx_3600" \
            else ""
        raise _error(f"{cut}: cannot read the edit{how}: {exc}") from None
    return _the_timeline(cut, read)


def _edl_text(cut: Path, notes: list[str]) -> str:
    """An EDL's text: UTF-8, else Latin-1 (what older editing systems write,
    with a note); a file with NUL bytes is not an EDL."""
    data = cut.read_bytes()
    if b"\0" in data:
        raise _error(f"{cut}: not a text file (it holds NUL bytes); an EDL is text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(one_line(f"{cut}: not UTF-8: read as Latin-1 (ISO 8859-1)"))
        return data.decode("latin-1")


def _the_timeline(cut: Path, read):
    """``read`` when it is a Timeline, or the one Timeline of a collection."""
    import opentimelineio as otio
    if isinstance(read, otio.schema.Timeline):
        return read
    if isinstance(read, otio.schema.SerializableCollection):
        timelines = [item for item in read if isinstance(item, otio.schema.Timeline)]
        if len(timelines) == 1:
            return timelines[0]
        if timelines:
            names = ", ".join(repr(t.name) for t in timelines)
            raise _error(f"{cut}: holds a SerializableCollection of {len(timelines)} timelines "
                         f"({names}), not one Timeline: export the one to make shots of")
    raise _error(f"{cut}: holds {_what(read)}, not a Timeline")


def _what(read) -> str:
    """What an OTIO file holds, for a message: 'a Clip named "x"', 'an empty
    JSON object'..."""
    import opentimelineio as otio
    if isinstance(read, otio.core.SerializableObject):
        if read.is_unknown_schema:
            return (f"a {read.original_schema_name}.{read.original_schema_version} (a schema "
                    f"this OpenTimelineIO does not know)")
        kind = read.schema_name()
        name = getattr(read, "name", "")
        article = "an" if kind[0] in "AEIOU" else "a"
        return f"{article} {kind}" + (f" named {name!r}" if name else "")
    if read is None or isinstance(read, (str, int, float)):
        return "null" if read is None else f"a JSON {type(read).__name__} ({read!r})"
    if isinstance(read, Mapping):
        return "a JSON object without an OTIO_SCHEMA" if len(read) else "an empty JSON object"
    return "a JSON list" if isinstance(read, Sequence) else f"a {type(read).__name__}"


# --------------------------------------------------------------------------- #
# The clips of the cut
# --------------------------------------------------------------------------- #
@dataclass
class _Placed:
    """A clip and what its place in the timeline adds to it."""
    clip: object
    enabled: bool              # the clip and everything around it
    effects: list              # its own and its enclosing compositions'
    nest: Optional[str] = None  # the nearest nested composition that trims what it shows


def _video_clips(timeline) -> list[_Placed]:
    """Every clip of the timeline's video tracks, in order, nested compositions
    walked (their audio tracks left out)."""
    stack = timeline.tracks
    return _walk(stack, stack.enabled, list(stack.effects), None, depth=0)


def _walk(composition, enabled: bool, effects: list, nest: Optional[str],
          depth: int) -> list[_Placed]:
    import opentimelineio as otio
    found: list[_Placed] = []
    for item in composition:
        if isinstance(item, otio.schema.Clip):
            found.append(_Placed(item, enabled and item.enabled, effects + list(item.effects),
                                 nest))
        elif isinstance(item, otio.schema.Track) and item.kind != otio.schema.TrackKind.Video:
            continue
        elif isinstance(item, otio.core.Composition):
            trimmed = depth > 0 and _trims(item)  # the timeline's own tracks are no nest
            label = f"nested {item.schema_name()} {item.name or 'unnamed'!r}"
            found += _walk(item, enabled and item.enabled, effects + list(item.effects),
                           label if trimmed else nest, depth + 1)
    return found


def _trims(composition) -> bool:
    """Whether a nested composition shows less than it holds."""
    if composition.source_range is None:
        return False
    try:
        return composition.source_range != composition.available_range()
    except Exception:  # noqa: BLE001 - OTIO cannot tell: say so rather than guess
        return True


def _no_clips_error(cut: Path, timeline, clips: list[_Placed]) -> ConfigError:
    if clips:
        return _error(f"{cut}: no video clips to make shots of: its {len(clips)} video "
                      f"clip(s) are disabled (enabled: false)")
    video, audio = len(timeline.video_tracks()), len(timeline.audio_tracks())
    return _error(f"{cut}: no video clips (it holds {video} video and {audio} audio "
                  f"track(s); gaps and transitions are not clips)")


# --------------------------------------------------------------------------- #
# Media: only from the cut's folder and the --media folders
# --------------------------------------------------------------------------- #
@dataclass
class _Reader:
    """What every clip of one cut is read against."""
    cut: Path
    folders: list[Path]   # where a clip's name is looked for: the cut's, then --media
    roots: list[Path]     # the same, symlinks resolved: media must be inside one
    handles: int
    is_edl: bool
    probes: dict = field(default_factory=dict)

    def probe(self, path: Path) -> SourceInfo:
        key = str(path)
        if key not in self.probes:
            try:
                self.probes[key] = probe_source(key)
            except (ShotstyleError, OSError) as exc:
                self.probes[key] = _Refused(str(exc))
        if isinstance(self.probes[key], _Refused):
            raise self.probes[key]
        return self.probes[key]


def _inside(path: Path, roots: list[Path]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or real.is_relative_to(root) for root in roots)


def _outside(path: Path) -> _Refused:
    real = Path(os.path.realpath(path))
    return _Refused(f"its media {path} is outside the cut's folder and the --media folders; "
                    f"to use it, add its folder with --media {real.parent}")


def _reference_url(ref) -> Optional[str]:
    import opentimelineio as otio
    if isinstance(ref, otio.schema.ImageSequenceReference):
        return (f"{ref.target_url_base.rstrip('/')}/{ref.name_prefix}"
                f"%0{ref.frame_zero_padding}d{ref.name_suffix}")
    return getattr(ref, "target_url", None) or None


def _url_path(url: str) -> Path:
    """The file a media reference's URL names (a file URL or a path)."""
    try:
        parsed = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise _Refused(f"its media reference {url!r} is not a URL or path: {exc}") from None
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if len(parsed.scheme) > 1:  # one letter: a Windows drive
        raise _Refused(f"its media reference {url} is a {parsed.scheme} URL; only files are "
                       f"read")
    return Path(url)


def _media_path(ref, clip_name: str, reader: _Reader) -> Path:
    """The file a clip's media reference names (relative to the cut's folder),
    or, for a reference the edit does not resolve (an EDL's clip names), the
    first file of the clip's name in the folders; either only inside them."""
    url = _reference_url(ref)
    if url is not None:
        path = _url_path(url)
        path = Path(os.path.normpath(path if path.is_absolute() else reader.folders[0] / path))
        if not _inside(path, reader.roots):
            raise _outside(path)
        if not _exists(path):
            raise _Refused(f"media not found: {path}")
        return path
    outside = None
    for folder in reader.folders if clip_name else []:
        path = Path(os.path.normpath(folder / clip_name))
        if not _exists(path):
            continue
        if _inside(path, reader.roots):
            return path
        outside = outside or path
    if outside is not None:
        raise _outside(outside)
    raise _Refused(f"media not found (looked in {', '.join(map(str, reader.folders))})")


def _check_path_text(path: Path) -> None:
    """A path a shot file can hold: UTF-8 text (a name with other bytes, which
    Python keeps as lone surrogates, is not)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused(f"its media path {path} is not UTF-8 text (a shot file holds UTF-8); "
                       f"rename the folder or file") from None


def _exists(path: Path) -> bool:
    if "%0" in path.name:  # a sequence: its first frame is enough to tell
        return any(path.parent.glob(re.sub(r"%0\d+d", "*", path.name)))
    return path.is_file()


# --------------------------------------------------------------------------- #
# Time: the edit's into the media's frames
# --------------------------------------------------------------------------- #
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
        _check_time(available.start_time, "its media reference's available range")
        return _frames(available.start_time, fps)
    if source_timecode:
        return round(otio.opentime.from_timecode(source_timecode, float(fps)).value)
    return 0


def _check_time(t, what: str) -> None:
    if not (math.isfinite(t.value) and math.isfinite(t.rate) and round(t.rate) > 0):
        raise _Refused(f"{what} has no usable time ({t.value:g} at rate {t.rate:g})")


def _source_range(clip):
    """The clip's source range, else its media's available range."""
    import opentimelineio as otio
    try:
        taken = clip.trimmed_range()
    except otio.exceptions.CannotComputeAvailableRangeError:
        raise _Refused("no source range, and its media reference has no available range: "
                       "give the clip a source range in the edit") from None
    _check_time(taken.start_time, "its source range")
    _check_time(taken.duration, "its source range")
    return taken


def _check_rate(clip_range, info: SourceInfo, path: Path) -> None:
    """An EDL's source timecodes are the media's: read at another count (the
    default --rate 24 for a 25 frames/s take) they name other frames."""
    edit, media = round(clip_range.start_time.rate), round(float(info.fps_fraction))
    if edit != media:
        raise _Refused(f"the EDL is read at {clip_range.start_time.rate:g} frames/s but {path} "
                       f"runs at {float(info.fps_fraction):g}: its source timecodes count "
                       f"{media} frames a second there; read the EDL with --rate {info.fps}")


# --------------------------------------------------------------------------- #
# Effects and transitions
# --------------------------------------------------------------------------- #
def _speed_change(effect) -> Optional[str]:
    """What a speed effect does, for its line; None for any other effect."""
    import opentimelineio as otio
    if isinstance(effect, otio.schema.FreezeFrame):
        return "a FreezeFrame effect (a held frame)"
    if isinstance(effect, otio.schema.LinearTimeWarp):
        if effect.time_scalar == 1:
            return None
        if effect.time_scalar == 0:  # an EDL's M2 at speed 0
            return "a LinearTimeWarp effect (speed 0: a held frame)"
        return (f"a LinearTimeWarp effect (speed {effect.time_scalar:g}x, "
                f"{effect.time_scalar * 100:g}%)")
    if isinstance(effect, otio.schema.TimeEffect):
        return f"a {effect.schema_name()} time effect"
    fcp = effect.metadata.get("fcp_xml", {})
    if hasattr(fcp, "get") and str(fcp.get("effectid", "")).lower() == _FCP_SPEED_EFFECT:
        return f"a {effect.name or 'Time Remap'!r} effect (FCP's Time Remap: a speed change)"
    return None


def _effect_warnings(effects: list) -> list[str]:
    """Refuses a speed change; one line per other effect, which is not applied."""
    import opentimelineio as otio
    lines = []
    for effect in effects:
        speed = _speed_change(effect)
        if speed:
            raise _Refused(f"{speed}: speed changes are not rendered (a shot takes its source "
                           f"frames 1:1); make the retimed media and cut that, or remove it")
        if isinstance(effect, otio.schema.LinearTimeWarp):
            continue  # 100 %: no change
        name = effect.effect_name or effect.name or effect.schema_name()
        lines.append(f"its effect {name!r} is not applied: the shot holds the source frames "
                     f"as they are")
    return lines


def _transition_frames(clip, taken, fps: Fraction) -> tuple[int, int]:
    """Frames of the media a transition shows before the clip's cut in and
    after its cut out (a dissolve mixes them with the neighbouring clip)."""
    import opentimelineio as otio
    try:
        visible = clip.visible_range()
    except otio.exceptions.OTIOError as exc:
        raise _Refused(f"its transitions cannot be placed: {exc}") from None
    before = _frames(taken.start_time, fps) - _frames(visible.start_time, fps)
    after = _frames(visible.end_time_exclusive(), fps) - _frames(taken.end_time_exclusive(), fps)
    return max(before, 0), max(after, 0)


# --------------------------------------------------------------------------- #
# One clip, one shot
# --------------------------------------------------------------------------- #
def _generated(ref) -> Optional[str]:
    import opentimelineio as otio
    if isinstance(ref, otio.schema.GeneratorReference):
        return ref.generator_kind or "unnamed"
    return None


def _clip_shot(placed: _Placed, label: str, reader: _Reader, plan: EditPlan) -> EditShot:
    """The shot of one clip, its name not yet given (_Refused when it has
    none); what differs from the cut goes to the plan's warnings."""
    clip = placed.clip
    lines = _effect_warnings(placed.effects)
    path = _media_path(clip.media_reference, clip.name, reader)
    _check_path_text(path)
    info = reader.probe(path)
    taken, cut_in, length = _media_frames(clip, info, path, reader.is_edl)
    mix = _transition_frames(clip, taken, info.fps_fraction)
    kept = (min(max(reader.handles, mix[0]), cut_in),
            min(max(reader.handles, mix[1]), info.frame_count - cut_in - length))
    lines += _transition_lines(mix, kept)
    if placed.nest:
        lines.append(f"it is inside a {placed.nest}, which shows only part of what it "
                     f"holds: the shot is the clip's whole source range")
    plan.warnings += [one_line(f"{reader.cut}: {label}: {line}") for line in lines]
    if any(mix) and kept[0] >= mix[0] and kept[1] >= mix[1]:
        plan.notes.append(one_line(f"{reader.cut}: {label}: a transition shows {mix[0]} "
                                   f"frame(s) of it before its cut and {mix[1]} after: the "
                                   f"shot's handles hold them"))
    return EditShot("", str(path), cut_in - kept[0], length + sum(kept), kept)


def _media_frames(clip, info: SourceInfo, path: Path, is_edl: bool):
    """The clip's range in the edit, and its first frame and length in the
    media's frames (0 = the media's first)."""
    taken = _source_range(clip)
    if is_edl and getattr(clip.media_reference, "available_range", None) is None:
        _check_rate(taken, info, path)
    try:
        media_start = _media_start(clip.media_reference, info.fps_fraction, info.timecode)
    except ValueError as exc:  # a timecode OTIO cannot count at the media's rate
        raise _Refused(f"cannot place its timecode {info.timecode} at {info.fps} frames/s: "
                       f"{exc}") from None
    cut_in = _frames(taken.start_time, info.fps_fraction) - media_start
    length = _frames(taken.duration, info.fps_fraction)
    if length <= 0:
        raise _Refused(f"its source range is empty ({length} frames)")
    if cut_in < 0 or cut_in + length > info.frame_count:
        raise _Refused(f"its source range (frames {cut_in}-{cut_in + length - 1} of the "
                       f"media) is outside {path} ({info.frame_count} frames)")
    return taken, cut_in, length


def _transition_lines(mix: tuple[int, int], kept: tuple[int, int]) -> list[str]:
    """One line for each side where the media cannot give a transition its frames."""
    return [f"a transition shows {need} frame(s) of it {side} its cut, but its media holds "
            f"only {have}: the shot has {have}"
            for side, need, have in (("before", mix[0], kept[0]), ("after", mix[1], kept[1]))
            if have < need]


def _name_base(text: str) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)
    base = re.sub(r"\.{2,}", ".", base).strip("._-")
    return base[: SHOT_NAME_MAX - 8].strip("._-")


def _shot_name(clip_name: str, index: int, stem: str, taken: set[str]) -> str:
    """A shot name from the clip's name (else the cut's and the clip's number),
    unique also where the file system ignores case."""
    base = (_name_base(Path(clip_name or "").stem) or _name_base(f"{stem}_{index:03d}")
            or f"clip_{index:03d}")
    name, n = base, 2
    while name.casefold() in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name.casefold())
    return check_shot_name(name)


def plan_edit(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
              rate: float = 24.0) -> EditPlan:
    """The shots of ``cut`` (one per enabled clip of its video tracks, in
    order), a warning line per clip with no shot or an unfaithful one, and notes."""
    cut = Path(cut).resolve()
    # absolute, so a shot file names its media wherever it is read from (a
    # relative path in it is relative to configs/shots/); symlinks kept
    media_dirs = [Path(os.path.abspath(d)) for d in media_dirs or []]
    check_handles(handles)
    _check_media_dirs(media_dirs)
    plan = EditPlan()
    timeline = _read_cut(cut, rate, plan.notes)
    folders = [cut.parent] + media_dirs
    reader = _Reader(cut, folders, [Path(os.path.realpath(f)) for f in folders], handles,
                     _EDIT_FORMATS[cut.suffix.lower()] == "cmx_3600")
    clips = _video_clips(timeline)
    if not any(placed.enabled for placed in clips):
        raise _no_clips_error(cut, timeline, clips)
    taken: set[str] = set()
    for index, placed in enumerate(clips, 1):
        label = f"clip {index} ({placed.clip.name or 'unnamed'})"
        skipped = _skipped(placed)
        if skipped:
            plan.notes.append(one_line(f"{cut}: {label}: {skipped}: no shot"))
            continue
        try:
            shot = _clip_shot(placed, label, reader, plan)
        except _Refused as why:
            plan.warnings.append(one_line(f"{cut}: {label}: {why}"))
            continue
        shot.name = _shot_name(placed.clip.name, index, cut.stem, taken)
        plan.shots.append(shot)
    return plan


def _skipped(placed: _Placed) -> Optional[str]:
    """Why a clip is not a shot although nothing is wrong with it."""
    if not placed.enabled:
        return "disabled in the edit (enabled: false)"
    kind = _generated(placed.clip.media_reference)
    return f"made by the editing system (a {kind!r} generator), not media" if kind else None


def edit_shots(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
               rate: float = 24.0) -> tuple[list[EditShot], list[str]]:
    """The shots of ``cut`` and one line per clip that has no shot or an
    unfaithful one (``plan_edit`` without its notes)."""
    plan = plan_edit(cut, handles, media_dirs, rate)
    return plan.shots, plan.warnings


# --------------------------------------------------------------------------- #
# Shot files
# --------------------------------------------------------------------------- #
def shot_yaml(cut: Path, shot: EditShot, style: str) -> str:
    """A shot file's text: one comment line on the cut, then the keys."""
    head, tail = shot.handles
    comment = (f"# From {one_line(Path(cut).name)}: frame {FIRST_FRAME} is the first handle "
               f"frame; the cut is {FIRST_FRAME + head}-{FIRST_FRAME + shot.duration - tail - 1} "
               f"({head} and {tail} handle frames)\n")
    return comment + yaml.safe_dump({"source": shot.source, "style": style,
                                     "first_frame": FIRST_FRAME,
                                     "source_range": {"start": shot.start,
                                                      "duration": shot.duration}},
                                    sort_keys=False)


def write_shot_configs(cut: Path, style: str, handles: int = DEFAULT_HANDLES,
                       overwrite: bool = False, media_dirs: Optional[list[Path]] = None,
                       rate: float = 24.0, cfg_dir: Optional[Path] = None) -> EditResult:
    """``configs/shots/<name>.yaml`` for every shot of ``cut``; the style and
    the whole cut are checked before the first file is written."""
    check_style(style, cfg_dir)
    plan = plan_edit(cut, handles, media_dirs, rate)
    result = EditResult(warnings=plan.warnings, notes=plan.notes)
    folder = Path(cfg_dir or config_dir()) / "shots"
    for shot in plan.shots:
        target = folder / f"{shot.name}.yaml"
        if target.exists() and not overwrite:
            result.kept.append(target)
            continue
        _write(target, shot_yaml(cut, shot, style))
        result.written.append(target)
    return result


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, text.encode("utf-8"))
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(exc, target.parent) from None
        raise _error(f"{target}: cannot write the shot config: {exc.strerror or exc}") from None
