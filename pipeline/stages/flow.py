"""The flow stage: optical flow between consecutive plates, per chunk.

The flow from each plate to the one before it, and the reverse with
``smoothing.flow_occlusion: forward_backward`` (``FlowPair.compute``); the
cache, ``work/<shot>/flow/<shot>.<frame>.npz``, keeps what smoothing reads:
the flow from frame to frame-1 and its occlusion mask
(``pipeline.temporal.flow.FlowPair``). The chunk's manifest holds a scene-cut
score per frame, the cuts and the plates' E_warp per frame (``FrameMetrics``,
for the metrics stage). Depends on the
plates only, so every flow chunk can run at once, alongside stylising.
"""
from __future__ import annotations

import time

from pipeline.errors import MediaError, NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FLOW, PLATES
from pipeline.media.imageio import read_rgb
from pipeline.stages.common import StageRun, chunk_folder, log
from pipeline.temporal.cuts import scene_cut_score
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import FrameMetrics
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


def run(ctx: StageRun) -> dict:
    """Flows (and cut scores) for the pairs (f-1, f), f in the chunk."""
    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    chunk_folder(ctx)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    start = plan.cfg.first_frame
    prev = read_rgb(plan.paths.frame_file(PLATES, first - 1)) if first > start else None
    cuts: list[int] = []
    scores: dict[str, list[float]] = {}
    metrics = FrameMetrics()
    for i, f in enumerate(range(first, last + 1)):
        cur = read_rgb(plan.paths.frame_file(PLATES, f))
        if prev is not None:
            if prev.shape != cur.shape:
                raise MediaError(f"{plan.shot}: plate {f} is {cur.shape[1]}x{cur.shape[0]}, "
                                 f"plate {f - 1} is {prev.shape[1]}x{prev.shape[0]}")
            # Rounded as stored, with its occlusion mask: exactly what smoothing reads.
            stored = FlowPair.compute(prev, cur, settings.flow_scale, settings.flow_preset,
                                      settings.flow_occlusion).for_storage()
            stored.save(plan.paths.frame_file(FLOW, f))
            reliable = stored.reliable()
            score = scene_cut_score(prev, cur, stored.cur_to_prev, reliable)
            scores[str(f)] = [round(score.unreliable, 4), round(score.residual, 4),
                              round(score.histogram, 4)]
            if score.is_cut:
                cuts.append(f)
            else:  # the plates' own E_warp, for the metrics (pairs across a cut are left out)
                metrics.warp_errors(f, {PLATES: prev}, {PLATES: cur}, stored.cur_to_prev,
                                    reliable)
        prev = cur
        ctx.notify(i + 1, last - first + 1, f"flow {first}-{last}")
    seconds = time.monotonic() - t0
    ctx.commit(cuts=cuts, cut_scores=scores,
               cut_score_fields=["unreliable", "residual", "histogram"],
               metrics=metrics.to_json(),
               frames_per_s=round((last - first + 1) / max(seconds, 1e-6), 3),
               seconds=round(seconds, 3))
    if cuts:
        log.info("%s: scene cut before frame(s) %s", plan.shot, ", ".join(map(str, cuts)))
    return {"cuts": cuts, "seconds": seconds}


def chunk_cuts(plan: ShotPlan, chunk: Chunk) -> set[int]:
    """Frames of ``chunk`` that start a new scene, from the flow chunk's manifest."""
    data = read_manifest(plan.paths.chunk_manifest(FLOW, chunk))
    if not data or data.get("key") != plan.keys.chunk_key(FLOW, chunk):
        raise NotReadyError(f"{plan.shot}: flow {chunk.first}-{chunk.last} is not computed yet")
    return {int(f) for f in data.get("cuts", [])}


def shot_cuts(plan: ShotPlan) -> list[int]:
    """Frames of the whole shot that start a new scene, from the flow chunks' manifests."""
    cuts: list[int] = []
    for chunk in plan.frames.chunks():
        data = read_manifest(plan.paths.chunk_manifest(FLOW, chunk)) or {}
        cuts.extend(int(f) for f in data.get("cuts", []))
    return sorted(cuts)
