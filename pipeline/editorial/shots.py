"""A cut's shots: one per enabled clip of its video tracks, in order, the clip's
media frames widened by the handles (and by what a transition shows), a
warning line per clip with no shot or an unfaithful one, and notes."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.editorial.effects import effect_warnings, transition_frames, transition_lines
from pipeline.editorial.lines import ClipRefused, one_line, one_line_error
from pipeline.editorial.media import check_media_dirs, check_path_text, media_path
from pipeline.editorial.names import shot_name
from pipeline.editorial.read import PlacedClip, is_edl, no_clips_error, read_cut, video_clips
from pipeline.editorial.timing import clip_frames
from pipeline.errors import ConfigError, ShotstyleError
from pipeline.media.probe import SourceInfo, probe_source

DEFAULT_HANDLES = 8
MAX_HANDLES = 1000  # frames a side: about 40 s at 24 frames/s


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
              rate: float = 24.0) -> EditPlan:
    """The shots of ``cut`` (one per enabled clip of its video tracks, in
    order), a warning line per clip with no shot or an unfaithful one, and notes."""
    cut = Path(cut).resolve()
    # absolute, so a shot file names its media wherever it is read from (a
    # relative path in it is relative to configs/shots/); symlinks kept
    media_dirs = [Path(os.path.abspath(d)) for d in media_dirs or []]
    check_handles(handles)
    check_media_dirs(media_dirs)
    plan = EditPlan()
    timeline = read_cut(cut, rate, plan.notes)
    folders = [cut.parent] + media_dirs
    reader = _Reader(cut, folders, [Path(os.path.realpath(f)) for f in folders], handles,
                     is_edl(cut))
    clips = video_clips(timeline)
    if not any(placed.enabled for placed in clips):
        raise no_clips_error(cut, timeline, clips)
    taken: set[str] = set()
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
        shot.name = shot_name(placed.clip.name, index, cut.stem, taken)
        plan.shots.append(shot)
    return plan


def edit_shots(cut: Path, handles: int = DEFAULT_HANDLES, media_dirs: Optional[list[Path]] = None,
               rate: float = 24.0) -> tuple[list[EditShot], list[str]]:
    """The shots of ``cut`` and one line per clip that has no shot or an
    unfaithful one (``plan_edit`` without its notes)."""
    plan = plan_edit(cut, handles, media_dirs, rate)
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
    path = media_path(clip.media_reference, clip.name, reader.folders, reader.roots)
    check_path_text(path)
    info = reader.probe(path)
    taken, cut_in, length = clip_frames(clip, info, path, reader.is_edl)
    mix = transition_frames(clip, taken, info.fps_fraction)
    kept = (min(max(reader.handles, mix[0]), cut_in),
            min(max(reader.handles, mix[1]), info.frame_count - cut_in - length))
    lines += transition_lines(mix, kept)
    if placed.nest:
        lines.append(f"it is inside a {placed.nest}, which shows only part of what it "
                     f"holds: the shot is the clip's whole source range")
    plan.warnings += [one_line(f"{reader.cut}: {label}: {line}") for line in lines]
    if any(mix) and kept[0] >= mix[0] and kept[1] >= mix[1]:
        plan.notes.append(one_line(f"{reader.cut}: {label}: a transition shows {mix[0]} "
                                   f"frame(s) of it before its cut and {mix[1]} after: the "
                                   f"shot's handles hold them"))
    return EditShot("", str(path), cut_in - kept[0], length + sum(kept), kept)
