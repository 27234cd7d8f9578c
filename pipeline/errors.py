"""Exceptions that carry one clear, user-facing line, and what an OSError means.

Every error a user can cause (bad config, bad footage, bad checkpoint, missing
GPU, a full disk) is a ShotstyleError whose str() is the whole message: the CLI
and the Luigi failure handler print exactly that line. The base class and the
model errors come from ``models.errors`` (models stand alone); the pipeline's
own kinds are here.
"""
from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Optional

from models.errors import CheckpointError, DeviceError, ShotstyleError  # noqa: F401

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
