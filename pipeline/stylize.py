"""Stream a frame range through a Stylizer: read ahead, infer in batches, write behind.

A reader thread keeps the next batches decoded while the model runs and a
writer pool encodes finished frames, so disk I/O overlaps compute. At most a
few batches are in memory at once, whatever the shot's length.
"""
from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from pipeline.imageio import read_rgb, write_rgb

_DONE = object()


def _batches(seq: Sequence, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def stylize_files(pairs: Sequence[tuple[Path, Path]], stylizer: Callable[[np.ndarray], np.ndarray],
                  batch_size: int, png_compression: int = 1, prefetch: int = 2,
                  progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Stylise (input, output) file pairs; returns frames written.

    Frames of one batch must share a size (they do within a shot).
    """
    total = len(pairs)
    q: queue.Queue = queue.Queue(maxsize=prefetch)
    stop = threading.Event()

    def reader() -> None:
        try:
            for batch in _batches(list(pairs), batch_size):
                if stop.is_set():
                    return
                frames = np.stack([read_rgb(src) for src, _ in batch])
                q.put(([dst for _, dst in batch], frames))
            q.put(_DONE)
        except BaseException as exc:  # hand the error to the consumer
            q.put(exc)

    thread = threading.Thread(target=reader, name="frame-prefetch", daemon=True)
    thread.start()
    done = 0
    pending: list[Future] = []
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="frame-write") as writers:
        try:
            while True:
                item = q.get()
                if item is _DONE:
                    break
                if isinstance(item, BaseException):
                    raise item
                dsts, frames = item
                out = stylizer(frames)
                # Bound the write-behind queue so memory stays flat.
                while len(pending) > 2 * batch_size:
                    pending.pop(0).result()
                pending.extend(writers.submit(write_rgb, d, f, png_compression)
                               for d, f in zip(dsts, out))
                done += len(dsts)
                if progress:
                    progress(done, total)
            for fut in pending:
                fut.result()
        finally:
            stop.set()
            while thread.is_alive():  # unblock a reader waiting on a full queue
                try:
                    q.get_nowait()
                except queue.Empty:
                    thread.join(0.05)
    return done
