"""Chunks of frames: how a shot's frames are split, and a chunk's one label.

Chunked stages (``Stage.chunked``) run per chunk, so that a failure re-runs
one chunk, not the shot, and several workers share a shot. A shot's chunks are
laid out from its first frame, ``chunk_size`` frames each, the last one
shorter: ``layout`` is the only place that knows it, whether the range comes
from the plates' manifest (``plan.frames.chunks``) or from probing the
source (``pipeline.openjd``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True, order=True)
class Chunk:
    """Frames ``first`` to ``last``, both included."""

    first: int
    last: int

    @property
    def label(self) -> str:
        """``1001-1048``: how manifests (``chunks/<label>.json``), logs
        (``<stage>.<label>.log``), status, rerun and the OpenJD steps name it."""
        return f"{self.first:04d}-{self.last:04d}"

    @property
    def frames(self) -> range:
        return range(self.first, self.last + 1)

    def __len__(self) -> int:
        return self.last - self.first + 1

    def overlaps(self, first: int, last: int) -> bool:
        """Whether any frame of [first, last] lies in this chunk."""
        return self.first <= last and self.last >= first

    def __str__(self) -> str:
        return self.label


def layout(first: int, last: int, size: int) -> list[Chunk]:
    """The chunks of frames [first, last]: ``size`` frames each from ``first``,
    the last one shorter."""
    return [Chunk(a, min(a + size - 1, last)) for a in range(first, last + 1, size)]


def previous(chunk: Chunk, start: int, size: int) -> Optional[Chunk]:
    """The chunk before ``chunk`` in the layout of a shot that starts at frame
    ``start`` (``size`` frames a chunk), or None for the shot's first chunk.
    Needs only the shot's first frame, not its last: known before decoding."""
    if chunk.first <= start:
        return None
    return Chunk(max(start, chunk.first - size), chunk.first - 1)
