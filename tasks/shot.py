"""The stages of one shot as Luigi tasks: one task per row of the stage table.

    ProbeSource -> DecodeFrames -> StylizeChunk x N ----> SmoothChunk x N -> EncodeClip --> ShotReport -> RenderShot
                                -> FlowChunk x N ------/  (chunk N after N-1)  ShotMetrics -/

Every stage task is a ``StageTask`` (or, for a chunked stage, a ``ChunkTask``)
defined from its row of ``pipeline.stages.table`` with the row's ``task`` name.
What it requires, when it is done and what it runs all come from that row: the
tasks of the stages it reads (the same chunk of a chunked stage; every chunk of
it for a whole stage, as dynamic dependencies known once the plates exist),
its checkpoint, and ``pipeline/stages/<stage>.py``'s ``run``.
"""
from __future__ import annotations

import contextlib
from typing import Optional

import luigi

from pipeline.errors import ShotstyleError
from pipeline.stages.table import FRAME_RANGE_FROM, REPORT, STAGES, Stage, stage
from pipeline.workarea.checkpoints import checkpoint, chunk_checkpoint
from pipeline.workarea.lock import holding, release
from pipeline.workarea.plan import ShotPlan
from tasks.base import TASKS, ManifestTarget, PipelineTask, task_for
from tasks.session import render_session
from tasks.style import TrainStyle


class StageTask(PipelineTask):
    """A stage of one shot: ``stage_name`` picks its row of the stage table."""

    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    @property
    def stage(self) -> Stage:
        return stage(self.stage_name)

    @property
    def plan(self) -> ShotPlan:
        # Built afresh per call: configs may change between scheduling and running.
        return ShotPlan.load(self.shot)

    @property
    def label(self) -> str:
        return self.shot

    def complete(self) -> bool:
        render_session()  # known while Luigi's command line is parsed (tasks.session)
        return super().complete()

    @contextlib.contextmanager
    def holding_lock(self, plan: ShotPlan):
        with holding(plan.root, render_session(), self.shot) as hold:
            self._lock_hold = hold
            yield
        if self.stage_name == REPORT:  # the shot is done: free it for other renders
            release(plan.root, render_session())

    def check_lock(self) -> None:
        hold = getattr(self, "_lock_hold", None)
        if hold is not None:
            hold.check()

    def _plan_or_none(self) -> Optional[ShotPlan]:
        try:
            return self.plan
        except ShotstyleError:
            return None  # run() reports the config error as this task's failure

    def _reads(self, plan: Optional[ShotPlan]) -> list[str]:
        """Upstream stages read for this shot (those read whatever the config
        says when it does not load)."""
        st = self.stage
        if plan is None:
            return [u for u in st.upstream if u not in st.only_with_flow]
        return [u for u in st.upstream if plan.reads(st, u)]

    def requires(self):
        st = self.stage
        # Only rows whose inputs depend on the shot's config need it loaded here.
        needs_config = bool(st.only_with_flow or st.along_time or st.runs_model)
        plan = self._plan_or_none() if needs_config else None
        deps = []
        for up in self._reads(plan):
            if not stage(up).chunked:
                deps.append(task_for(up)(shot=self.shot))
            elif self.stage.chunked:
                deps.append(task_for(up)(shot=self.shot, first=self.first, last=self.last))
            elif task_for(FRAME_RANGE_FROM)(shot=self.shot) not in deps:
                deps.append(task_for(FRAME_RANGE_FROM)(shot=self.shot))  # chunks come later
        if st.runs_model and plan is not None and plan.style.train is not None:
            deps.append(TrainStyle(style=plan.cfg.style))  # trained before it is used
        if plan is not None and st.continues_previous_chunk(plan.smoothing_uses_flow):
            previous = plan.previous_chunk(self.first)
            if previous is not None:
                deps.append(type(self)(shot=self.shot, first=previous[0], last=previous[1]))
        return deps

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

    def output(self):
        return ManifestTarget(chunk_checkpoint(self.plan, self.stage_name, self.first, self.last))

    def execute(self, plan):
        self.stage.function(plan, self.first, self.last, self.progress())


def _define_task(st: Stage) -> type[StageTask]:
    """The Luigi task class of stage ``st`` (Luigi registers it by its name)."""
    attrs = {"__module__": __name__, "__doc__": st.summary, "stage_name": st.name}
    if st.runs_model:
        attrs["resources"] = {"gpu": 1}
    return type(st.task, (ChunkTask if st.chunked else StageTask,), attrs)


for _st in STAGES:
    TASKS[_st.name] = globals()[_st.task] = _define_task(_st)


class RenderShot(luigi.WrapperTask):
    """Render one shot end to end: `luigi --module tasks RenderShot --shot s01`."""
    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def requires(self):
        return task_for(REPORT)(shot=self.shot)
