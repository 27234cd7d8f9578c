"""Luigi tasks for shotstyle: `luigi --module tasks RenderShot --shot s01`.

Thin wiring around ``pipeline``: parameters, requirements and outputs.
"""
from tasks.shot import (DecodeFrames, EncodeClip, FlowChunk, ProbeSource,  # noqa: F401
                        RenderShot, ShotMetrics, ShotReport, SmoothChunk,
                        StylizeChunk)
from tasks.style import TrainStyle  # noqa: F401
from tasks.batch import NightlyBatch  # noqa: F401
