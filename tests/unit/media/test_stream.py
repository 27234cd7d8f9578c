"""Read-ahead / write-behind: order kept, bounded, errors surface where they belong."""
from __future__ import annotations

import threading
import time

import pytest

from pipeline.media.stream import WriteBehind, read_ahead


def test_read_ahead_keeps_order_and_loads_at_most_depth_ahead():
    loaded: list[int] = []
    seen: list[tuple[int, int]] = []

    def load(i: int) -> int:
        loaded.append(i)
        return i * 10

    for i, value in enumerate(read_ahead(range(6), load, depth=2)):
        time.sleep(0.01)  # let the reader run as far ahead as it may
        seen.append((value, max(loaded)))
    assert [v for v, _ in seen] == [0, 10, 20, 30, 40, 50]
    assert all(ahead <= v // 10 + 2 for v, ahead in seen)



def test_read_ahead_with_workers_loads_items_at_once_and_keeps_their_order():
    together = threading.Barrier(3, timeout=10)  # broken unless 3 loads run at once

    def load(i: int) -> int:
        if i < 3:
            together.wait()
        time.sleep(0.01 * (3 - i % 3))  # later items finish first
        return i

    assert list(read_ahead(range(9), load, depth=3, workers=3)) == list(range(9))


def test_read_ahead_raises_the_error_of_the_item_that_failed():
    def load(i: int) -> int:
        if i == 2:
            raise OSError(5, "EIO on frame 2")
        return i

    got = []
    with pytest.raises(OSError, match="EIO on frame 2"):
        for value in read_ahead(range(5), load):
            got.append(value)
    assert got == [0, 1]


def test_read_ahead_stops_loading_when_the_consumer_stops():
    loaded: list[int] = []
    stream = read_ahead(range(100), lambda i: loaded.append(i) or i, depth=1)
    assert next(stream) == 0
    stream.close()
    assert len(loaded) <= 3


def test_write_behind_bounds_pending_writes_and_waits_for_all():
    running, peak, done = [0], [0], []
    lock = threading.Lock()

    def write(i: int) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.005)
        with lock:
            running[0] -= 1
            done.append(i)

    with WriteBehind(workers=2, limit=3) as writer:
        for i in range(20):
            writer.submit(write, i)
            assert len(writer._pending) <= 3
    assert sorted(done) == list(range(20)) and peak[0] <= 2


def test_write_behind_raises_a_failed_write():
    def write(i: int) -> None:
        if i == 1:
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        with WriteBehind(workers=1, limit=8) as writer:
            for i in range(3):
                writer.submit(write, i)
