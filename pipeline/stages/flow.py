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
once; pairs are computed on several threads at once (``pair_workers``), their
results taken in frame order. Frame t-1 is warped onto frame t once by the
stored flow for both the cut score and the plates' E_warp: the numbers are
those of ``FlowPair.compute``, ``scene_cut_score`` and
``FrameMetrics.warp_errors`` called one by one.
"""
from __future__ import annotations

import os
import time
from contextlib import closing
from dataclasses import dataclass
from typing import Iterator, Optional

import numpy as np

from pipeline.errors import MediaError, NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FLOW, PLATES
from pipeline.media.imageio import read_rgb
from pipeline.media.stream import read_ahead
from pipeline.stages.common import StageRun, chunk_folder, log
from pipeline.temporal.cuts import cut_score, hue_sat_hist
from pipeline.temporal.flow import FlowPair, grey, remap, sample_maps
from pipeline.temporal.metrics import FrameMetrics
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


@dataclass
class _Plate:
    """A plate and what each pair it is in needs of it, made once (``_read_plate``)."""

    frame: int
    rgb: np.ndarray
    grey: np.ndarray
    hist: np.ndarray


@dataclass
class _PairResult:
    """What the chunk's manifest keeps of one pair (frame-1, frame)."""

    frame: int
    scores: list[float]
    is_cut: bool
    metrics: FrameMetrics


#: Pairs computed at once, at most (``pipeline.threads`` permitting): DIS and
#: most of the mask release the GIL, so a pair per core fills a host; each pair
#: in flight holds a few frame-sized float32 arrays (about 150 MB at 4K), so
#: more than this only costs memory (a big host runs several chunks at once).
MOST_PAIRS_AT_ONCE = 4


def pair_workers(threads: int) -> int:
    """Pairs computed at once for ``pipeline.threads`` (0: one per usable core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(threads or cores or 1, MOST_PAIRS_AT_ONCE))


def run(ctx: StageRun) -> dict:
    """Flows (and cut scores) for the pairs (f-1, f), f in the chunk.

    Plates are read (and made grey and histogrammed) in order in one thread;
    the pairs are computed on ``pair_workers`` threads at once, each writing its
    own flow file, and their results taken in frame order: the files and the
    manifest are those of one pair after the other."""
    plan, first, last = ctx.plan, ctx.chunk.first, ctx.chunk.last
    chunk_folder(ctx)
    t0 = time.monotonic()
    workers = pair_workers(plan.pipeline.threads)
    start = plan.cfg.first_frame
    plates = read_ahead(range(max(first - 1, start), last + 1),
                        lambda f: _read_plate(plan, f), depth=workers)
    cuts: list[int] = []
    scores: dict[str, list[float]] = {}
    metrics = FrameMetrics()
    with closing(plates), closing(read_ahead(_pairs(plates, first), lambda pair: _pair(plan, *pair),
                                             depth=2 * workers, workers=workers)) as results:
        for i, result in enumerate(results):
            if result is not None:
                scores[str(result.frame)] = result.scores
                if result.is_cut:
                    cuts.append(result.frame)
                metrics.merge(result.metrics)
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


def _read_plate(plan: ShotPlan, frame: int) -> _Plate:
    rgb = read_rgb(plan.paths.frame_file(PLATES, frame))
    return _Plate(frame, rgb, grey(rgb), hue_sat_hist(rgb))


def _pairs(plates: Iterator[_Plate], first: int) -> Iterator[tuple[Optional[_Plate], _Plate]]:
    """(plate f-1, plate f) for each frame f of the chunk from ``first`` on (the
    plate before it, when read, is only a previous one); (None, plate) for the
    shot's first frame, which has no pair."""
    prev = None
    for cur in plates:
        if cur.frame >= first:
            yield prev, cur
        prev = cur


def _pair(plan: ShotPlan, prev: Optional[_Plate], cur: _Plate) -> Optional[_PairResult]:
    """The flow file of the pair (prev, cur), its cut score and the plates' E_warp."""
    if prev is None:
        return None
    f = cur.frame
    if prev.rgb.shape != cur.rgb.shape:
        (h, w), (ph, pw) = cur.rgb.shape[:2], prev.rgb.shape[:2]
        raise MediaError(f"{plan.shot}: plate {f} is {w}x{h}, plate {f - 1} is {pw}x{ph}")
    settings = plan.cfg.smoothing
    # Rounded as stored, with its occlusion mask: exactly what smoothing reads.
    stored = FlowPair.compute(prev.rgb, cur.rgb, settings.flow_scale, settings.flow_preset,
                              settings.flow_occlusion, (prev.grey, cur.grey)).for_storage()
    stored.save(plan.paths.frame_file(FLOW, f))
    reliable = stored.reliable()
    aligned = remap(prev.rgb, sample_maps(stored.cur_to_prev))  # warp(prev, flow)
    score = cut_score(aligned, cur.rgb, reliable, prev.hist, cur.hist)
    metrics = FrameMetrics()
    if not score.is_cut:  # the plates' own E_warp, for the metrics (pairs across a cut are left out)
        metrics.warp_errors_aligned(f, {PLATES: aligned}, {PLATES: cur.rgb}, reliable)
    return _PairResult(f, [round(score.unreliable, 4), round(score.residual, 4),
                           round(score.histogram, 4)], score.is_cut, metrics)


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
