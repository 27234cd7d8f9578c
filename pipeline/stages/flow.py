"""The flow stage: optical flow between consecutive plates, per chunk.

The flow from each plate to the one before it, and the reverse with
``smoothing.flow_occlusion: forward_backward`` (``FlowPair.compute``); the
cache, ``work/<shot>/flow/<shot>.<frame>.npz``, keeps what smoothing reads:
the flow from frame to frame-1 and its occlusion mask
(``pipeline.temporal.flow.FlowPair``). The chunk's manifest holds a scene-cut
score per frame, the cuts and the plates' E_warp per frame (``FrameMetrics``,
for the metrics stage). Depends on the
plates only, so every flow chunk can run at once, alongside stylising.

Each plate is read, turned grey (for DIS) and histogrammed (for the cut score)
once, and frame t-1 is warped onto frame t once by the stored flow for both the
cut score and the plates' E_warp: the numbers are those of ``FlowPair.compute``,
``scene_cut_score`` and ``FrameMetrics.warp_errors`` called one by one.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from pipeline.errors import MediaError, NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FLOW, PLATES
from pipeline.media.imageio import read_rgb
from pipeline.stages.common import StageRun, chunk_folder, log
from pipeline.temporal.cuts import cut_score, hue_sat_hist
from pipeline.temporal.flow import FlowPair, grey, remap, sample_maps
from pipeline.temporal.metrics import FrameMetrics
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


@dataclass
class _Plate:
    """A plate and what each pair it is in needs of it, made once."""

    rgb: np.ndarray

    @cached_property
    def grey(self) -> np.ndarray:
        return grey(self.rgb)

    @cached_property
    def hist(self) -> np.ndarray:
        return hue_sat_hist(self.rgb)


def run(ctx: StageRun) -> dict:
    """Flows (and cut scores) for the pairs (f-1, f), f in the chunk."""
    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    chunk_folder(ctx)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    start = plan.cfg.first_frame
    prev = _Plate(read_rgb(plan.paths.frame_file(PLATES, first - 1))) if first > start else None
    cuts: list[int] = []
    scores: dict[str, list[float]] = {}
    metrics = FrameMetrics()
    for i, f in enumerate(range(first, last + 1)):
        cur = _Plate(read_rgb(plan.paths.frame_file(PLATES, f)))
        if prev is not None:
            if prev.rgb.shape != cur.rgb.shape:
                (h, w), (ph, pw) = cur.rgb.shape[:2], prev.rgb.shape[:2]
                raise MediaError(f"{plan.shot}: plate {f} is {w}x{h}, plate {f - 1} is {pw}x{ph}")
            # Rounded as stored, with its occlusion mask: exactly what smoothing reads.
            stored = FlowPair.compute(prev.rgb, cur.rgb, settings.flow_scale, settings.flow_preset,
                                      settings.flow_occlusion, (prev.grey, cur.grey)).for_storage()
            stored.save(plan.paths.frame_file(FLOW, f))
            reliable = stored.reliable()
            aligned = remap(prev.rgb, sample_maps(stored.cur_to_prev))  # warp(prev, flow)
            score = cut_score(aligned, cur.rgb, reliable, prev.hist, cur.hist)
            scores[str(f)] = [round(score.unreliable, 4), round(score.residual, 4),
                              round(score.histogram, 4)]
            if score.is_cut:
                cuts.append(f)
            else:  # the plates' own E_warp, for the metrics (pairs across a cut are left out)
                metrics.warp_errors_aligned(f, {PLATES: aligned}, {PLATES: cur.rgb}, reliable)
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
