"""pipeline.workarea.frames: the decoded frame range comes from the plates'
manifest (not ready before it), its chunks from the shot's chunk size."""
from __future__ import annotations

import pytest

from pipeline.errors import NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import PLATES
from pipeline.workarea.frames import ShotFrames


def test_no_range_before_the_plates(work):
    with pytest.raises(NotReadyError, match="plates are not decoded yet"):
        work.plan.frames.range()


def test_range_and_chunks_from_the_plates_manifest(work):
    work.done(PLATES)  # frames 1001-1010
    frames = work.plan.frames
    assert frames.range() == (1001, 1010)
    assert frames.chunks() == [Chunk(1001, 1004), Chunk(1005, 1008), Chunk(1009, 1010)]
    assert frames.chunks((1, 5)) == [Chunk(1, 4), Chunk(5, 5)]


def test_chunk_size_is_the_shots_setting(work):
    plan = work.configure(chunk_size=6)
    assert plan.frames == ShotFrames(plan.paths, 6)
    assert plan.frames.chunks((1001, 1010)) == [Chunk(1001, 1006), Chunk(1007, 1010)]
