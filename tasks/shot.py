"""The stages of one shot as Luigi tasks (wiring only; the work is in pipeline.stages).

    ProbeSource -> DecodeFrames -> StylizeChunk x N -> SmoothChunk x N -> EncodeClip -> RenderShot
"""
from __future__ import annotations

import luigi

from pipeline import stages
from pipeline.errors import ShotstyleError
from pipeline.workarea import ShotPlan
from tasks.base import ManifestTarget, ShotTask
from tasks.style import TrainStyle


class ProbeSource(ShotTask):
    """Read the source's frame count, rate, size, audio and timecode."""
    stage_name = "probe"

    def output(self):
        plan = self.plan
        return ManifestTarget(plan.probe_manifest, plan.probe_key)

    def execute(self, plan):
        stages.probe(plan)


class DecodeFrames(ShotTask):
    """Decode the source to work/<shot>/plates/<shot>.%04d.png."""
    stage_name = "plates"

    def requires(self):
        return ProbeSource(shot=self.shot)

    def output(self):
        plan = self.plan
        return ManifestTarget(plan.stage_manifest("plates"), plan.plates_key)

    def execute(self, plan):
        stages.decode(plan, self.progress())


class _ChunkTask(ShotTask):
    first = luigi.IntParameter(description="first frame of the chunk")
    last = luigi.IntParameter(description="last frame of the chunk (inclusive)")

    def log_name(self) -> str:
        return f"{self.stage_name}.{self.first:04d}-{self.last:04d}"

    def output(self):
        plan = self.plan
        return ManifestTarget(plan.chunk_manifest(self.stage_name, self.first, self.last),
                              plan.chunk_key(self.stage_name, self.first, self.last))


class StylizeChunk(_ChunkTask):
    """Run the style's generator over one chunk of plates -> work/<shot>/styled/."""
    stage_name = "styled"
    resources = {"gpu": 1}

    def requires(self):
        deps = [DecodeFrames(shot=self.shot)]
        try:
            plan = ShotPlan.load(self.shot)
        except ShotstyleError:
            return deps  # run() reports the config error as this task's failure
        if plan.style.train is not None:
            deps.append(TrainStyle(style=plan.cfg.style))
        return deps

    def execute(self, plan):
        stages.stylize_chunk(plan, self.first, self.last, self.progress())


class SmoothChunk(_ChunkTask):
    """Temporal smoothing of one chunk -> work/<shot>/final/."""
    stage_name = "final"

    def requires(self):
        return StylizeChunk(shot=self.shot, first=self.first, last=self.last)

    def execute(self, plan):
        stages.smooth_chunk(plan, self.first, self.last, self.progress())


class EncodeClip(ShotTask):
    """Encode renders/<shot>/<shot>_styled.{mov,mp4} and publish the frames."""
    stage_name = "encode"

    def requires(self):
        return DecodeFrames(shot=self.shot)

    def output(self):
        plan = self.plan
        return ManifestTarget(plan.stage_manifest("encode"), plan.encode_key, check_outputs=True)

    def execute(self, plan):
        # The chunks are known only once the plates exist: dynamic dependencies.
        yield [SmoothChunk(shot=self.shot, first=a, last=b) for a, b in plan.chunks()]
        stages.encode(plan, self.progress())


class RenderShot(luigi.WrapperTask):
    """Render one shot end to end: `luigi --module tasks RenderShot --shot s01`."""
    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def requires(self):
        return EncodeClip(shot=self.shot)
