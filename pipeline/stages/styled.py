"""The styled stage: the style's generator over one chunk of plates -> ``work/<shot>/styled/``.

Frames stream through the model: the next batches are read ahead while the
model runs and finished frames are written behind (``pipeline.media.stream``),
so at most a few batches are in memory at once, whatever the shot's length.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np

from pipeline.graph.table import PLATES, STYLED
from pipeline.media.imageio import read_rgb, write_rgb
from pipeline.media.stream import WriteBehind, read_ahead
from pipeline.stages.common import StageRun, chunk_folder, log
from pipeline.workarea.plan import OPENVINO_CACHE_DIR


def run(ctx: StageRun) -> dict:
    # Imported here so that scheduling (and a worker's parent process) never
    # loads torch or touches CUDA; only the process that runs the chunk does.
    from models.stylizer import ready_stylizer

    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    chunk_folder(ctx)
    t0 = time.monotonic()
    p = plan.pipeline
    stylizer, setup = ready_stylizer(plan.style.checkpoint, plan.style.format, plan.style.model,
                                     device=p.device, precision=p.precision, backend=p.cpu_backend,
                                     tile_size=p.tile_size, tile_overlap=p.tile_overlap,
                                     threads=p.threads,
                                     openvino_cache=p.work_root / OPENVINO_CACHE_DIR)
    device, dtype, threads, backend = setup.device, setup.dtype, setup.threads, setup.backend
    log.info("%s: stylising %d-%d on %s with %s in %s", plan.shot, first, last, device,
             setup.backend_name, setup.precision_reason)
    pairs = [(plan.paths.frame_file(PLATES, f), plan.paths.frame_file(STYLED, f))
             for f in range(first, last + 1)]
    t1 = time.monotonic()
    n = stylize_files(pairs, stylizer, plan.settings.batch_size, plan.pipeline.png_compression,
                      progress=lambda d, t: ctx.notify(d, t, f"stylising {first}-{last}"))
    seconds = time.monotonic() - t1
    stats = {"device": str(device), "backend": backend, "dtype": str(dtype or "float32"),
             "threads": threads,
             "batch_size": plan.settings.batch_size,
             "frames_per_s": round(n / max(seconds, 1e-6), 3),
             "seconds": round(time.monotonic() - t0, 3), "arch": setup.arch}
    ctx.commit(**stats)
    log.info("%s: stylised %d-%d on %s (%s) at %.2f frames/s", plan.shot, first, last, device,
             stats["dtype"], stats["frames_per_s"])
    return stats


def stylize_files(pairs: Sequence[tuple[Path, Path]], stylizer: Callable[[np.ndarray], np.ndarray],
                  batch_size: int, png_compression: int = 1, prefetch: int = 2,
                  progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Stylise (input, output) file pairs in batches; returns frames written.

    Frames of one batch must share a size (they do within a shot).
    """
    batches = [pairs[i:i + batch_size] for i in range(0, len(pairs), batch_size)]
    done = 0

    def load(batch: Sequence[tuple[Path, Path]]) -> tuple[list[Path], np.ndarray]:
        return [dst for _, dst in batch], np.stack([read_rgb(src) for src, _ in batch])

    with WriteBehind(workers=2, limit=2 * batch_size) as writer:
        for dsts, frames in read_ahead(batches, load, depth=prefetch):
            for dst, frame in zip(dsts, stylizer(frames)):
                writer.submit(write_rgb, dst, frame, png_compression)
            done += len(dsts)
            if progress:
                progress(done, len(pairs))
    return done
