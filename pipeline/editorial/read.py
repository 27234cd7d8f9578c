"""Reading a cut: OpenTimelineIO chooses the adapter from the file's extension
(``.otio``, ``.otioz``, an ``.otiod`` folder, an EDL, FCP 7 XML, an AAF where
its plugin is installed); an EDL's text is read here (UTF-8, else Latin-1) at
``--rate``; the cut into its one Timeline (one line for anything else), and the
Timeline's video clips, nested compositions walked, each with what its place
adds: enabled or not, the effects around it, a nest that trims it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.editorial.lines import one_line, one_line_error
from pipeline.errors import ConfigError

#: Adapters that want more than the file: an EDL its rate (and its text, read
#: here), an .otiod folder its media as absolute paths.
EDL_ADAPTER, FOLDER_ADAPTER, BUNDLE_ADAPTER = "cmx_3600", "otiod", "otioz"
#: Adapter plugins a user may lack, by the extension they read.
_PLUGINS = {".aaf": "AAF needs the otio-aaf-adapter plugin (pip install otio-aaf-adapter)"}


def adapter_name(cut: Path) -> str:
    """The OpenTimelineIO adapter that reads ``cut`` (by its extension); one
    line naming the extensions the installed adapters read where none does."""
    import opentimelineio as otio
    try:
        return otio.adapters.from_filepath(str(cut)).name
    except otio.exceptions.NoKnownAdapterForExtensionError:
        known = ", ".join(f".{s}" for s in sorted(
            otio.adapters.suffixes_with_defined_adapters(read=True)))
        what = f"{cut.suffix} files" if cut.suffix else "a file without an extension"
        hint = _PLUGINS.get(cut.suffix.lower())
        raise one_line_error(f"{cut}: no OpenTimelineIO adapter installed here reads {what} "
                             f"(they read {known}){'; ' + hint if hint else ''}") from None


def is_edl(cut: Path) -> bool:
    """Whether the cut is read as a CMX 3600 EDL."""
    return adapter_name(cut) == EDL_ADAPTER


def is_bundle(cut: Path) -> bool:
    """Whether the cut is an .otioz, whose media references are inside it."""
    return adapter_name(cut) == BUNDLE_ADAPTER


# --------------------------------------------------------------------------- #
# The cut's one Timeline
# --------------------------------------------------------------------------- #
def read_cut(cut: Path, rate: float, notes: list[str]):
    """The cut's timeline (one line for anything else)."""
    import opentimelineio as otio
    adapter = adapter_name(cut)
    if cut.is_dir() and adapter != FOLDER_ADAPTER:
        raise one_line_error(f"{cut}: a folder, not an edit file")
    if not cut.exists():
        raise one_line_error(f"{cut}: edit not found")
    try:
        if adapter == EDL_ADAPTER:
            read = otio.adapters.read_from_string(_edl_text(cut, notes), adapter, rate=rate)
        elif adapter == FOLDER_ADAPTER:
            read = otio.adapters.read_from_file(str(cut), absolute_media_reference_paths=True)
        else:
            read = otio.adapters.read_from_file(str(cut))
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the adapters raise many kinds
        how = f" (as an EDL at {rate:g} frames/s; --rate sets it)" if adapter == EDL_ADAPTER \
            else ""
        raise one_line_error(f"{cut}: cannot read the edit{how}: {exc}") from None
    return _the_timeline(cut, read)


def _edl_text(cut: Path, notes: list[str]) -> str:
    """An EDL's text: UTF-8, else Latin-1 (what older editing systems write,
    with a note); a file with NUL bytes is not an EDL."""
    data = cut.read_bytes()
    if b"\0" in data:
        raise one_line_error(f"{cut}: not a text file (it holds NUL bytes); an EDL is text")
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
            raise one_line_error(f"{cut}: holds a SerializableCollection of {len(timelines)} "
                                 f"timelines ({names}), not one Timeline: export the one to "
                                 f"make shots of")
    raise one_line_error(f"{cut}: holds {_what(read)}, not a Timeline")


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
class PlacedClip:
    """A clip and what its place in the timeline adds to it."""
    clip: object
    enabled: bool              # the clip and everything around it
    effects: list              # its own and its enclosing compositions'
    nest: Optional[str] = None  # the nearest nested composition that trims what it shows


def video_clips(timeline) -> list[PlacedClip]:
    """Every clip of the timeline's video tracks, in order, nested compositions
    walked (their audio tracks left out)."""
    stack = timeline.tracks
    return _walk(stack, stack.enabled, list(stack.effects), None, depth=0)


def _walk(composition, enabled: bool, effects: list, nest: Optional[str],
          depth: int) -> list[PlacedClip]:
    import opentimelineio as otio
    found: list[PlacedClip] = []
    for item in composition:
        if isinstance(item, otio.schema.Clip):
            found.append(PlacedClip(item, enabled and item.enabled,
                                    effects + list(item.effects), nest))
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


def no_clips_error(cut: Path, timeline, clips: list[PlacedClip]) -> ConfigError:
    if clips:
        return one_line_error(f"{cut}: no video clips to make shots of: its {len(clips)} "
                              f"video clip(s) are disabled (enabled: false)")
    video, audio = len(timeline.video_tracks()), len(timeline.audio_tracks())
    return one_line_error(f"{cut}: no video clips (it holds {video} video and {audio} audio "
                          f"track(s); gaps and transitions are not clips)")
