"""What every stage function shares: its ``StageRun``, progress reports, the
probed source, chunk folders.

A stage function (``pipeline/stages/<stage>.py``, ``run(ctx)``, listed in
``pipeline.stages.registry.RUN``) gets a ``StageRun``: the shot's plan, the chunk it
runs (None for a stage that is not chunked) and where progress goes. It reads
its inputs from disk, writes its outputs atomically and, last, its manifest
with ``ctx.commit(**fields)``. ``progress(done, total, message)`` is optional.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional

from pipeline.errors import MediaError, NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.graph.nodes import Node
from pipeline.graph.table import PROBE
from pipeline.media.atomic import remove_stale_temporaries
from pipeline.media.probe import SourceInfo
from pipeline.workarea.manifest import read_manifest, write_manifest
from pipeline.workarea.plan import ShotPlan

log = logging.getLogger("shotstyle")
Progress = Optional[Callable[[int, int, str], None]]


def notify(progress: Progress, done: int, total: int, message: str) -> None:
    if progress:
        progress(done, total, message)


@dataclass(frozen=True)
class StageRun:
    """One run of a stage (or of one chunk of a chunked stage) for a shot."""

    plan: ShotPlan
    stage: str
    chunk: Optional[Chunk] = None
    progress: Progress = None

    @property
    def node(self) -> Node:
        return Node(self.stage, self.chunk)

    @property
    def manifest(self) -> Path:
        """The stage's (or chunk's) manifest: written last, by ``commit``."""
        if self.chunk is None:
            return self.plan.paths.stage_manifest(self.stage)
        return self.plan.paths.chunk_manifest(self.stage, self.chunk)

    @property
    def key(self) -> str:
        """The key its manifest carries (``plan.keys.key``, ``plan.keys.chunk_key``)."""
        if self.chunk is None:
            return self.plan.keys.key(self.stage)
        return self.plan.keys.chunk_key(self.stage, self.chunk)

    def notify(self, done: int, total: int, message: str) -> None:
        notify(self.progress, done, total, message)

    def commit(self, frames: Optional[tuple[int, int]] = None, **fields: Any) -> dict:
        """Write the manifest that marks the stage (chunk) done, last: its stage,
        shot and key, its ``frames`` (a chunk's by default) and ``fields``."""
        if frames is None and self.chunk is not None:
            frames = (self.chunk.first, self.chunk.last)
        return write_manifest(self.manifest, stage=self.stage, shot=self.plan.shot,
                              key=self.key, frames=frames, **fields)


def source_info(plan: ShotPlan) -> SourceInfo:
    """The source as the probe stage described it."""
    data = read_manifest(plan.paths.stage_manifest(PROBE))
    if not data or "source" not in data:
        raise NotReadyError(f"{plan.shot}: source not probed yet")
    return SourceInfo.from_dict(data["source"])


def chunk_folder(ctx: StageRun) -> Path:
    """The stage's folder, ready for its chunk: the chunk lies in the shot, the
    folder exists, temporaries a killed run left there are gone."""
    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    lo, hi = plan.frames.range()
    if first < lo or last > hi or first > last:
        raise MediaError(f"{plan.shot}: frames {first}-{last} are outside the shot ({lo}-{hi})")
    folder = plan.paths.stage_dir(ctx.stage)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    return folder
