"""Retry policy for transient failures, and the disk-full error.

A stage that fails for a reason that may pass on its own (a stale NFS handle,
an I/O error or timeout on shared storage, a busy file) is run again in the
same process, after a wait that doubles each time. Errors a person has to fix
(bad config or footage: any ShotstyleError; a full disk; a bug) are raised at
once: retrying them only delays the error line.

Luigi's scheduler retries (``[scheduler] retry_count`` / ``retry_delay`` in
luigi.cfg) come on top of this for workers started with ``--worker-keep-alive``.
"""
from __future__ import annotations

import errno
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from pipeline.errors import DiskFullError, ShotstyleError

log = logging.getLogger("shotstyle")

TRANSIENT_ERRNOS = frozenset(getattr(errno, name) for name in (
    "EIO", "EAGAIN", "EBUSY", "EINTR", "ESTALE", "ETIMEDOUT", "ECONNRESET", "ECONNABORTED",
    "ECONNREFUSED", "ENETDOWN", "ENETUNREACH", "EHOSTUNREACH", "ENOLCK", "EREMOTEIO")
    if hasattr(errno, name))
DISK_FULL_ERRNOS = frozenset(getattr(errno, name) for name in ("ENOSPC", "EDQUOT")
                             if hasattr(errno, name))


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


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying without a person stepping in."""
    if isinstance(exc, ShotstyleError):
        return False
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2          # extra attempts after the first
    wait: float = 10.0        # seconds before the first retry; doubles each time

    def delays(self):
        return [self.wait * (2 ** i) for i in range(self.retries)]


def retry_delay(exc: BaseException, policy: RetryPolicy, attempt: int,
                folder: Optional[Path] = None) -> Optional[float]:
    """Seconds to wait before retry number ``attempt + 1`` after ``exc``, or None when
    ``exc`` should be raised now. A full disk is turned into a DiskFullError here
    (``folder``: where the stage writes, named when ``exc`` names no file)."""
    if is_disk_full(exc):
        raise disk_full_error(exc, folder) from exc
    delays = policy.delays()
    if not is_transient(exc) or attempt >= len(delays):
        return None
    return delays[attempt]


def log_retry(what: str, exc: BaseException, attempt: int, policy: RetryPolicy,
              delay: float) -> None:
    log.warning("%s: transient error (%s); retry %d/%d in %.0f s", what, exc, attempt,
                policy.retries, delay)
