"""Luigi plumbing shared by the tasks: manifest targets, logs, progress, retries,
one-line failure messages, and the generic stage task.

``StageTask`` turns a row of the stage table (``pipeline.stages.table``) into
a Luigi task: it requires the tasks of the stages the row reads (the same
chunk of a chunked stage; every chunk of it for a whole stage, as dynamic
dependencies known once the plates exist), is done when its checkpoint is
current, and runs ``pipeline/stages/<stage>.py``'s ``run``. ``tasks/shot.py``
declares one subclass per stage.
"""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Callable, Optional

import luigi

from pipeline.errors import ShotstyleError
from pipeline.stages.table import FRAME_RANGE_FROM, stage
from pipeline.stages.retry import RetryPolicy, log_retry
from pipeline.workarea.checkpoints import Checkpoint, checkpoint, chunk_checkpoint
from pipeline.workarea.failures import clear_failure, record_failure
from pipeline.workarea.plan import ShotPlan

log = logging.getLogger("shotstyle")


class ManifestTarget(luigi.Target):
    """Exists when the stage's checkpoint is current (``pipeline.workarea.checkpoints``):
    its manifest carries the key computed now, and no input was redone after it."""

    def __init__(self, checkpoint: Checkpoint):
        self.checkpoint = checkpoint

    def exists(self) -> bool:
        return self.checkpoint.is_current()


class PipelineTask(luigi.Task):
    """A checkpointed stage. Subclasses give ``plan`` (loaded from the configs),
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

    def log_name(self) -> str:
        return self.stage_name

    def progress(self) -> Callable[[int, int, str], None]:
        state = {"last": 0.0}

        def report(done: int, total: int, message: str) -> None:
            pct = int(100 * done / max(total, 1))
            self.set_progress_percentage(pct)
            now = time.monotonic()
            if now - state["last"] > 2.0 or done >= total:
                state["last"] = now
                self.set_status_message(f"{message}: {done}/{total}")
                log.info("%s %s: %s %d/%d (%d%%)", self.label, self.stage_name, message,
                         done, total, pct)
        return report

    def run(self):
        plan = self.plan
        handler = _stage_log_handler(plan.logs_dir / f"{self.log_name()}.log")
        logging.getLogger("shotstyle").addHandler(handler)
        log.info("%s: start %s", self.label, self.task_id)
        try:
            yield from self._execute_with_retries(plan)
            self.set_progress_percentage(100)
            clear_failure(plan.logs_dir, self.log_name())
            log.info("%s: done %s", self.label, self.task_id)
        except ShotstyleError as exc:
            log.error("%s: %s", self.task_id, exc)
            record_failure(plan.logs_dir, self.log_name(), exc, self.task_id)
            raise
        except Exception as exc:
            log.exception("%s: failed", self.task_id)
            record_failure(plan.logs_dir, self.log_name(), exc, self.task_id)
            raise
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
            self.set_status_message(f"retry {attempt}/{policy.retries} after: {exc}")

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


#: stage name -> the task class that runs it
TASKS: dict[str, type["StageTask"]] = {}


def task_for(name: str) -> type["StageTask"]:
    return TASKS[name]


class StageTask(PipelineTask):
    """A stage of one shot: ``stage_name`` picks its row of the stage table."""

    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "stage_name" in cls.__dict__:
            TASKS[cls.stage_name] = cls

    @property
    def stage(self):
        return stage(self.stage_name)

    @property
    def plan(self) -> ShotPlan:
        # Built afresh per call: configs may change between scheduling and running.
        return ShotPlan.load(self.shot)

    @property
    def label(self) -> str:
        return self.shot

    def _plan_or_none(self) -> Optional[ShotPlan]:
        try:
            return self.plan
        except ShotstyleError:
            return None  # run() reports the config error as this task's failure

    def _reads(self, plan: Optional[ShotPlan]) -> list[str]:
        """Upstream stages read for this shot (all that are read regardless of
        the config when it does not load)."""
        st = self.stage
        if plan is None:
            return [u for u in st.upstream if u not in st.only_with_flow]
        return [u for u in st.upstream if plan.reads(st, u)]

    def requires(self):
        plan = self._plan_or_none()
        deps = []
        for up in self._reads(plan):
            if not stage(up).chunked:
                deps.append(task_for(up)(shot=self.shot))
            elif self.stage.chunked:
                deps.append(task_for(up)(shot=self.shot, first=self.first, last=self.last))
            elif task_for(FRAME_RANGE_FROM)(shot=self.shot) not in deps:
                deps.append(task_for(FRAME_RANGE_FROM)(shot=self.shot))  # chunks come later
        return deps + self.extra_requires(plan)

    def extra_requires(self, plan: Optional[ShotPlan]) -> list:
        return []

    def output(self):
        return ManifestTarget(checkpoint(self.plan, self.stage_name))

    def execute(self, plan):
        # Chunks of the chunked stages it reads are known only once the plates
        # exist: dynamic dependencies.
        chunked = [up for up in self._reads(plan) if stage(up).chunked]
        if chunked:
            chunks = plan.chunks()
            yield [task_for(up)(shot=self.shot, first=a, last=b)
                   for up in chunked for a, b in chunks]
        self.stage.function(plan, self.progress())


class ChunkTask(StageTask):
    """One chunk of a chunked stage."""
    first = luigi.IntParameter(description="first frame of the chunk")
    last = luigi.IntParameter(description="last frame of the chunk (inclusive)")

    def log_name(self) -> str:
        return f"{self.stage_name}.{self.first:04d}-{self.last:04d}"

    def requires(self):
        deps = super().requires()
        plan = self._plan_or_none()
        if plan is not None and self.stage.continues_previous_chunk(plan.smoothing_uses_flow):
            previous = plan.previous_chunk(self.first)
            if previous is not None:
                deps.append(type(self)(shot=self.shot, first=previous[0], last=previous[1]))
        return deps

    def output(self):
        return ManifestTarget(chunk_checkpoint(self.plan, self.stage_name, self.first, self.last))

    def execute(self, plan):
        self.stage.function(plan, self.first, self.last, self.progress())


class _StageLogHandler(logging.FileHandler):
    """The stage's log file. A record that cannot be written (the volume is
    full) is dropped quietly: the console has it, and the stage's own error
    says what happened."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        pass


def _stage_log_handler(path: Path) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = _StageLogHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler


@luigi.Task.event_handler(luigi.Event.FAILURE)
def _print_failure_line(task: luigi.Task, exception: BaseException) -> None:
    """One line a person can act on, on stderr, for errors users can cause."""
    if isinstance(exception, ShotstyleError):
        line = f"shotstyle: error: {exception}"
        # sibling chunks failing alike (same line, or the same full folder) say it once
        if exception.condition not in _printed_errors:
            _printed_errors.add(exception.condition)
            print(line, file=sys.stderr, flush=True)


_printed_errors: set[str] = set()


def ensure_shotstyle_logging(level: int = logging.INFO) -> None:
    """Progress and stage messages on stderr (Luigi only sets up its own logger)."""
    logger = logging.getLogger("shotstyle")
    logger.setLevel(level)
    if not any(getattr(h, "_shotstyle_console", False) for h in logger.handlers):
        console = logging.StreamHandler(sys.stderr)
        console.setFormatter(logging.Formatter("shotstyle: %(levelname)s: %(message)s"))
        console._shotstyle_console = True
        logger.addHandler(console)
        logger.propagate = False


ensure_shotstyle_logging()
