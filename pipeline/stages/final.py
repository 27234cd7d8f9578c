"""The final stage: temporal smoothing of one chunk of stylised frames -> ``work/<shot>/final/``.

``pipeline.temporal.smoother.FlowSmoother`` over the chunk, with the plates'
flow and masks from the flow cache and the cuts from the flow chunk's
manifest. A chunk continues from the last final frame of the chunk before it
(read back from disk, lossless), so the frames do not depend on the chunk size.

On a CUDA host (the pipeline's ``device``) the smoothing and its metrics run in
torch on the GPU, elsewhere in OpenCV (``pipeline.temporal.torch_path``
chooses); either way frames are read ahead and written behind, so PNG and
flow-cache I/O overlaps the per-frame work. On the OpenCV path the metrics of
frame t are also scored behind, on one thread of their own, while frame t+1 is
smoothed (``scoring``): the smoother is recurrent and so runs on one thread,
and the metrics cost about as much again (issue #23).
"""
from __future__ import annotations

import time
from contextlib import closing
from typing import Any, Callable, Optional, Union

from pipeline.graph.table import FINAL, FLOW, STYLED
from pipeline.media.atomic import link_or_copy
from pipeline.media.imageio import read_rgb, write_rgb
from pipeline.media.stream import WriteBehind, read_ahead
from pipeline.stages.common import StageRun, chunk_folder, log
from pipeline.stages.flow import chunk_cuts
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import FrameMetrics
from pipeline.temporal.smoother import Motion
from pipeline.temporal.torch_path import path_name, smoothing_for
from pipeline.workarea.plan import ShotPlan


def load_motion(plan: ShotPlan, frame: int, cut: bool) -> Motion:
    """The plates' motion from frame-1 to frame, read from the flow cache."""
    pair = FlowPair.load(plan.paths.frame_file(FLOW, frame))
    return Motion(pair.cur_to_prev, pair.reliable(), cut)


#: Frames whose metrics may wait for the scoring thread (``scoring``); each holds
#: its stylised and final frames, flow and mask, so memory stays flat.
SCORING_BACKLOG = 2


class InLine:
    """``WriteBehind``'s interface, running each call at once in the caller's thread."""

    def submit(self, work: Callable[..., Any], *args: Any) -> None:
        work(*args)

    def __enter__(self) -> "InLine":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        return None


def scoring(path: str) -> Union[WriteBehind, InLine]:
    """Where ``score`` runs for a smoothing ``path`` (``path_name``).

    OpenCV: on one background thread (OpenCV and NumPy release the GIL), at most
    ``SCORING_BACKLOG`` frames behind the smoother. One worker takes the frames
    in order, so the rows and the float sums of ``FrameMetrics`` accumulate as
    they do frame by frame and the manifest is the same; an error is raised in
    the stage (at a later frame, or when the block is left). The torch path
    scores in line: its metrics share the smoother's uploads
    (``DeviceFrames``, not made for two threads) and on a GPU they are cheap.
    """
    if path == "opencv":
        return WriteBehind(workers=1, limit=SCORING_BACKLOG)
    return InLine()


def score(metrics: FrameMetrics, frame: int, previous: dict, current: dict,
          motion: Optional[Motion]) -> None:
    """Frame t's metrics: the final frame against the stylised one, and (unless t
    starts the shot or a scene) the E_warp of both sequences from frame t-1."""
    metrics.versus(frame, current[FINAL], current[STYLED])
    if motion is not None and not motion.scene_cut:
        metrics.warp_errors(frame, previous, current, motion.flow_cur_to_prev, motion.reliable)


def run(ctx: StageRun) -> dict:
    """Smooth the chunk's stylised frames into work/<shot>/final/."""
    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    chunk_folder(ctx)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    n = last - first + 1
    frames = range(first, last + 1)
    # Scored in passing (E_warp of the stylised and final frames, SSIM/PSNR of one
    # against the other) for the metrics stage; without flow it scores them itself.
    metrics = FrameMetrics()
    path = None  # method none: the stylised frames, copied
    if settings.method == "none":
        for i, f in enumerate(frames):
            link_or_copy(plan.paths.frame_file(STYLED, f), plan.paths.frame_file(FINAL, f))
            ctx.notify(i + 1, n, f"smoothing {first}-{last}")
        cuts: set[int] = set()
    else:
        cuts = chunk_cuts(plan, ctx.chunk)
        start = plan.cfg.first_frame
        smoother, metrics = smoothing_for(settings.strength, settings.method,
                                          plan.pipeline.device)
        path = path_name(smoother)
        log.info("%s: smoothing %d-%d with %s", plan.shot, first, last, path)
        previous: dict = {}  # frame t-1's stylised and final frames, for the metrics
        if first > start:
            previous = {STYLED: read_rgb(plan.paths.frame_file(STYLED, first - 1)),
                        FINAL: read_rgb(plan.paths.frame_file(FINAL, first - 1))}
            smoother.reset(previous[FINAL])

        def load(f: int) -> tuple:
            motion = None if f == start else load_motion(plan, f, f in cuts)
            return read_rgb(plan.paths.frame_file(STYLED, f)), motion

        with WriteBehind(workers=2, limit=2) as writer, scoring(path) as scorer, \
                closing(read_ahead(frames, load)) as ahead:
            for i, (f, (styled, motion)) in enumerate(zip(frames, ahead)):
                final = smoother.smooth(styled, motion)
                writer.submit(write_rgb, plan.paths.frame_file(FINAL, f), final,
                              plan.pipeline.png_compression)
                current = {STYLED: styled, FINAL: final}
                scorer.submit(score, metrics, f, previous, current, motion)
                previous = current
                ctx.notify(i + 1, n, f"smoothing {first}-{last}")
    seconds = time.monotonic() - t0
    stats = {"method": settings.method, "strength": settings.strength,
             "cuts": sorted(cuts), "frames_per_s": round(n / max(seconds, 1e-6), 3),
             "seconds": round(seconds, 3), "smoothed_with": path}
    ctx.commit(**stats, **({"metrics": metrics.to_json()} if metrics.rows else {}))
    return stats
