"""Luigi plumbing shared by the tasks: manifest targets, logs, progress, retries,
one-line failure messages, and the stage name -> task registry."""
from __future__ import annotations

import contextlib
import logging
import threading
import time
from pathlib import Path
from typing import Callable

import luigi
from luigi.rpc import RPCError

from pipeline.errors import ShotstyleError, os_error
from pipeline.stages.retry import RetryPolicy, log_retry
from pipeline.workarea.done import DoneMarker
from pipeline.workarea.failures import clear_failure, record_failure
from pipeline.workarea.roots import check_roots
from tasks.console import STAGE_LOG_ONLY
from tasks.openjd_progress import openjd_progress

#: event: a task's run() waits for the dynamic dependencies it yielded
WAITING = "shotstyle.event.waiting"

log = logging.getLogger("shotstyle")

#: Set by the ``shotstyle`` command's Ctrl-C handler (``tasks/cli.py``). Luigi
#: swallows a KeyboardInterrupt raised inside its event callbacks (the progress
#: lines' handlers), and FFmpeg, stopped by the same Ctrl-C, fails its stage with
#: an error line: a task that sees this set stops at its next step instead, with
#: no line and no failure record.
INTERRUPTED = threading.Event()


def stop_if_interrupted() -> None:
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


class ManifestTarget(luigi.Target):
    """Exists when the stage's done-marker is current (``pipeline.workarea.done``):
    its manifest carries the key computed now, and no input was redone after it."""

    def __init__(self, marker: DoneMarker):
        self.marker = marker

    def exists(self) -> bool:
        return self.marker.is_current()


