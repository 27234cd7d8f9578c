"""Exceptions that carry one clear, user-facing line, and what an OSError means.

Every error a user can cause (bad config, bad footage, bad checkpoint, missing
GPU, a full disk, a folder that cannot be written) is a ShotstyleError whose
str() is the whole message: the CLI and the Luigi failure handler print exactly
that line. The base class and the model errors come from ``models.errors``
(models stand alone); the pipeline's own kinds are here.

``os_error`` is the one place that turns an ``OSError`` into such a line: a full
disk into a ``DiskFullError``, anything else (a path through a file, no
permission, a read-only or missing volume, a folder where a file belongs, a
name too long, or an I/O error that outlasted its retries) into a ``PathError``
naming the path, what is wrong with it and what to do.
"""
from __future__ import annotations

import errno
import getpass
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from models.errors import CheckpointError, DeviceError, ShotstyleError, one_line  # noqa: F401

DISK_FULL_ERRNOS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT")
                             if hasattr(errno, name))


class ConfigError(ShotstyleError):
    """A YAML file is missing, malformed or has a wrong key/value."""


class MediaError(ShotstyleError):
    """Footage cannot be probed, decoded or encoded."""


class NotReadyError(ShotstyleError):
    """What a step needs is not made yet (the source not probed, the frames not
    decoded, a flow chunk not computed): its stage comes first. The done-checks,
    ``status`` and ``rerun`` take it as "not yet"; raised while a stage runs,
    its one line says which stage to run first."""


class DiskFullError(ShotstyleError):
    """A write failed because the volume (or the user's quota) is full."""

    def __init__(self, message: str, folder: str = ""):
        super().__init__(message)
        self.folder = folder

    @property
    def condition(self) -> str:
        return f"disk full: {self.folder}" if self.folder else str(self)


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def disk_full_error(exc: OSError, folder: Optional[Path] = None) -> DiskFullError:
    """The one line for ``exc`` (ENOSPC/EDQUOT); ``folder`` names where the stage
    writes when the error itself names no file."""
    what = "quota exceeded" if exc.errno == getattr(errno, "EDQUOT", None) else "disk full"
    if exc.filename:
        parent = os.path.dirname(str(exc.filename))
        return DiskFullError(f"{what} writing {exc.filename}: free space on the volume of "
                             f"{parent} and re-run; finished chunks are kept", parent)
    if folder is not None:
        return DiskFullError(f"{what} writing under {folder}: free space on that volume and "
                             f"re-run; finished chunks are kept", str(folder))
    return DiskFullError(f"{what}: free space and re-run; finished chunks are kept")


class PathError(ShotstyleError):
    """The OS refused a file operation for a reason a person fixes; ``culprit`` is
    the part of the path at fault (tasks failing on the same one print it once)."""

    def __init__(self, message: str, culprit: str = "", reason: str = ""):
        super().__init__(message)
        self.culprit = culprit
        self.reason = reason

    @property
    def condition(self) -> str:
        return f"{self.reason}: {self.culprit}" if self.culprit else str(self)


@dataclass(frozen=True)
class Refusal:
    """What an OSError means for a person: ``path`` (what the call named),
    ``culprit`` (the part of it at fault: the file in the way, the folder that
    refuses, the first folder missing), ``reason`` (what is wrong with the
    culprit, naming it, with the errno's name) and ``remedy`` (what to do there)."""
    path: str
    culprit: str
    reason: str
    remedy: str
    #: the other way out: use another path
    elsewhere: str = "choose another folder"

    def line(self, elsewhere: Optional[str] = None) -> str:
        head = f"{self.path}: " if self.path and self.path != self.culprit else ""
        return f"{head}{self.reason}: {self.remedy}, or {elsewhere or self.elsewhere}"


