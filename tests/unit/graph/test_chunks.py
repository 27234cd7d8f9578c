"""pipeline.graph.chunks: one layout of a shot's frames in chunks, one label per chunk."""
from __future__ import annotations

from pipeline.graph.chunks import Chunk, layout, previous


def test_layout_covers_the_range_exactly_from_its_first_frame():
    assert layout(1001, 1010, 4) == [Chunk(1001, 1004), Chunk(1005, 1008), Chunk(1009, 1010)]
    assert layout(1001, 1001, 48) == [Chunk(1001, 1001)]
    chunks = layout(1, 100, 7)
    assert [f for c in chunks for f in c.frames] == list(range(1, 101))
    assert all(len(c) == 7 for c in chunks[:-1]) and len(chunks[-1]) == 2


def test_a_chunk_has_one_label():
    assert Chunk(1001, 1048).label == str(Chunk(1001, 1048)) == "1001-1048"
    assert Chunk(1, 48).label == "0001-0048"  # four digits, as frame file names
    assert Chunk(99999, 100002).label == "99999-100002"


def test_previous_chunk_needs_only_the_first_frame():
    chunks = layout(1001, 1010, 4)
    assert [previous(c, 1001, 4) for c in chunks] == [None, chunks[0], chunks[1]]


def test_overlaps_and_order():
    c = Chunk(1005, 1008)
    assert c.overlaps(1008, 1020) and c.overlaps(1000, 1005) and not c.overlaps(1009, 1010)
    assert sorted([Chunk(1009, 1010), Chunk(1001, 1004)]) == [Chunk(1001, 1004), Chunk(1009, 1010)]
