"""Streaming frames through a stage: read ahead, write behind.

A stage that walks a range of frames reads the next ones in a thread while it
computes on the current one (``read_ahead``; with several workers it also
computes independent items at once, results kept in order), and hands finished frames to a
writer pool (``WriteBehind``), so disk I/O (PNG/zlib and OpenCV release the
GIL) overlaps the work. Both are bounded: at most ``depth`` items read ahead
and ``limit`` writes pending, so memory stays flat whatever the shot's length.
"""
from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def read_ahead(items: Iterable[T], load: Callable[[T], R], depth: int = 1,
               workers: int = 1) -> Iterator[R]:
    """``load(item)`` for each item, in order, with up to ``depth`` items loaded ahead
    in ``workers`` background threads (more than one: items are loaded at once,
    so ``load`` must not depend on another item's load). An error in ``load`` is
    raised where its item is due."""
    pending: deque[Future] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="read-ahead") as pool:
        try:
            for item in source:
                pending.append(pool.submit(load, item))
                if len(pending) > depth:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:  # the consumer stopped early: drop what is queued
                fut.cancel()


class WriteBehind:
    """A writer pool with at most ``limit`` writes pending; use it as a context
    manager: leaving the block waits for every write and raises the first error."""

    def __init__(self, workers: int = 2, limit: int = 2):
        self.limit = limit
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="write-behind")
        self._pending: deque[Future] = deque()

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        self._pending.append(self._pool.submit(write, *args))
        while len(self._pending) > self.limit or (self._pending and self._pending[0].done()):
            self._pending.popleft().result()

    def __enter__(self) -> "WriteBehind":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            while self._pending:
                fut = self._pending.popleft()
                if exc_type is None:
                    fut.result()
                else:
                    fut.cancel()
        finally:
            self._pool.shutdown(wait=True)