class PipelineTask(luigi.Task):
    """A stage that is done when its manifest says so. Subclasses give ``plan`` (loaded from the configs),
    ``label``, ``execute(plan)`` and ``output()``; logs go to ``plan.logs_dir``."""

    stage_name = "stage"

    @property
    def plan(self):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def label(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def complete(self) -> bool:
        try:
            return super().complete()
        except ShotstyleError as exc:
            # Bad config: report 'not complete' so run() raises the same error
            # and it reaches the summary as a failed task with one clear line.
            log.debug("%s: %s", self.task_id, exc)
            return False

    #: the farm monitor's lines while run() runs (``tasks/openjd_progress.py``)
    _openjd = None

    def log_name(self) -> str:
        return self.stage_name

    def progress_name(self) -> str:
        """What the task is, for progress lines: ``s01 styled 1001-1004``."""
        return f"{self.label} {self.stage_name}"

    def _tell_scheduler(self, report: Callable[..., None], *args) -> None:
        """Progress for the scheduler's web page. A scheduler that cannot be
        reached (restarted, or gone) must not fail the work: after the first
        failed call (which has waited out Luigi's RPC retries) the task stops
        telling it."""
        if getattr(self, "_scheduler_unreachable", False):
            return
        try:
            report(*args)
        except RPCError as exc:
            self._scheduler_unreachable = True
            log.warning("%s: the scheduler does not answer; the work goes on without "
                        "progress reports (%s)", self.task_id, exc)

    def progress(self) -> Callable[[int, int, str], None]:
        state = {"last": 0.0}

        def report(done: int, total: int, message: str) -> None:
            self.check_lock()  # another render took the shot over: stop writing
            # for the `shotstyle` command's progress lines (tasks.progress)
            self.trigger_event(luigi.Event.PROGRESS, self, done, total, message)
            stop_if_interrupted()
            if self._openjd is not None:  # the farm monitor's lines
                self._openjd.progress(done, total, message)
            pct = int(100 * done / max(total, 1))
            self._tell_scheduler(self.set_progress_percentage, pct)
            now = time.monotonic()
            if now - state["last"] > 2.0 or done >= total:
                state["last"] = now
                self._tell_scheduler(self.set_status_message, f"{message}: {done}/{total}")
                log.info("%s %s: %s %d/%d (%d%%)", self.label, self.stage_name, message,
                         done, total, pct)
        return report

    def preflight(self, plan) -> None:
        """Raise a PathError where the task could not write: its roots."""
        check_roots(plan.pipeline)

    def holding_lock(self, plan):
        """A context that holds what the task writes to against other renders."""
        return contextlib.nullcontext()

    def check_lock(self) -> None:
        """Raise if the hold of ``holding_lock`` was lost to another render."""

    def run(self):
        stop_if_interrupted()
        plan = self.plan
        self.preflight(plan)  # one line before the stage does any work
        # a render refused by another's lock writes nothing, not even a log line
        with self.holding_lock(plan):
            try:
                yield from self._run_logged(plan)
            except GeneratorExit:  # Luigi set it aside for its new dependencies
                self.trigger_event(WAITING, self)
                raise

    def _run_logged(self, plan):
        try:
            handler = _stage_log_handler(plan.logs_dir / f"{self.log_name()}.log")
        except OSError as exc:
            raise os_error(exc, plan.logs_dir) from exc
        logging.getLogger("shotstyle").addHandler(handler)
        log.info("%s: start %s", self.label, self.task_id)
        self._openjd = openjd_progress(self.progress_name())
        if self._openjd is not None:
            self._openjd.started()
        try:
            yield from self._execute_with_retries(plan)
            if self._openjd is not None:
                self._openjd.finished()
            self._tell_scheduler(self.set_progress_percentage, 100)
            clear_failure(plan.logs_dir, self.log_name())
            log.info("%s: done %s", self.label, self.task_id)
        except Exception as exc:
            if INTERRUPTED.is_set():  # e.g. FFmpeg, stopped by the same Ctrl-C
                raise KeyboardInterrupt from exc
            # an OSError: not transient, or still failing after the retries
            error = os_error(exc, Path(plan.logs_dir).parent) if isinstance(exc, OSError) else exc
            if self._openjd is not None:
                self._openjd.failed(error)
            if not isinstance(error, ShotstyleError):  # a bug: Luigi shows its traceback
                log.exception("%s: failed", self.task_id)
                record_failure(plan.logs_dir, self.log_name(), exc, self.task_id)
                raise
            # the terminal gets the one line (tasks.console); the log the traceback too
            log.error("%s: %s", self.task_id, error, exc_info=True, extra=STAGE_LOG_ONLY)
            record_failure(plan.logs_dir, self.log_name(), error, self.task_id)
            if error is exc:
                raise
            raise error from exc
        finally:
            logging.getLogger("shotstyle").removeHandler(handler)
            handler.close()

    def _execute_with_retries(self, plan):
        """``execute`` (a plain call or a generator of dynamic dependencies), run
        again after transient errors (``pipeline.stages.retry``); a full disk
        becomes one clear DiskFullError line."""
        policy = RetryPolicy(plan.pipeline.retries, plan.pipeline.retry_wait)

        def on_retry(exc: BaseException, attempt: int, delay: float) -> None:
            log_retry(self.task_id, exc, attempt, policy, delay)
            self._tell_scheduler(self.set_status_message,
                                 f"retry {attempt}/{policy.retries} after: {exc}")

        for attempt in policy.retrying(Path(plan.logs_dir).parent, on_retry):
            with attempt:
                result = self.execute(plan)
                if result is not None and hasattr(result, "__next__"):
                    yield from result

    def execute(self, plan):  # pragma: no cover - abstract
        raise NotImplementedError

    def on_failure(self, exception: BaseException) -> str:
        if isinstance(exception, ShotstyleError):
            return f"{type(exception).__name__}: {exception}"
        return super().on_failure(exception)


#: stage name -> the task class that runs it (filled in by tasks/shot.py, one by one)
TASKS: dict[str, type[PipelineTask]] = {}


def task_for(name: str) -> type[PipelineTask]:
    """The Luigi task of stage ``name`` (defined in ``tasks/shot.py``)."""
    return TASKS[name]


class _StageLogHandler(logging.FileHandler):
    """The stage's log file. A record that cannot be written (the volume is
    full) is dropped quietly: the console has it, and the stage's own error
    says what happened."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # flushing what a full volume did not take
            pass


def _stage_log_handler(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _StageLogHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler
