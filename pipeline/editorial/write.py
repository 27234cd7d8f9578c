"""Shot files: ``--style`` checked, then ``configs/shots/<name>.yaml`` for
every shot of the plan (one comment line on the cut, then the keys, the
``edit`` section last), a file that exists kept unless overwritten."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Collection, Optional, Union

import yaml

from pipeline.config import check_shot_name, config_dir, load_style_config
from pipeline.editorial.frames import FIRST_FRAME
from pipeline.editorial.lines import one_line, one_line_error
from pipeline.editorial.names import DEFAULT_NAME_PATTERN, NamePattern, parse_name_pattern
from pipeline.editorial.shots import DEFAULT_HANDLES, EditShot, plan_edit
from pipeline.errors import ConfigError, disk_full_error, is_disk_full
from pipeline.media.atomic import write_bytes


@dataclass
class EditResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)      # existed; not overwritten
    warnings: list[str] = field(default_factory=list)   # the plan's: exit 1
    notes: list[str] = field(default_factory=list)


def check_style(style: str, cfg_dir: Optional[Path] = None,
                coming_shots: Optional[Collection[str]] = ()) -> None:
    """The name is a style name (the rule of shot names, which the shot config
    applies to its ``style``) and the style loads: configs/styles/<style>.yaml
    exists and is whole. A style to be trained later needs that file, with its
    ``train`` section; its checkpoint need not exist yet, and the shot it trains
    from may be one of ``coming_shots``, the shots the edit is about to write
    (None: not known yet)."""
    try:
        check_shot_name(style)
    except ConfigError:
        raise one_line_error(f"--style {style!r}: expected a style name (letters, digits, "
                             f"'_', '-' and '.'; no path separators or '..'): the name of a "
                             f"file configs/styles/<name>.yaml") from None
    load_style_config(style, cfg_dir, coming_shots)


class _FlowList(list):
    """A list a shot file writes on one line (``handles: [8, 8]``)."""


class _ShotDumper(yaml.SafeDumper):
    pass


_ShotDumper.add_representer(_FlowList, lambda dumper, data: dumper.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=True))


def shot_yaml(cut: Path, shot: EditShot, style: str,
              first_frame_at: str = "handle") -> str:
    """A shot file's text: one comment line on the cut, then the keys."""
    head, tail = shot.handles
    what = "the first handle frame" if first_frame_at == "handle" else \
        "the cut in (--first-frame-at cut)"
    number = shot.first_frame if first_frame_at == "handle" else shot.cut_in
    held = [f"{head} and {tail} handle frames"]
    if any(shot.past_cut):
        held.append(f"{shot.past_cut[0]} and {shot.past_cut[1]} frames of transitions past "
                    f"the cut")
    comment = (f"# From {one_line(Path(cut).name)}: frame {number} is {what}; the cut is "
               f"{shot.cut_in}-{shot.cut_out} ({', '.join(held)})\n")
    keys = {"source": shot.source, "style": style, "first_frame": shot.first_frame,
            "source_range": {"start": shot.start, "duration": shot.duration},
            "edit": {"cut": one_line(Path(cut).name), "clip": one_line(shot.clip),
                     "cut_in": shot.cut_in, "cut_out": shot.cut_out,
                     "handles": _FlowList(shot.handles),
                     "transition_in": shot.transitions[0],
                     "transition_out": shot.transitions[1]}}
    return comment + yaml.dump(keys, Dumper=_ShotDumper, sort_keys=False)


def write_shot_configs(cut: Path, style: str, handles: int = DEFAULT_HANDLES,
                       overwrite: bool = False, media_dirs: Optional[list[Path]] = None,
                       rate: float = 24.0, cfg_dir: Optional[Path] = None, *,
                       first_frame: int = FIRST_FRAME, first_frame_at: str = "handle",
                       name: Union[str, NamePattern] = DEFAULT_NAME_PATTERN) -> EditResult:
    """``configs/shots/<name>.yaml`` for every shot of ``cut``; ``--name``,
    the style and the whole cut are checked before the first file is written."""
    pattern = name if isinstance(name, NamePattern) else parse_name_pattern(name)
    check_style(style, cfg_dir, coming_shots=None)  # before the cut is read
    plan = plan_edit(cut, handles, media_dirs, rate, first_frame=first_frame,
                     first_frame_at=first_frame_at, name=pattern)
    check_style(style, cfg_dir, coming_shots={shot.name for shot in plan.shots})
    result = EditResult(warnings=plan.warnings, notes=plan.notes)
    folder = Path(cfg_dir or config_dir()) / "shots"
    for shot in plan.shots:
        target = folder / f"{shot.name}.yaml"
        if target.exists() and not overwrite:
            result.kept.append(target)
            continue
        _write(target, shot_yaml(cut, shot, style, first_frame_at))
        result.written.append(target)
    return result


def _write(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, text.encode("utf-8"))
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full_error(exc, target.parent) from None
        raise one_line_error(f"{target}: cannot write the shot config: "
                             f"{exc.strerror or exc}") from None
