"""``renders/<shot>/`` under today's names: links to the newest version.

After a version is published the report stage points every name of
``ShotPaths.newest_names`` at that version's file of the same kind, with a
relative symbolic link made under a temporary name and renamed over the old one
(``pipeline.media.links``): ``<shot>_styled.mov -> v002/<shot>_v002.mov``,
``report.html -> v002/report.html``. A frame sequence keeps today's frame names
too: ``frames -> .latest/v002/frames``, a folder of links
``<shot>.1001.png -> ../../../v002/frames/<shot>_v002.1001.png``, so a Read node
on ``renders/<shot>/frames/<shot>.####.png`` reads the newest version.
A name the newest version has no file for (an mp4 no longer asked for) loses
its link.

What such a name held before versions (a real file or folder) is moved, not
deleted, into ``renders/<shot>/v000_unversioned/`` the first time (a rename: a
player holding the file open keeps reading it). On a filesystem without
symbolic links the versions are written and one warning says the names are not.
"""
from __future__ import annotations

import os
from pathlib import Path

from pipeline.media import links
from pipeline.stages.common import log
from pipeline.workarea.paths import SEQUENCE_EXT, VersionPaths
from pipeline.workarea.plan import ShotPlan


def point_at(plan: ShotPlan, version: VersionPaths) -> None:
    """Point today's names in ``renders/<shot>/`` at ``version`` (published, the newest)."""
    render_dir = plan.paths.render_dir
    if not links.can_link(render_dir):
        log.warning("%s: %s takes no symbolic links: %s is published, but %s/'s "
                    "names (%s_styled.mov, frames/, ...) are not pointed at it",
                    plan.shot, render_dir, version.folder, render_dir, plan.shot)
        return
    view = plan.paths.latest_view_dir / version.name
    targets = dict(version.files())
    for kind in SEQUENCE_EXT:
        if targets[kind].is_dir():
            folder = view / targets[kind].name
            if not folder.is_dir():  # a published version's files never change
                links.renamed_view(targets[kind], folder,
                                   lambda name: _todays_frame_name(name, version))
            targets[kind] = folder
    for kind, name in plan.paths.newest_names().items():
        _move_aside_unversioned(plan, name)
        if targets[kind].exists():
            links.point(name, targets[kind])
        else:
            links.remove_link(name)
    for other in _entries(plan.paths.latest_view_dir):
        if other.name != version.name:
            links.remove_links_folder(other)


def _todays_frame_name(name: str, version: VersionPaths) -> str:
    """``<shot>_v002.1001.png`` -> ``<shot>.1001.png``."""
    prefix = f"{version.stem}."
    return f"{version.shot}.{name[len(prefix):]}" if name.startswith(prefix) else name


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError:
        return []


def _move_aside_unversioned(plan: ShotPlan, name: Path) -> None:
    """Move what ``name`` held before versions (a file or folder, not a link) into
    ``v000_unversioned/``, under a free name."""
    if name.is_symlink() or not name.exists():
        return
    aside = plan.paths.unversioned_dir
    aside.mkdir(exist_ok=True)
    dest, n = aside / name.name, 1
    while dest.exists() or dest.is_symlink():
        dest, n = aside / f"{name.name}.{n}", n + 1
    os.rename(name, dest)
    log.info("%s: %s is from before versions: moved to %s", plan.shot, name, dest)
