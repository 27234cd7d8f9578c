"""The stages of one shot as Luigi tasks (wiring only; the work is in pipeline/).

    ProbeSource -> DecodeFrames -> StylizeChunk x N ----> SmoothChunk x N -> EncodeClip --> ShotReport -> RenderShot
                                -> FlowChunk x N ------/  (chunk N after N-1)  ShotMetrics -/
"""
from __future__ import annotations

import luigi

from pipeline import checkpoints, report, shot_metrics, stages, temporal_stages
from pipeline.errors import ShotstyleError
from pipeline.workarea import ShotPlan
from tasks.base import ManifestTarget, ShotTask
from tasks.style import TrainStyle


class ProbeSource(ShotTask):
    """Read the source's frame count, rate, size, audio and timecode."""
    stage_name = "probe"

    def output(self):
        return ManifestTarget(checkpoints.probe_checkpoint(self.plan))

    def execute(self, plan):
        stages.probe(plan)


class DecodeFrames(ShotTask):
    """Decode the source to work/<shot>/plates/<shot>.%04d.png."""
    stage_name = "plates"

    def requires(self):
        return ProbeSource(shot=self.shot)

    def output(self):
        return ManifestTarget(checkpoints.plates_checkpoint(self.plan))

    def execute(self, plan):
        stages.decode(plan, self.progress())


class _ChunkTask(ShotTask):
    first = luigi.IntParameter(description="first frame of the chunk")
    last = luigi.IntParameter(description="last frame of the chunk (inclusive)")

    def log_name(self) -> str:
        return f"{self.stage_name}.{self.first:04d}-{self.last:04d}"

    def output(self):
        return ManifestTarget(checkpoints.chunk_checkpoint(self.plan, self.stage_name,
                                                           self.first, self.last))


class FlowChunk(_ChunkTask):
    """Optical flow between consecutive plates of one chunk -> work/<shot>/flow/."""
    stage_name = "flow"

    def requires(self):
        return DecodeFrames(shot=self.shot)

    def execute(self, plan):
        temporal_stages.flow_chunk(plan, self.first, self.last, self.progress())


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
    """Temporal smoothing of one chunk -> work/<shot>/final/.

    Continues from the previous chunk's last final frame, so it runs after it.
    """
    stage_name = "final"

    def requires(self):
        deps = [StylizeChunk(shot=self.shot, first=self.first, last=self.last)]
        try:
            plan = ShotPlan.load(self.shot)
        except ShotstyleError:
            return deps
        if plan.smoothing_uses_flow:
            deps.append(FlowChunk(shot=self.shot, first=self.first, last=self.last))
            previous = checkpoints.previous_chunk(plan, self.first)
            if previous is not None:
                deps.append(SmoothChunk(shot=self.shot, first=previous[0], last=previous[1]))
        return deps

    def execute(self, plan):
        temporal_stages.smooth_chunk(plan, self.first, self.last, self.progress())


class EncodeClip(ShotTask):
    """Encode renders/<shot>/<shot>_styled.{mov,mp4} and publish the frames."""
    stage_name = "encode"

    def requires(self):
        return DecodeFrames(shot=self.shot)

    def output(self):
        return ManifestTarget(checkpoints.encode_checkpoint(self.plan))

    def execute(self, plan):
        # The chunks are known only once the plates exist: dynamic dependencies.
        yield [SmoothChunk(shot=self.shot, first=a, last=b) for a, b in plan.chunks()]
        stages.encode(plan, self.progress())


class ShotMetrics(ShotTask):
    """E_warp of plates / stylised / final frames, SSIM and PSNR -> renders/<shot>/metrics.json."""
    stage_name = "metrics"

    def requires(self):
        return DecodeFrames(shot=self.shot)

    def output(self):
        return ManifestTarget(checkpoints.metrics_checkpoint(self.plan))

    def execute(self, plan):
        chunks = plan.chunks()
        yield [FlowChunk(shot=self.shot, first=a, last=b) for a, b in chunks] + \
              [SmoothChunk(shot=self.shot, first=a, last=b) for a, b in chunks]
        shot_metrics.shot_metrics(plan, self.progress())


class ShotReport(ShotTask):
    """renders/<shot>/report.html + report.json: contact sheet, E_warp plot, timings, config."""
    stage_name = "report"

    def requires(self):
        return [EncodeClip(shot=self.shot), ShotMetrics(shot=self.shot)]

    def output(self):
        return ManifestTarget(checkpoints.report_checkpoint(self.plan))

    def execute(self, plan):
        report.build_report(plan)


class RenderShot(luigi.WrapperTask):
    """Render one shot end to end: `luigi --module tasks RenderShot --shot s01`."""
    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def requires(self):
        return ShotReport(shot=self.shot)