def _existing_ancestor(path: Path) -> Path:
    """The nearest of ``path`` and its parents that exists (``/`` at worst)."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path(path.anchor or ".")


def file_in_the_way(path: Path) -> Optional[Path]:
    """The first of ``path`` and its parents (from the top) that exists and is not a
    folder: what makes a path through it fail with ENOTDIR; None when there is none."""
    for candidate in reversed((path, *path.parents)):
        if os.path.lexists(candidate) and not candidate.is_dir():
            return candidate
    return None


def _first_missing(path: Path) -> Path:
    """The first of ``path``'s folders (from the top) that does not exist."""
    for candidate in reversed((path, *path.parents)):
        if not os.path.lexists(candidate):
            return candidate
    return path


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def _name_too_long(path: Path) -> tuple[str, str]:
    longest = max(path.parts, key=lambda part: len(os.fsencode(part)), default="")
    size = len(os.fsencode(longest))
    try:
        limit = os.pathconf(_existing_ancestor(path), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if size > limit:
        shown = longest if len(longest) <= 24 else longest[:20] + "…"
        return shown, f"the name {shown!r} is {size} bytes, over the file system's {limit}"
    return "", f"the path is {len(os.fsencode(str(path)))} bytes, too long for the file system"


def explain_os_error(exc: OSError, path: Optional[Path] = None) -> Refusal:
    """What ``exc`` means for the path it names (else ``path``), and what to do."""
    named = exc.filename if exc.filename is not None else path
    target = Path(os.fsdecode(named)) if named is not None else None
    code = errno.errorcode.get(exc.errno, "") if exc.errno is not None else ""
    tag = f" ({code})" if code else ""
    said = exc.strerror or str(exc)
    if target is None:
        return Refusal("", "", f"{said}{tag}", "check the storage and re-run",
                       "ask for help with the stage's log")
    if exc.errno == errno.ENOTDIR or (exc.errno == errno.EEXIST and not target.is_dir()):
        culprit = file_in_the_way(target) or target
        return Refusal(str(target), str(culprit), f"{culprit} is a file, not a folder{tag}",
                       "move the file aside")
    if exc.errno == errno.EISDIR:
        return Refusal(str(target), str(target),
                       f"{target} is a folder where a file belongs{tag}",
                       "move the folder aside", "choose another file name")
    if exc.errno in (errno.EACCES, errno.EPERM):
        culprit = target if target.exists() else _existing_ancestor(target)
        what = ("permission denied" if exc.errno == errno.EACCES else
                "operation not permitted (an immutable or system folder?)")
        return Refusal(str(target), str(culprit), f"{culprit}: {what} for user {_user()}{tag}",
                       "give that user write access to it")
    if exc.errno == errno.EROFS:
        culprit = _existing_ancestor(target)
        return Refusal(str(target), str(culprit),
                       f"{culprit} is on a read-only file system{tag}", "mount it read-write")
    if exc.errno == errno.ENOENT:
        missing = _first_missing(target)
        if missing == target:
            return Refusal(str(target), str(target), f"{target}: {said}{tag}",
                           "check that it is where it should be (a volume not mounted?) and "
                           "re-run")
        return Refusal(str(target), str(missing),
                       f"the folder {missing} does not exist (a volume not mounted?){tag}",
                       "mount or create it")
    if exc.errno == errno.ENAMETOOLONG:
        culprit, reason = _name_too_long(target)
        return Refusal(str(target), culprit, f"{reason}{tag}", "shorten it",
                       "choose a shorter folder or shot name")
    return Refusal(str(target), str(target), f"{target}: {said}{tag}",
                   "check the storage and re-run", "ask for help with the stage's log")


def os_error(exc: OSError, folder: Optional[Path] = None) -> ShotstyleError:
    """The one line for any ``OSError`` raised while shotstyle reads or writes:
    a ``DiskFullError`` for a full disk or quota, else a ``PathError`` naming the
    path (``folder`` where the error names none), what is wrong, what to do."""
    if is_disk_full(exc):
        return disk_full_error(exc, folder)
    refusal = explain_os_error(exc, folder)
    return PathError(refusal.line(), refusal.culprit, refusal.reason)
