"""Shots from the edit: one shot config per clip of a cut.

``python -m pipeline shots-from-edit CUT --style NAME [--handles N] [--name PATTERN]
[--first-frame N] [--first-frame-at handle|cut]`` reads the cut with
OpenTimelineIO, which chooses its adapter from the file's extension (a CMX 3600
EDL, an FCP 7 XML, ``.otio``, ``.otioz``, an ``.otiod`` folder, an AAF where its
plugin is installed), and writes ``configs/shots/<name>.yaml`` per clip of its
video tracks: the source media, the clip's source range widened by the frames
its transitions show past its cut and by ``handles`` frames on each side beyond
them (``source_range``, in the media's frames), the style, ``first_frame``
(1001: the first handle frame, or with ``--first-frame-at cut`` the cut in) and
an ``edit`` section (the cut, the clip, its cut in and out in the shot's frame
numbers, its handles, its transitions' lengths). A clip's marker (an OTIO
marker, an EDL's ``* LOC:``) names its shot; the other clips are named by
``--name`` (``{clip}``, the clip's name, by default).

A clip's source range is in the edit's time (an EDL's source timecodes); it
becomes the media's frames by subtracting where the media starts: the media
reference's available range when the cut has one (``.otio``, FCP XML), else
the file's own start timecode (ffprobe), else 0. A clip without a source range
is its media's available range (OpenTimelineIO's ``trimmed_range``).

What the edit says is checked before anything is written, and each clip that
cannot become a faithful shot gets one line (docs/BAD_INPUT.md, "Reading an
edit"): media is only taken from the cut's folder and the ``--media`` folders
(symlinks and ``..`` resolved); speed effects are refused (shots take source
frames 1:1); a dissolve's frames are part of the shot, the handles beyond them;
disabled clips, generated clips (black, bars) and audio are not shots. Names
from the edit never reach a message or a shot file with a control character in
them.

The modules, in the order the data flows: ``read`` (the cut into its one
Timeline and its video clips), ``media`` (where a clip's media is), ``timing``
(edit time into the media's frames), ``effects`` (speed changes, other
effects), ``transitions`` (a transition's frames past the cut, the handles
beyond them), ``frames`` (``--first-frame``: the shot's frame numbers),
``markers`` (the marker that names a clip's shot), ``names`` (shot names:
markers, ``--name``), ``shots`` (the plan: one shot per clip, ``--handles``),
``write`` (``--style``, the shot files); ``lines`` (every line one line:
escaped names, the two refusals) serves them all. OpenTimelineIO is imported
only when a cut is read.
"""
from __future__ import annotations

from pipeline.editorial.frames import (FIRST_FRAME, FRAME_ANCHORS, check_first_frame,
                                       parse_first_frame)
from pipeline.editorial.lines import one_line
from pipeline.editorial.names import (DEFAULT_NAME_PATTERN, NAME_FIELDS, NamePattern,
                                      parse_name_pattern)
from pipeline.editorial.shots import (DEFAULT_HANDLES, MAX_HANDLES, EditPlan, EditShot,
                                      check_handles, edit_shots, parse_handles, plan_edit)
from pipeline.editorial.write import EditResult, check_style, shot_yaml, write_shot_configs

__all__ = ["DEFAULT_HANDLES", "DEFAULT_NAME_PATTERN", "FIRST_FRAME", "FRAME_ANCHORS",
           "MAX_HANDLES", "NAME_FIELDS", "EditPlan", "EditResult", "EditShot", "NamePattern",
           "check_first_frame", "check_handles", "check_style", "edit_shots", "one_line",
           "parse_first_frame", "parse_handles", "parse_name_pattern", "plan_edit",
           "shot_yaml", "write_shot_configs"]
