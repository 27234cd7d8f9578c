"""Luigi tasks for shotstyle: `luigi --module tasks RenderShot --shot s01`.

Thin wiring around ``pipeline``: parameters, requirements and outputs.
"""
from tasks.shot import (DecodeFrames, EncodeClip, ProbeSource, RenderShot,  # noqa: F401
                        SmoothChunk, StylizeChunk)
from tasks.style import TrainStyle  # noqa: F401
