"""What every stage function shares: progress reports, the probed source, chunk checks.

A stage function (``pipeline/stages/<stage>.py``, ``run``) reads its inputs
from disk, writes its outputs atomically and its manifest last.
``progress(done, total, message)`` is optional.
"""
from __future__ import annotations

import logging
from typing import Callable, Optional

from pipeline.errors import MediaError
from pipeline.media.probe import SourceInfo
from pipeline.stages.table import PROBE
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan

log = logging.getLogger("shotstyle")
Progress = Optional[Callable[[int, int, str], None]]


def notify(progress: Progress, done: int, total: int, message: str) -> None:
    if progress:
        progress(done, total, message)


def source_info(plan: ShotPlan) -> SourceInfo:
    """The source as the probe stage described it."""
    data = read_manifest(plan.stage_manifest(PROBE))
    if not data or "source" not in data:
        raise RuntimeError(f"{plan.shot}: source not probed yet")
    return SourceInfo.from_dict(data["source"])


def check_chunk(plan: ShotPlan, first: int, last: int) -> None:
    lo, hi = plan.frame_range()
    if first < lo or last > hi or first > last:
        raise MediaError(f"{plan.shot}: frames {first}-{last} are outside the shot ({lo}-{hi})")
