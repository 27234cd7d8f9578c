"""The flow stage: optical flow between consecutive plates, per chunk.

Both directions are computed; the cache, ``work/<shot>/flow/<shot>.<frame>.npz``,
keeps what smoothing reads: the flow from frame to frame-1 and its occlusion
mask (``pipeline.temporal.flow.FlowPair``). The chunk's manifest holds a
scene-cut score per frame, the cuts and the plates' E_warp per frame
(``FrameMetrics``, for the metrics stage). Depends on the
plates only, so every flow chunk can run at once, alongside stylising.
"""
from __future__ import annotations

import time

from pipeline.errors import MediaError
from pipeline.media.imageio import read_rgb
from pipeline.stages.common import Progress, chunk_folder, log, notify
from pipeline.stages.table import FLOW, PLATES
from pipeline.temporal.cuts import scene_cut_score
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import FrameMetrics
from pipeline.workarea.manifest import read_manifest, write_manifest
from pipeline.workarea.plan import ShotPlan


def run(plan: ShotPlan, first: int, last: int, progress: Progress = None) -> dict:
    """Flows (and cut scores) for the pairs (f-1, f), f in [first, last]."""
    chunk_folder(plan, FLOW, first, last)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    start = plan.cfg.first_frame
    prev = read_rgb(plan.frame_file(PLATES, first - 1)) if first > start else None
    cuts: list[int] = []
    scores: dict[str, list[float]] = {}
    metrics = FrameMetrics()
    for i, f in enumerate(range(first, last + 1)):
        cur = read_rgb(plan.frame_file(PLATES, f))
        if prev is not None:
            if prev.shape != cur.shape:
                raise MediaError(f"{plan.shot}: plate {f} is {cur.shape[1]}x{cur.shape[0]}, "
                                 f"plate {f - 1} is {prev.shape[1]}x{prev.shape[0]}")
            # Rounded as stored, with its occlusion mask: exactly what smoothing reads.
            stored = FlowPair.compute(prev, cur, settings.flow_scale,
                                      settings.flow_preset).for_storage()
            stored.save(plan.frame_file(FLOW, f))
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
        notify(progress, i + 1, last - first + 1, f"flow {first}-{last}")
    seconds = time.monotonic() - t0
    write_manifest(plan.chunk_manifest(FLOW, first, last), stage=FLOW, shot=plan.shot,
                   key=plan.chunk_key(FLOW, first, last), frames=(first, last), cuts=cuts,
                   cut_scores=scores, cut_score_fields=["unreliable", "residual", "histogram"],
                   metrics=metrics.to_json(),
                   frames_per_s=round((last - first + 1) / max(seconds, 1e-6), 3),
                   seconds=round(seconds, 3))
    if cuts:
        log.info("%s: scene cut before frame(s) %s", plan.shot, ", ".join(map(str, cuts)))
    return {"cuts": cuts, "seconds": seconds}


def chunk_cuts(plan: ShotPlan, first: int, last: int) -> set[int]:
    """Frames in [first, last] that start a new scene, from the flow chunk's manifest."""
    data = read_manifest(plan.chunk_manifest(FLOW, first, last))
    if not data or data.get("key") != plan.chunk_key(FLOW, first, last):
        raise RuntimeError(f"{plan.shot}: flow {first}-{last} is not computed yet")
    return {int(f) for f in data.get("cuts", [])}


def shot_cuts(plan: ShotPlan) -> list[int]:
    """Frames of the whole shot that start a new scene, from the flow chunks' manifests."""
    cuts: list[int] = []
    for a, b in plan.chunks():
        data = read_manifest(plan.chunk_manifest(FLOW, a, b)) or {}
        cuts.extend(int(f) for f in data.get("cuts", []))
    return sorted(cuts)
