"""The flow and smoothing stages of a shot (plain functions; see ``pipeline.stages``).

* ``flow_chunk``: optical flow between consecutive plates, both directions,
  cached as ``work/<shot>/flow/<shot>.<frame>.npz`` (the flows between frame-1
  and frame), plus a scene-cut score per frame in the chunk's manifest. Depends
  on the plates only, so every flow chunk can run at once, alongside stylising.
* ``smooth_chunk``: ``pipeline.temporal.FlowSmoother`` over one chunk of
  stylised frames -> ``work/<shot>/final/``. A chunk continues from the last
  final frame of the chunk before it (read back from disk, lossless), so the
  frames do not depend on the chunk size.
"""
from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import cv2

from pipeline.atomic import link_or_copy, remove_stale_temporaries
from pipeline.errors import MediaError
from pipeline.flow import FlowPair, scene_cut_score
from pipeline.frames import frame_path
from pipeline.imageio import read_rgb, write_rgb
from pipeline.manifest import read_manifest, write_manifest
from pipeline.stages import Progress, check_chunk, report
from pipeline.temporal import FlowSmoother, Motion
from pipeline.workarea import ShotPlan

log = logging.getLogger("shotstyle")

DIS_PRESETS = {"medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
               "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
               "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST}


def flow_chunk(plan: ShotPlan, first: int, last: int, progress: Progress = None) -> dict:
    """Flows (and cut scores) for the pairs (f-1, f), f in [first, last]."""
    check_chunk(plan, first, last)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    preset = DIS_PRESETS[settings.flow_preset]
    plates, out_dir = plan.stage_dir("plates"), plan.stage_dir("flow")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    start = plan.cfg.first_frame
    prev = read_rgb(frame_path(plates, plan.shot, first - 1)) if first > start else None
    cuts: list[int] = []
    scores: dict[str, list[float]] = {}
    for i, f in enumerate(range(first, last + 1)):
        cur = read_rgb(frame_path(plates, plan.shot, f))
        if prev is not None:
            if prev.shape != cur.shape:
                raise MediaError(f"{plan.shot}: plate {f} is {cur.shape[1]}x{cur.shape[0]}, "
                                 f"plate {f - 1} is {prev.shape[1]}x{prev.shape[0]}")
            # Rounded as stored, with its occlusion mask: exactly what smoothing reads.
            stored = FlowPair.compute(prev, cur, settings.flow_scale, preset).for_storage()
            stored.save(plan.flow_path(f))
            score = scene_cut_score(prev, cur, stored.cur_to_prev, stored.reliable())
            scores[str(f)] = [round(score.unreliable, 4), round(score.residual, 4),
                              round(score.histogram, 4)]
            if score.is_cut:
                cuts.append(f)
        prev = cur
        report(progress, i + 1, last - first + 1, f"flow {first}-{last}")
    seconds = time.monotonic() - t0
    write_manifest(plan.chunk_manifest("flow", first, last), stage="flow", shot=plan.shot,
                   key=plan.chunk_key("flow", first, last), frames=(first, last), cuts=cuts,
                   cut_scores=scores, cut_score_fields=["unreliable", "residual", "histogram"],
                   frames_per_s=round((last - first + 1) / max(seconds, 1e-6), 3),
                   seconds=round(seconds, 3))
    if cuts:
        log.info("%s: scene cut before frame(s) %s", plan.shot, ", ".join(map(str, cuts)))
    return {"cuts": cuts, "seconds": seconds}


def chunk_cuts(plan: ShotPlan, first: int, last: int) -> set[int]:
    """Frames in [first, last] that start a new scene, from the flow chunk's manifest."""
    data = read_manifest(plan.chunk_manifest("flow", first, last))
    if not data or data.get("key") != plan.chunk_key("flow", first, last):
        raise RuntimeError(f"{plan.shot}: flow {first}-{last} is not computed yet")
    return {int(f) for f in data.get("cuts", [])}


def load_motion(plan: ShotPlan, frame: int, cut: bool) -> Motion:
    """The plates' motion from frame-1 to frame, read from the flow cache."""
    pair = FlowPair.load(plan.flow_path(frame))
    return Motion(pair.cur_to_prev, pair.reliable(), cut)


def smooth_chunk(plan: ShotPlan, first: int, last: int, progress: Progress = None) -> dict:
    """Smooth stylised frames [first, last] into work/<shot>/final/."""
    check_chunk(plan, first, last)
    t0 = time.monotonic()
    settings = plan.cfg.smoothing
    styled_dir, out_dir = plan.stage_dir("styled"), plan.stage_dir("final")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    n = last - first + 1
    if settings.method == "none":
        for i, f in enumerate(range(first, last + 1)):
            link_or_copy(frame_path(styled_dir, plan.shot, f), frame_path(out_dir, plan.shot, f))
            report(progress, i + 1, n, f"smoothing {first}-{last}")
        cuts: set[int] = set()
    else:
        cuts = chunk_cuts(plan, first, last)
        start = plan.cfg.first_frame
        smoother = FlowSmoother(settings.strength, settings.method)
        if first > start:
            smoother.reset(read_rgb(frame_path(out_dir, plan.shot, first - 1)))

        def load(f: int) -> tuple:
            motion = None if f == start else load_motion(plan, f, f in cuts)
            return read_rgb(frame_path(styled_dir, plan.shot, f)), motion

        # Read one frame ahead and write behind: PNG and npz I/O overlap the
        # smoothing of the current frame (OpenCV and zlib release the GIL).
        with ThreadPoolExecutor(max_workers=3, thread_name_prefix="smooth-io") as io:
            pending: deque[Future] = deque()
            ahead = io.submit(load, first)
            for i, f in enumerate(range(first, last + 1)):
                styled, motion = ahead.result()
                if f < last:
                    ahead = io.submit(load, f + 1)
                out = smoother.smooth(styled, motion)
                pending.append(io.submit(write_rgb, frame_path(out_dir, plan.shot, f), out,
                                         plan.pipeline.png_compression))
                while len(pending) > 2 or (pending and pending[0].done()):
                    pending.popleft().result()
                report(progress, i + 1, n, f"smoothing {first}-{last}")
            while pending:
                pending.popleft().result()
    seconds = time.monotonic() - t0
    stats = {"method": settings.method, "strength": settings.strength,
             "cuts": sorted(cuts), "frames_per_s": round(n / max(seconds, 1e-6), 3),
             "seconds": round(seconds, 3)}
    write_manifest(plan.chunk_manifest("final", first, last), stage="final", shot=plan.shot,
                   key=plan.chunk_key("final", first, last), frames=(first, last), **stats)
    return stats
