"""A cut's shots: one per enabled clip of its video tracks, in order: the
clip's media frames, the frames its transitions show past its cut, and its
handles beyond them; its first frame's number; its name (its marker's, else
``--name``'s); a warning line per clip with no shot or an unfaithful one, and
notes."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from pipeline.editorial.effects import effect_warnings
from pipeline.editorial.frames import FIRST_FRAME, check_first_frame, shot_first_frame
from pipeline.editorial.lines import ClipRefused, one_line, one_line_error
from pipeline.editorial.markers import marker_name
from pipeline.editorial.media import check_media_dirs, check_path_text, media_path
from pipeline.editorial.names import (DEFAULT_NAME_PATTERN, NamePattern, ShotNamer,
                                      parse_name_pattern)
from pipeline.editorial.read import (PlacedClip, is_bundle, is_edl, no_clips_error, read_cut,
                                     video_clips)
from pipeline.editorial.timing import clip_frames
from pipeline.editorial.transitions import clip_transitions, shot_extent, transition_note
from pipeline.errors import ConfigError, ShotstyleError
from pipeline.media.probe import SourceInfo, probe_source

DEFAULT_HANDLES = 8
MAX_HANDLES = 1000  # frames a side: about 40 s at 24 frames/s


@dataclass
class EditShot:
    name: str
    source: str
    start: int      # first frame read, in the media's frames (0 = its first)
    duration: int   # the clip, the frames its transitions show past its cut, its handles
    handles: tuple[int, int]  # handle frames kept before and after the cut (and those frames)
    first_frame: int = FIRST_FRAME  # the number of its first frame
    clip: str = ""                  # the clip's name in the edit
    past_cut: tuple[int, int] = (0, 0)     # frames transitions show of it past its cut
    transitions: tuple[int, int] = (0, 0)  # the transitions' lengths at its cut in and out

    @property
    def cut_in(self) -> int:
        """The cut's first frame, in the shot's frame numbers."""
        return self.first_frame + self.handles[0] + self.past_cut[0]

    @property
    def cut_out(self) -> int:
        """The cut's last frame (inclusive), in the shot's frame numbers."""
        return self.first_frame + self.duration - 1 - self.handles[1] - self.past_cut[1]


@dataclass
class EditPlan:
    """What a cut gives: its shots, one warning line per clip that gets no shot
    or a shot that differs from the cut, one note per thing worth knowing."""
    shots: list[EditShot] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- #
# --handles
# --------------------------------------------------------------------------- #
def _handles_error(got: object) -> ConfigError:
    return one_line_error(f"--handles: expected a whole number of frames from 0 to "
                          f"{MAX_HANDLES}, got {got!r}")


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


# --------------------------------------------------------------------------- #
# The plan: one clip, one shot
# --------------------------------------------------------------------------- #
@dataclass
class _Reader:
    """What every clip of one cut is read against."""
    cut: Path
    folders: list[Path]   # where a clip's name is looked for: the cut's, then --media
    roots: list[Path]     # the same, symlinks resolved: media must be inside one
    handles: int
    is_edl: bool
    bundle: bool          # an .otioz: its relative media references are inside it
    first_frame: int
    first_frame_at: str
    probes: dict = field(default_factory=dict)

    def probe(self, path: Path) -> SourceInfo:
        key = str(path)
        if key not in self.probes:
            try:
                self.probes[key] = probe_source(key)
            except (ShotstyleError, OSError) as exc:
                self.probes[key] = ClipRefused(str(exc))
        if isinstance(self.probes[key], ClipRefused):
            raise self.probes[key]
        return self.probes[key]


def plan_edit(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
              rate: float = 24.0, *, first_frame: int = FIRST_FRAME,
              first_frame_at: str = "handle",
              name: Union[str, NamePattern] = DEFAULT_NAME_PATTERN) -> EditPlan:
    """The shots of ``cut`` (one per enabled clip of its video tracks, in
    order), a warning line per clip with no shot or an unfaithful one, and
    notes. ``first_frame`` numbers each shot's first handle frame, or its cut
    in (``first_frame_at='cut'``); ``name`` names the clips without a marker."""
    cut = Path(cut).resolve()
    # absolute, so a shot file names its media wherever it is read from (a
    # relative path in it is relative to configs/shots/); symlinks kept
    media_dirs = [Path(os.path.abspath(d)) for d in media_dirs or []]
    pattern = name if isinstance(name, NamePattern) else parse_name_pattern(name)
    check_handles(handles)
    check_first_frame(first_frame, first_frame_at, handles)
    check_media_dirs(media_dirs)
    plan = EditPlan()
    timeline = read_cut(cut, rate, plan.notes)
    folders = [cut.parent] + media_dirs
    reader = _Reader(cut, folders, [Path(os.path.realpath(f)) for f in folders], handles,
                     is_edl(cut), is_bundle(cut), first_frame, first_frame_at)
    clips = video_clips(timeline)
    if not any(placed.enabled for placed in clips):
        raise no_clips_error(cut, timeline, clips)
    # index, label, shot (unnamed), the text of its marker
    to_name: list[tuple[int, str, EditShot, Optional[str]]] = []
    for index, placed in enumerate(clips, 1):
        label = f"clip {index} ({placed.clip.name or 'unnamed'})"
        skipped = _skipped(placed)
        if skipped:
            plan.notes.append(one_line(f"{cut}: {label}: {skipped}: no shot"))
            continue
        try:
            shot = _clip_shot(placed, label, reader, plan)
        except ClipRefused as why:
            plan.warnings.append(one_line(f"{cut}: {label}: {why}"))
            continue
        marker, lines = marker_name(placed.clip)
        plan.warnings += [one_line(f"{cut}: {label}: {line}") for line in lines]
        to_name.append((index, label, shot, marker))
    _name_shots(cut, to_name, ShotNamer(pattern, cut.stem), plan)
    plan.shots = [shot for _, _, shot, _ in to_name]
    return plan


def _name_shots(cut: Path, to_name: list, namer: ShotNamer, plan: EditPlan) -> None:
    """Names every shot: those of clips with a marker first, so the editor's
    names keep theirs, then the others by the pattern."""
    for index, label, shot, marker in to_name:
        if marker is not None:
            shot.name, lines = namer.from_marker(marker, f"clip {index}")
            plan.warnings += [one_line(f"{cut}: {label}: {line}") for line in lines]
    for index, _, shot, _ in to_name:
        if not shot.name:
            shot.name = namer.from_pattern(shot.clip, index, f"clip {index}")


def edit_shots(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
               rate: float = 24.0, **options) -> tuple[list[EditShot], list[str]]:
    """The shots of ``cut`` and one line per clip that has no shot or an
    unfaithful one (``plan_edit``, with its keyword options, without its notes)."""
    plan = plan_edit(cut, handles, media_dirs, rate, **options)
    return plan.shots, plan.warnings


def _skipped(placed: PlacedClip) -> Optional[str]:
    """Why a clip is not a shot although nothing is wrong with it."""
    if not placed.enabled:
        return "disabled in the edit (enabled: false)"
    kind = _generated(placed.clip.media_reference)
    return f"made by the editing system (a {kind!r} generator), not media" if kind else None


def _generated(ref) -> Optional[str]:
    import opentimelineio as otio
    if isinstance(ref, otio.schema.GeneratorReference):
        return ref.generator_kind or "unnamed"
    return None


def _clip_shot(placed: PlacedClip, label: str, reader: _Reader, plan: EditPlan) -> EditShot:
    """The shot of one clip, its name not yet given (ClipRefused when it has
    none); what differs from the cut goes to the plan's warnings."""
    clip = placed.clip
    lines = effect_warnings(placed.effects)
    path = media_path(clip.media_reference, clip.name, reader.folders, reader.roots,
                      reader.bundle)
    check_path_text(path)
    info = reader.probe(path)
    taken, cut_in, length = clip_frames(clip, info, path, reader.is_edl)
    transitions = clip_transitions(clip, taken, info.fps_fraction)
    extent = shot_extent(cut_in, length, info.frame_count, reader.handles, transitions)
    before = extent.handles[0] + extent.past[0]
    first = shot_first_frame(reader.first_frame, reader.first_frame_at, before)
    lines += extent.lines
    if placed.nest:
        lines.append(f"it is inside a {placed.nest}, which shows only part of what it "
                     f"holds: the shot is the clip's whole source range")
    plan.warnings += [one_line(f"{reader.cut}: {label}: {line}") for line in lines]
    note = transition_note(transitions, extent)
    if note:
        plan.notes.append(one_line(f"{reader.cut}: {label}: {note}"))
    return EditShot("", str(path), cut_in - before,
                    length + before + extent.past[1] + extent.handles[1], extent.handles,
                    first, clip.name, extent.past, transitions.lengths)
