"""The stages of one shot as Luigi tasks: one task class per row of the stage table.

    ProbeSource -> DecodeFrames -> StylizeChunk x N ----> SmoothChunk x N -> EncodeClip --> ShotReport -> RenderShot
                                -> FlowChunk x N ------/  (chunk N after N-1)  ShotMetrics -/

Every stage task is a ``StageTask`` (or, for a chunked stage, a ``ChunkTask``)
that names its stage (``stage_name``); the class name is the row's ``task``
and its docstring the row's ``summary``. What a task requires, when it is done
and what it runs all follow from its node of the shot's graph
(``pipeline.graph.nodes.ShotGraph``): the tasks of the node's inputs (every
chunk of a chunked stage that a whole stage reads is a dynamic dependency,
known once the plates exist), its done-marker (``pipeline.workarea.done``),
and the stage's function (``pipeline.stages.registry.RUN``) with a ``StageRun``.
"""
from __future__ import annotations

import contextlib
from typing import Optional

import luigi

from pipeline.errors import ShotstyleError
from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node, ShotGraph
from pipeline.graph.table import (ENCODE, FINAL, FLOW, METRICS, PLATES, PROBE, REPORT, STYLED,
                                  Stage, stage)
from pipeline.workarea.done import node_done
from pipeline.workarea.lock import holding, release
from pipeline.workarea.plan import ShotPlan
from pipeline.workarea.roots import check_shot_folders
from tasks.base import TASKS, ManifestTarget, PipelineTask, task_for
from tasks.session import render_session
from tasks.style import TrainStyle


class StageTask(PipelineTask):
    """A stage of one shot, a node of its graph.

    A subclass names its stage (``stage_name``: a row of the stage table), is
    named as the row's ``task`` and gets the row's ``summary`` as its docstring;
    a stage that runs the model takes a ``gpu`` resource. Checked when the
    class is defined.
    """

    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "stage_name" not in cls.__dict__:
            return  # names no stage: a base class (ChunkTask)
        st = stage(cls.stage_name)
        if cls.__name__ != st.task or issubclass(cls, ChunkTask) != st.chunked or \
                (getattr(cls, "resources", {}) == {"gpu": 1}) != st.runs_model:
            raise TypeError(f"{cls.__name__}: does not match the stage table's row of "
                            f"{st.name!r} (task {st.task}, chunked {st.chunked}, "
                            f"runs_model {st.runs_model})")
        cls.__doc__ = st.summary

    @property
    def stage(self) -> Stage:
        return stage(self.stage_name)

    @property
    def chunk(self) -> Optional[Chunk]:
        return None

    @property
    def node(self) -> Node:
        return Node(self.stage_name, self.chunk)

    @property
    def plan(self) -> ShotPlan:
        # Built afresh per call: configs may change between scheduling and running.
        return ShotPlan.load(self.shot)

    @property
    def label(self) -> str:
        return self.shot

    def log_name(self) -> str:
        return self.node.log_name

    def progress_name(self) -> str:
        return f"{self.label} {self.node.name}"

    def complete(self) -> bool:
        render_session()  # known while Luigi's command line is parsed (tasks.session)
        return super().complete()

    def preflight(self, plan: ShotPlan) -> None:
        """The roots, and the shot's own folders (a render folder that is a file stops
        the probe, not the encode after the whole render)."""
        super().preflight(plan)
        check_shot_folders(plan.paths)

    @contextlib.contextmanager
    def holding_lock(self, plan: ShotPlan):
        with holding(plan.paths.root, render_session(), self.shot) as hold:
            self._lock_hold = hold
            yield
        if self.stage_name == REPORT:  # the shot is done: free it for other renders
            release(plan.paths.root, render_session())

    def check_lock(self) -> None:
        hold = getattr(self, "_lock_hold", None)
        if hold is not None:
            hold.check()

    def _plan_or_none(self) -> Optional[ShotPlan]:
        try:
            return self.plan
        except ShotstyleError:
            return None  # run() reports the config error as this task's failure

    def task_of(self, node: Node) -> luigi.Task:
        """The task that runs ``node`` of this shot."""
        chunk = {} if node.chunk is None else {"first": node.chunk.first, "last": node.chunk.last}
        return task_for(node.stage)(shot=self.shot, **chunk)

    def requires(self):
        st = self.stage
        # Only rows whose inputs depend on the shot's config need it loaded here;
        # without it (or when it does not load) the graph has the inputs every
        # config has. Chunks are not known yet at scheduling time: a whole stage
        # that reads a chunked one waits for the plates, then for its chunks
        # (``execute``).
        needs_config = bool(st.only_with_flow or st.along_time or st.runs_model)
        plan = self._plan_or_none() if needs_config else None
        graph = ShotGraph(plan, chunks=None)
        inputs = graph.inputs(self.node)
        deps = [self.task_of(n) for n in inputs if n.stage != self.stage_name]
        if st.runs_model and plan is not None and plan.style.train is not None:
            deps.append(TrainStyle(style=plan.cfg.style))  # trained before it is used
        deps += [self.task_of(n) for n in inputs if n.stage == self.stage_name]  # along time
        return deps

    def output(self):
        return ManifestTarget(node_done(ShotGraph(self.plan), self.node))

    def execute(self, plan):
        # The chunks it reads are known only once the plates exist: dynamic dependencies.
        chunks = [n for n in ShotGraph(plan).inputs(self.node) if n.chunk is not None]
        if chunks:
            yield [self.task_of(n) for n in chunks]
        self.run_stage(plan)

    def run_stage(self, plan: ShotPlan) -> None:
        """The stage's function (``pipeline.stages.registry.RUN``) with its ``StageRun``."""
        # imported here: scheduling (and a worker's parent process) loads no stage module
        from pipeline.stages.registry import run_stage
        run_stage(plan, self.stage_name, self.chunk, self.progress())


class ChunkTask(StageTask):
    """One chunk of a chunked stage."""
    first = luigi.IntParameter(description="first frame of the chunk")
    last = luigi.IntParameter(description="last frame of the chunk (inclusive)")

    @property
    def chunk(self) -> Chunk:
        return Chunk(self.first, self.last)

    def execute(self, plan):
        self.run_stage(plan)  # its inputs are all known at scheduling time


class ProbeSource(StageTask):
    stage_name = PROBE


class DecodeFrames(StageTask):
    stage_name = PLATES


class FlowChunk(ChunkTask):
    stage_name = FLOW


class StylizeChunk(ChunkTask):
    stage_name = STYLED
    resources = {"gpu": 1}


class SmoothChunk(ChunkTask):
    stage_name = FINAL


class EncodeClip(StageTask):
    stage_name = ENCODE


class ShotMetrics(StageTask):
    stage_name = METRICS


class ShotReport(StageTask):
    stage_name = REPORT


#: stage name -> its task (``tasks.base.task_for``)
TASKS.update({PROBE: ProbeSource, PLATES: DecodeFrames, FLOW: FlowChunk, STYLED: StylizeChunk,
              FINAL: SmoothChunk, ENCODE: EncodeClip, METRICS: ShotMetrics, REPORT: ShotReport})


class RenderShot(luigi.WrapperTask):
    """Render one shot end to end: `luigi --module tasks RenderShot --shot s01`."""
    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def requires(self):
        return task_for(REPORT)(shot=self.shot)
