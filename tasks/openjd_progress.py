"""The farm monitor's view of a running task: ``openjd_progress: <percent>``
and ``openjd_status: <text>`` lines on stdout, which the Open Job Description
runtime (``openjd run``, Deadline Cloud's worker agent) reads from a task's
output and shows as the task's progress and status.

Printed only under a job that asks for them (its environment sets
``PROGRESS_VARIABLE`` to 1, ``pipeline.openjd.environment``): a render on a
workstation prints none. Fed from the one place stages report progress, a
task's ``progress()`` callback (``tasks/base.py``), and from its start and
end (and failure): the percentage when it changes (at most 101 lines a task), the status
when the task starts and ends and at most every ``STATUS_EVERY_S`` seconds
between.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable, Optional, TextIO

from pipeline.errors import ShotstyleError, one_line
from pipeline.openjd.environment import PROGRESS_VARIABLE

STATUS_EVERY_S = 2.0


class OpenJDProgress:
    """The lines of one running task, ``what`` it is (``s01 styled 1001-1004``)."""

    def __init__(self, what: str, out: Optional[TextIO] = None,
                 clock: Callable[[], float] = time.monotonic):
        self.what = what
        self._out = out
        self._clock = clock
        self._percent: Optional[int] = None
        self._status_at: Optional[float] = None

    def _say(self, line: str) -> None:
        out = self._out or sys.stdout
        try:
            out.write(line + "\n")
            out.flush()
        except (OSError, ValueError):  # the runtime stopped reading: the work goes on
            pass

    def _progress(self, percent: int) -> None:
        if percent != self._percent:
            self._percent = percent
            self._say(f"openjd_progress: {percent}")

    def _status(self, text: str) -> None:
        self._status_at = self._clock()
        self._say(f"openjd_status: {one_line(text)}")

    def started(self) -> None:
        self._status(f"{self.what}: started")

    def progress(self, done: int, total: int, message: str) -> None:
        self._progress(min(100, max(0, int(100 * done / max(total, 1)))))
        if self._status_at is None or done >= total or \
                self._clock() - self._status_at >= STATUS_EVERY_S:
            self._status(f"{self.what}: {message} {done}/{total}")

    def finished(self) -> None:
        self._progress(100)
        self._status(f"{self.what}: done")

    def failed(self, error: BaseException) -> None:
        """The status says why (a bug: its type too); the exit code fails the task."""
        why = str(error) if isinstance(error, ShotstyleError) else \
            f"{type(error).__name__}: {error}"
        self._status(f"{self.what}: failed: {why}")


def openjd_progress(what: str) -> Optional[OpenJDProgress]:
    """The task's lines where the job asks for them, else None."""
    return OpenJDProgress(what) if os.environ.get(PROGRESS_VARIABLE) == "1" else None
