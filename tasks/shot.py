"""The stages of one shot as Luigi tasks: wiring only, read from the stage table.

    ProbeSource -> DecodeFrames -> StylizeChunk x N ----> SmoothChunk x N -> EncodeClip --> ShotReport -> RenderShot
                                -> FlowChunk x N ------/  (chunk N after N-1)  ShotMetrics -/

Each task names its stage (``stage_name``, a row of ``pipeline.stages.table``);
what it requires, when it is done and what it runs all come from that row:
the tasks of the stages it reads (the same chunk of a chunked stage, every
chunk of it for a whole stage: those are dynamic dependencies, known once the
plates exist), its checkpoint, and ``pipeline/stages/<stage>.py``'s ``run``.
"""
from __future__ import annotations

from typing import Optional

import luigi

from pipeline.stages.table import (ENCODE, FINAL, FLOW, METRICS, PLATES, PROBE, REPORT, STYLED)
from pipeline.workarea.plan import ShotPlan
from tasks.base import ChunkTask, StageTask, task_for
from tasks.style import TrainStyle

class ProbeSource(StageTask):
    """Read the source's frame count, rate, size, audio and timecode."""
    stage_name = PROBE


class DecodeFrames(StageTask):
    """Decode the source to work/<shot>/plates/<shot>.%04d.png."""
    stage_name = PLATES


class FlowChunk(ChunkTask):
    """Optical flow between consecutive plates of one chunk -> work/<shot>/flow/."""
    stage_name = FLOW


class StylizeChunk(ChunkTask):
    """Run the style's generator over one chunk of plates -> work/<shot>/styled/."""
    stage_name = STYLED
    resources = {"gpu": 1}

    def extra_requires(self, plan: Optional[ShotPlan]) -> list:
        # A style trained here is trained before any frame is stylised with it.
        if plan is not None and plan.style.train is not None:
            return [TrainStyle(style=plan.cfg.style)]
        return []


class SmoothChunk(ChunkTask):
    """Temporal smoothing of one chunk -> work/<shot>/final/ (after the chunk before it)."""
    stage_name = FINAL


class EncodeClip(StageTask):
    """Encode renders/<shot>/<shot>_styled.{mov,mp4} and publish the frames."""
    stage_name = ENCODE


class ShotMetrics(StageTask):
    """E_warp of plates / stylised / final frames, SSIM and PSNR -> renders/<shot>/metrics.json."""
    stage_name = METRICS


class ShotReport(StageTask):
    """renders/<shot>/report.html + report.json: contact sheet, E_warp plot, timings, config."""
    stage_name = REPORT


class RenderShot(luigi.WrapperTask):
    """Render one shot end to end: `luigi --module tasks RenderShot --shot s01`."""
    shot = luigi.Parameter(description="shot name: configs/shots/<shot>.yaml")

    def requires(self):
        return task_for(REPORT)(shot=self.shot)
