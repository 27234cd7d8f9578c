"""The work and render roots: which setting named each, and the check that they
can be written, made when a render starts (``shotstyle render`` / ``batch``,
every Luigi task before it runs its stage, ``rerun``, ``keyframe``), so that a
root that is a file, read-only, refused to this user, on a missing volume or
with a name too long is one line before any stage runs, not a traceback after
a render; likewise a shot's work area or render folder that is a file.

A root is ``$SHOTSTYLE_WORK_ROOT`` / ``$SHOTSTYLE_RENDER_ROOT`` when the variable
is set and not empty (a relative one is taken from the current folder of the
command, once, when the configs are loaded), else ``work_root`` /
``render_root`` of ``configs/pipeline.yaml`` (relative to that file's folder),
else ``work`` / ``renders`` beside the configs (``load_pipeline_config``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.config import RENDER_ROOT, ROOTS, WORK_ROOT, PipelineConfig, RootSetting, config_dir
from pipeline.errors import (PathError, disk_full_error, explain_os_error, file_in_the_way,
                             is_disk_full)
from pipeline.media.atomic import tmp_name
from pipeline.workarea.paths import ShotPaths




@dataclass(frozen=True)
class Root:
    """One of the two roots: where it is and which setting put it there."""
    setting: RootSetting
    path: Path
    #: what set it: "$SHOTSTYLE_RENDER_ROOT", "render_root in …/pipeline.yaml", …
    origin: str
    #: how to set it elsewhere
    change: str

    def error(self, reason: str) -> PathError:
        return PathError(f"{self.setting.label} {self.path} (set by {self.origin}) {reason}",
                         str(self.path), self.setting.label)


def root_of(setting: RootSetting, pipeline: PipelineConfig,
            cfg_dir: Optional[Path] = None) -> Root:
    """The root ``setting`` names (WORK_ROOT or RENDER_ROOT) in ``pipeline``, and
    what set it."""
    path = Path(getattr(pipeline, setting.key))
    variable = f"${setting.variable}"
    if os.environ.get(setting.variable):  # as load_pipeline_config reads it: empty is unset
        return Root(setting, path, variable, variable)
    yaml_file = (Path(cfg_dir) if cfg_dir else config_dir()) / "pipeline.yaml"
    if yaml_file.is_file():
        return Root(setting, path, f"{setting.key} in {yaml_file}",
                    f"{setting.key} in {yaml_file} (or {variable})")
    return Root(setting, path, f"the default: there is no {yaml_file}", variable)


def check_writable(r: Root) -> None:
    """Make root ``r`` if it is missing, then create and remove a file in it;
    PathError naming the root, what set it and what the OS said."""
    if os.path.lexists(r.path) and not r.path.is_dir():
        kind = "a link to nowhere" if r.path.is_symlink() else "a file"
        raise r.error(f"is {kind}, not a folder: move it aside, or set {r.change} to a "
                      f"folder")
    probe = tmp_name(r.path / "write-check")
    try:
        r.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if is_disk_full(exc):  # the disk-full line of the root, not of the probe file
            raise disk_full_error(OSError(exc.errno, exc.strerror), r.path) from None
        refusal = explain_os_error(exc)
        raise r.error(f"cannot be written: {refusal.reason}: {refusal.remedy}, or set "
                      f"{r.change} to another folder") from None


def check_roots(pipeline: PipelineConfig, which: tuple[RootSetting, ...] = ROOTS,
                cfg_dir: Optional[Path] = None) -> None:
    """Check that the roots ``which`` (both by default) are folders this user can
    write, making them where missing: the preflight of everything that writes."""
    for each in which:
        check_writable(root_of(each, pipeline, cfg_dir))


def shot_folder_problem(paths: ShotPaths) -> Optional[str]:
    """Why the shot's work area or render folder cannot be a folder (it, or a folder
    above it, is a file); None when both can."""
    for what, folder in (("work area", paths.root), ("render folder", paths.render_dir)):
        blocker = file_in_the_way(folder)
        if blocker is not None:
            where = f"{folder}" if blocker == folder else f"{folder}: {blocker}"
            return (f"{what}: {where} is a file, not a folder: move it aside; no stage of "
                    f"this shot can run until then")
    return None


def check_shot_folders(paths: ShotPaths) -> None:
    """PathError where ``shot_folder_problem`` finds one: before any of the shot's
    stages runs, not when the encode first writes its render folder."""
    problem = shot_folder_problem(paths)
    if problem is not None:
        raise PathError(f"{paths.shot}: {problem}", paths.shot, "shot folders")
