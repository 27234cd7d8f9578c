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

The modules, in the order the data flows: ``read`` (the cut into its one
Timeline and its video clips), ``media`` (where a clip's media is), ``timing``
(edit time into the media's frames), ``effects`` (speed changes, other effects,
transitions), ``shots`` (the plan: one shot per clip, ``--handles``),
``names`` (shot names), ``write`` (``--style``, the shot files); ``lines``
(every line one line: escaped names, the two refusals) serves them all.
OpenTimelineIO is imported only when a cut is read.
"""
from __future__ import annotations

from pipeline.editorial.lines import one_line
from pipeline.editorial.shots import (DEFAULT_HANDLES, MAX_HANDLES, EditPlan, EditShot,
                                      check_handles, edit_shots, parse_handles, plan_edit)
from pipeline.editorial.write import (FIRST_FRAME, EditResult, check_style, shot_yaml,
                                      write_shot_configs)

__all__ = ["DEFAULT_HANDLES", "FIRST_FRAME", "MAX_HANDLES", "EditPlan", "EditResult", "EditShot",
           "check_handles", "check_style", "edit_shots", "one_line", "parse_handles",
           "plan_edit", "shot_yaml", "write_shot_configs"]
