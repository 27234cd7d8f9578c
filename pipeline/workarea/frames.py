"""A shot's decoded frames: the range the plates stage's manifest records, and
its chunks.

This is the one part of a shot's plan that reads the work area rather than the
configs: the frame range is known once the plates are decoded (before that,
NotReadyError), and its chunks are laid out from it (``pipeline.graph.chunks``)
with the shot's chunk size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pipeline.errors import NotReadyError
from pipeline.graph.chunks import Chunk, layout
from pipeline.graph.table import FRAME_RANGE_FROM
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.paths import ShotPaths


@dataclass(frozen=True)
class ShotFrames:
    paths: ShotPaths
    chunk_size: int

    def range(self) -> tuple[int, int]:
        """The decoded frame range (first, last); needs the plates stage's manifest."""
        data = read_manifest(self.paths.stage_manifest(FRAME_RANGE_FROM))
        if not data or not data.get("frames"):
            raise NotReadyError(f"{self.paths.shot}: plates are not decoded yet")
        first, last = data["frames"]
        return int(first), int(last)

    def chunks(self, frames: Optional[tuple[int, int]] = None) -> list[Chunk]:
        """The chunks of the decoded frame range (NotReadyError before the plates
        are decoded), or of ``frames`` (first, last)."""
        first, last = frames or self.range()
        return layout(first, last, self.chunk_size)
