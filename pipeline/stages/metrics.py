"""The metrics stage: how much a shot flickers, before and after smoothing.

For every pair of consecutive frames (t-1, t) not across a scene cut, the
warping error E_warp (Lai et al. 2018, ``pipeline.temporal.metrics.warp_error``)
of each stage that holds pictures (``table.PICTURES``):

* the plates (the footage's own residual: flow error, noise, lighting),
* the per-frame stylised frames (work/<shot>/styled), and
* the final, smoothed frames (work/<shot>/final),

each warped with the plates' flow from the flow cache and masked by its
occlusion mask; and for every frame the PSNR (RGB) and SSIM (on BT.709 luma,
``ssim_luma``, since issue #23) of the final frame against the stylised one
(how far smoothing moved away from the style). The
summary averages the pairs; ``final_vs_styled`` is the ratio of the final and
stylised E_warp. Written to work/<shot>/metrics/metrics.json with the per-frame
values; the report stage puts a copy in the version it publishes
(``renders/<shot>/vNNN/metrics.json``).

The stages that read those frames anyway score them in passing
(``FrameMetrics`` in their chunk manifests: the flow stage the plates, the
smoothing stage the stylised and final frames), so this stage reads no frame;
it scores from the files only what no stage did (a shot smoothed without
flow, a work area rendered before the stages scored), streaming them.

The flow is the one smoothing used (so the figure is cheap); ``bench/
bench_temporal.py`` scores with an independent, finer flow as a cross-check.
"""
from __future__ import annotations

import math
import time
from contextlib import closing
from typing import Optional

import numpy as np

from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FINAL, FLOW, PICTURES, PLATES, STYLED
from pipeline.media.atomic import write_json
from pipeline.media.imageio import read_rgb
from pipeline.media.stream import read_ahead
from pipeline.stages.common import Progress, StageRun, log, notify
from pipeline.stages.flow import shot_cuts
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import FrameMetrics, psnr_from_mse
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan

SEQUENCES = tuple(s.name for s in PICTURES)


