"""Retrying a stage after transient failures (``tenacity``).

A stage that fails for a reason that may pass on its own (a stale NFS handle,
an I/O error or timeout on shared storage, a busy file) is run again in the
same process, after a wait that doubles each time. Errors a person has to fix
(bad config or footage: any ShotstyleError; a bug) are raised at once, and a
full disk becomes one ``DiskFullError`` line: retrying them only delays the
error line.

Luigi's scheduler retries (``[scheduler] retry_count`` / ``retry_delay`` in
luigi.cfg) come on top of this for workers started with ``--worker-keep-alive``.
"""
from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import tenacity

from pipeline.errors import ShotstyleError, disk_full_error, is_disk_full

log = logging.getLogger("shotstyle")

TRANSIENT_ERRNOS = frozenset(getattr(errno, name) for name in (
    "EIO", "EAGAIN", "EBUSY", "EINTR", "ESTALE", "ETIMEDOUT", "ECONNRESET", "ECONNABORTED",
    "ECONNREFUSED", "ENETDOWN", "ENETUNREACH", "EHOSTUNREACH", "ENOLCK", "EREMOTEIO")
    if hasattr(errno, name))


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying without a person stepping in."""
    if isinstance(exc, ShotstyleError):
        return False
    return isinstance(exc, OSError) and exc.errno in TRANSIENT_ERRNOS


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 2          # extra attempts after the first
    wait: float = 10.0        # seconds before the first retry; doubles each time

    @property
    def wait_strategy(self) -> tenacity.wait.wait_base:
        return tenacity.wait_exponential(multiplier=self.wait, exp_base=2, min=0)

    def retrying(self, folder: Optional[Path] = None,
                 on_retry: Optional[Callable[[BaseException, int, float], None]] = None
                 ) -> tenacity.Retrying:
        """A ``tenacity.Retrying`` for one stage run: transient errors are retried
        ``retries`` times; a full disk is raised as a DiskFullError (``folder``:
        where the stage writes, named when the error names no file)."""
        def before_sleep(state: tenacity.RetryCallState) -> None:
            if on_retry is not None:
                on_retry(state.outcome.exception(), state.attempt_number,
                         state.upcoming_sleep)

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception(lambda e: _raise_if_disk_full(e, folder)
                                              or is_transient(e)),
            stop=tenacity.stop_after_attempt(self.retries + 1), wait=self.wait_strategy,
            before_sleep=before_sleep, reraise=True)


def _raise_if_disk_full(exc: BaseException, folder: Optional[Path]) -> bool:
    if is_disk_full(exc):
        raise disk_full_error(exc, folder) from exc
    return False


def retry_delay(exc: BaseException, policy: RetryPolicy, attempt: int,
                folder: Optional[Path] = None) -> Optional[float]:
    """Seconds ``policy.retrying`` waits before retry number ``attempt + 1`` after
    ``exc``, or None when ``exc`` is raised at once (DiskFullError for a full disk)."""
    if _raise_if_disk_full(exc, folder) or not is_transient(exc) or attempt >= policy.retries:
        return None
    state = tenacity.RetryCallState(None, None, (), {})
    state.attempt_number = attempt + 1
    return policy.wait_strategy(state)


def log_retry(what: str, exc: BaseException, attempt: int, policy: RetryPolicy,
              delay: float) -> None:
    log.warning("%s: transient error (%s); retry %d/%d in %.0f s", what, exc, attempt,
                policy.retries, delay)
