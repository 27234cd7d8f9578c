"""Relative symbolic links, each made under a temporary name and renamed into place.

A reader that resolves a link sees the old target or the new one, never no
link (``os.replace`` of a link over a link, or over a file, is one rename). A
link's text is relative to its folder, so a folder of links and their targets
can be moved or served as a whole.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Callable

from pipeline.media.atomic import temporary_path, tmp_name


def can_link(folder: Path) -> bool:
    """Whether ``folder``'s filesystem takes symbolic links (one made and removed)."""
    probe = tmp_name(Path(folder) / "link-probe")
    try:
        os.symlink(".", probe)
    except (OSError, NotImplementedError):
        return False
    with contextlib.suppress(OSError):
        probe.unlink()
    return True


def relative_to_folder_of(target: Path, link: Path) -> str:
    """``target`` as a link at ``link`` spells it: relative to the link's folder."""
    return os.path.relpath(target, Path(link).parent)


def point(link: Path, target: Path) -> None:
    """Make ``link`` a relative symbolic link to ``target``, replacing the link or file
    there in one rename (not a real folder: move that aside first)."""
    link = Path(link)
    tmp = tmp_name(link)
    os.symlink(relative_to_folder_of(target, link), tmp)
    try:
        os.replace(tmp, link)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def renamed_view(source: Path, view: Path, rename: Callable[[str], str]) -> None:
    """``view``: a folder with a relative link to every file of ``source``, named
    ``rename(name)``; built under a temporary name and swapped in whole."""
    view.parent.mkdir(parents=True, exist_ok=True)
    with temporary_path(view) as tmp:
        tmp.mkdir()
        for entry in sorted(Path(source).iterdir()):
            link = tmp / rename(entry.name)
            # spelled from where the link ends up, not from the temporary folder
            os.symlink(relative_to_folder_of(entry, view / link.name), link)


def remove_link(link: Path) -> None:
    """Remove ``link`` when it is a symbolic link (never what it points at)."""
    if Path(link).is_symlink():
        with contextlib.suppress(FileNotFoundError):
            Path(link).unlink()


def remove_links_folder(folder: Path) -> None:
    """Remove a folder of links (``renamed_view``'s): the links, not their targets."""
    if Path(folder).is_dir() and not Path(folder).is_symlink():
        shutil.rmtree(folder, ignore_errors=True)
