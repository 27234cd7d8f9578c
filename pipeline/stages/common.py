"""What every stage function shares: progress reports, the probed source, chunk folders.

A stage function (``pipeline/stages/<stage>.py``, ``run``) reads its inputs
from disk, writes its outputs atomically and its manifest last.
``progress(done, total, message)`` is optional.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Optional

from pipeline.errors import MediaError
from pipeline.media.atomic import remove_stale_temporaries
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


def chunk_folder(plan: ShotPlan, name: str, first: int, last: int) -> Path:
    """Stage ``name``'s folder, ready for chunk [first, last]: the chunk lies in
    the shot, the folder exists, temporaries a killed run left there are gone."""
    lo, hi = plan.frame_range()
    if first < lo or last > hi or first > last:
        raise MediaError(f"{plan.shot}: frames {first}-{last} are outside the shot ({lo}-{hi})")
    folder = plan.stage_dir(name)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    return folder
