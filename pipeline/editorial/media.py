"""Where a clip's media is: the file its media reference names (a file URL or a
path, relative to the cut's folder), else the first file of the clip's name in
the cut's folder and the ``--media`` folders; an .otioz's media (inside the
bundle) where the bundle is unzipped in the cut's folder, else by its file name
in those folders; only inside those folders (symlinks and ``..`` resolved), and
only a path a shot file can hold."""
from __future__ import annotations

import os
import re
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Optional

from pipeline.editorial.lines import ClipRefused, one_line_error


def check_media_dirs(media_dirs: list[Path]) -> None:
    for folder in media_dirs:
        if not folder.is_dir():
            raise one_line_error(f"--media {folder}: no such folder")


def media_path(ref, clip_name: str, folders: list[Path], roots: list[Path],
               bundle: bool = False) -> Path:
    """The file a clip's media reference names (relative to the cut's folder,
    ``folders[0]``), or, for a reference the edit does not resolve (an EDL's
    clip names), the first file of the clip's name in ``folders``; either only
    inside ``roots`` (the folders, symlinks resolved). ``bundle``: the cut is an
    .otioz, whose relative references name files inside it."""
    url = _reference_url(ref)
    if url is None:
        found = _by_name(clip_name, folders, roots)
        if found is None:
            raise ClipRefused(f"media not found (looked in {', '.join(map(str, folders))})")
        return found
    path = _url_path(url)
    if bundle and not path.is_absolute():
        return _bundled(path, folders, roots)
    path = Path(os.path.normpath(path if path.is_absolute() else folders[0] / path))
    if not _inside(path, roots):
        raise _outside(path)
    if not _exists(path):
        raise ClipRefused(f"media not found: {path}")
    return path


def _bundled(inside: Path, folders: list[Path], roots: list[Path]) -> Path:
    """An .otioz's media file: the bundle unzipped in the cut's folder, else a
    file of its name in the cut's folder and the --media folders."""
    unzipped = Path(os.path.normpath(folders[0] / inside))
    if _exists(unzipped) and _inside(unzipped, roots):
        return unzipped
    found = _by_name(inside.name, folders, roots)
    if found is None:
        raise ClipRefused(f"media not found: {inside} is inside the .otioz bundle; neither "
                          f"{unzipped} (the bundle unzipped in the cut's folder) nor a file "
                          f"{inside.name} in {', '.join(map(str, folders))} is there: unzip "
                          f"the bundle there, or give --media the takes' folder")
    return found


def _by_name(name: str, folders: list[Path], roots: list[Path]) -> Optional[Path]:
    """The first file ``name`` in ``folders``, only inside ``roots``; None
    where there is none."""
    outside = None
    for folder in folders if name else []:
        path = Path(os.path.normpath(folder / name))
        if not _exists(path):
            continue
        if _inside(path, roots):
            return path
        outside = outside or path
    if outside is not None:
        raise _outside(outside)
    return None


def check_path_text(path: Path) -> None:
    """A path a shot file can hold: UTF-8 text (a name with other bytes, which
    Python keeps as lone surrogates, is not)."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        raise ClipRefused(f"its media path {path} is not UTF-8 text (a shot file holds UTF-8); "
                          f"rename the folder or file") from None


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
        raise ClipRefused(f"its media reference {url!r} is not a URL or path: {exc}") from None
    if parsed.scheme == "file":
        return Path(urllib.request.url2pathname(parsed.path))
    if len(parsed.scheme) > 1:  # one letter: a Windows drive
        raise ClipRefused(f"its media reference {url} is a {parsed.scheme} URL; only files "
                          f"are read")
    return Path(url)


def _inside(path: Path, roots: list[Path]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or real.is_relative_to(root) for root in roots)


def _outside(path: Path) -> ClipRefused:
    real = Path(os.path.realpath(path))
    return ClipRefused(f"its media {path} is outside the cut's folder and the --media "
                       f"folders; to use it, add its folder with --media {real.parent}")


def _exists(path: Path) -> bool:
    if "%0" in path.name:  # a sequence: its first frame is enough to tell
        return any(path.parent.glob(re.sub(r"%0\d+d", "*", path.name)))
    return path.is_file()