def _mean(values: list[Optional[float]]) -> Optional[float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _stored(plan: ShotPlan, name: str, chunk: Chunk) -> Optional[FrameMetrics]:
    """What stage ``name`` scored in passing for ``chunk``, if it did."""
    data = read_manifest(plan.paths.chunk_manifest(name, chunk)) or {}
    return FrameMetrics.from_json(data.get("metrics"))


def score_frames(plan: ShotPlan, first: int, last: int, cuts: set[int],
                 sequences: tuple[str, ...]) -> FrameMetrics:
    """Score chunk [first, last] from the files, for what no stage scored in passing
    (a shot smoothed without flow; a work area rendered before they did)."""
    metrics = FrameMetrics()
    start = plan.cfg.first_frame

    def load(f: int) -> tuple[dict[str, np.ndarray], Optional[FlowPair]]:
        frames = {name: read_rgb(plan.paths.frame_file(name, f)) for name in sequences}
        pair = (FlowPair.load(plan.paths.frame_file(FLOW, f))
                if f > start and f not in cuts else None)
        return frames, pair

    prev = {name: read_rgb(plan.paths.frame_file(name, first - 1)) for name in sequences} \
        if first > start else None
    frames = range(first, last + 1)
    with closing(read_ahead(frames, load)) as ahead:
        for f, (cur, pair) in zip(frames, ahead):
            if FINAL in cur:
                metrics.versus(f, cur[FINAL], cur[STYLED])
            if prev is not None and pair is not None:
                metrics.warp_errors(f, prev, cur, pair.cur_to_prev, pair.reliable())
            prev = cur
    return metrics


def compute_shot_metrics(plan: ShotPlan, progress: Progress = None) -> dict:
    """Per-frame and summary metrics of a shot whose flow and final stages are done:
    what those stages scored in passing, chunk by chunk."""
    first, last = plan.frames.range()
    cuts = set(shot_cuts(plan))
    shot = FrameMetrics()
    chunks = plan.frames.chunks()
    for i, c in enumerate(chunks):
        shot.merge(_stored(plan, FLOW, c) or score_frames(plan, c.first, c.last, cuts, (PLATES,)))
        shot.merge(_stored(plan, FINAL, c)
                   or score_frames(plan, c.first, c.last, cuts, (STYLED, FINAL)))
        notify(progress, i + 1, len(chunks), "metrics")
    rows = [{"frame": f, "cut": f in cuts, **shot.rows.get(f, {})} for f in range(first, last + 1)]
    summary: dict = {"frames": last - first + 1,
                     "pairs": sum(f"ewarp_{FINAL}" in r for r in rows), "cuts": sorted(cuts)}
    for name in SEQUENCES:
        summary[f"ewarp_{name}"] = _mean([r.get(f"ewarp_{name}") for r in rows])
    if summary[f"ewarp_{STYLED}"]:
        summary["final_vs_styled"] = summary[f"ewarp_{FINAL}"] / summary[f"ewarp_{STYLED}"]
    summary["ssim_final_vs_styled"] = _mean([r.get("ssim") for r in rows])
    mse = shot.sq_err / max(shot.values, 1)
    summary["psnr_final_vs_styled"] = None if mse == 0 else psnr_from_mse(mse)
    return {"summary": summary, "per_frame": rows}


def format_summary(shot: str, summary: dict) -> str:
    """A small table for the terminal."""
    def ew(v: Optional[float]) -> str:
        return "n/a" if v is None else f"{v * 1e3:.4f}"

    styled = summary.get(f"ewarp_{STYLED}")
    lines = [f"{shot}: temporal metrics over {summary['frames']} frames "
             f"({summary['pairs']} pairs; scene cuts before {summary['cuts'] or 'none'})",
             f"  {'sequence':<26}{'E_warp x1e-3':>14}{'vs stylised':>13}"]
    for s in PICTURES:
        v = summary.get(f"ewarp_{s.name}")
        ratio = f"{v / styled:.3f}" if v is not None and styled else "n/a"
        lines.append(f"  {s.description:<26}{ew(v):>14}{ratio:>13}")
    psnr = summary.get("psnr_final_vs_styled")
    ssim_v = summary.get("ssim_final_vs_styled")  # None: frames under the SSIM window
    lines.append("  final vs stylised: SSIM " + ("n/a" if ssim_v is None else f"{ssim_v:.4f}")
                 + " (luma), PSNR " + ("inf (identical)" if psnr is None else f"{psnr:.2f} dB"))
    return "\n".join(lines)


def run(ctx: StageRun) -> dict:
    """The metrics stage: work/<shot>/metrics/metrics.json, then the manifest."""
    plan = ctx.plan
    t0 = time.monotonic()
    data = compute_shot_metrics(plan, ctx.progress)
    s = plan.cfg.smoothing
    data["shot"] = plan.shot
    data["smoothing"] = {"method": s.method, "strength": s.strength,
                         "flow_scale": s.flow_scale, "flow_preset": s.flow_preset}
    data["definitions"] = {
        "ewarp": "Lai et al. 2018: mean squared RGB difference in [0, 1] between frame t and "
                 "frame t-1 warped by the plates' flow, over non-occluded pixels; pairs "
                 "across a scene cut are left out",
        "ssim_psnr": "final (smoothed) frame against the per-frame stylised frame: SSIM "
                     "(Wang et al. 2004, 11x11 Gaussian window, sigma 1.5) of the BT.709 "
                     "luma, PSNR over RGB"}
    plan.paths.metrics_json.parent.mkdir(parents=True, exist_ok=True)
    write_json(plan.paths.metrics_json, data)
    first, last = plan.frames.range()
    ctx.commit(frames=(first, last), outputs={"metrics": str(plan.paths.metrics_json)},
               summary=data["summary"], seconds=round(time.monotonic() - t0, 3))
    log.info("%s", format_summary(plan.shot, data["summary"]))
    return data["summary"]
