"""The metrics stage: how much a shot flickers, before and after smoothing.

For every pair of consecutive frames (t-1, t) not across a scene cut, the
warping error E_warp (Lai et al. 2018, ``pipeline.temporal.metrics.warp_error``)
of each stage that holds pictures (``table.PICTURES``):

* the plates (the footage's own residual: flow error, noise, lighting),
* the per-frame stylised frames (work/<shot>/styled), and
* the final, smoothed frames (work/<shot>/final),

each warped with the plates' flow from the flow cache and masked by its
occlusion mask; and for every frame the PSNR and SSIM of the final frame
against the stylised one (how far smoothing moved away from the style). The
summary averages the pairs; ``final_vs_styled`` is the ratio of the final and
stylised E_warp. Written to renders/<shot>/metrics.json with the per-frame
values; frames are streamed, so memory does not grow with the shot.

The flow is the one smoothing used (so the figure is cheap); ``bench/
bench_temporal.py`` scores with an independent, finer flow as a cross-check.
"""
from __future__ import annotations

import math
import time
from contextlib import closing
from typing import Optional

import numpy as np

from pipeline.media.atomic import write_json
from pipeline.media.imageio import read_rgb
from pipeline.media.stream import read_ahead
from pipeline.stages.common import Progress, log, notify
from pipeline.stages.flow import shot_cuts
from pipeline.stages.table import FINAL, FLOW, METRICS, PICTURES, STYLED
from pipeline.temporal.flow import FlowPair
from pipeline.temporal.metrics import eight_bit_scale, psnr_from_mse, ssim, warp_error
from pipeline.workarea.manifest import write_manifest
from pipeline.workarea.plan import ShotPlan

SEQUENCES = tuple(s.name for s in PICTURES)


def _mean(values: list[Optional[float]]) -> Optional[float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def _psnr_or_none(mse: float) -> Optional[float]:
    value = psnr_from_mse(mse)
    return None if math.isinf(value) else value


def compute_shot_metrics(plan: ShotPlan, progress: Progress = None) -> dict:
    """Per-frame and summary metrics of a shot whose flow and final stages are done."""
    first, last = plan.frame_range()
    cuts = set(shot_cuts(plan))
    rows: list[dict] = []
    prev: Optional[dict[str, np.ndarray]] = None
    sq_err_sum, pixels = 0.0, 0

    def load(f: int) -> tuple[dict[str, np.ndarray], Optional[FlowPair]]:
        frames = {name: read_rgb(plan.frame_file(name, f)) for name in SEQUENCES}
        pair = FlowPair.load(plan.frame_file(FLOW, f)) if f > first and f not in cuts else None
        return frames, pair

    frames = range(first, last + 1)
    with closing(read_ahead(frames, load)) as ahead:
        for f, (cur, pair) in zip(frames, ahead):
            final, styled = cur[FINAL], cur[STYLED]
            diff = final.astype(np.float32) - styled.astype(np.float32)
            if final.dtype != np.uint8:
                diff *= eight_bit_scale(final)
            sq = float(np.dot(diff.ravel(), diff.ravel()))
            sq_err_sum += sq
            pixels += diff.size
            psnr = _psnr_or_none(sq / diff.size)
            row: dict = {"frame": f, "cut": f in cuts, "ssim": round(ssim(final, styled), 5),
                         "psnr": None if psnr is None else round(psnr, 3)}
            if prev is not None and pair is not None:
                mask = pair.reliable()
                row["reliable"] = round(float(mask.mean()), 4)
                for name in SEQUENCES:
                    row[f"ewarp_{name}"] = warp_error(prev[name], cur[name], pair.cur_to_prev,
                                                      mask)
            rows.append(row)
            prev = cur
            notify(progress, f - first + 1, last - first + 1, "metrics")
    summary: dict = {"frames": last - first + 1,
                     "pairs": sum(f"ewarp_{FINAL}" in r for r in rows), "cuts": sorted(cuts)}
    for name in SEQUENCES:
        summary[f"ewarp_{name}"] = _mean([r.get(f"ewarp_{name}") for r in rows])
    if summary[f"ewarp_{STYLED}"]:
        summary["final_vs_styled"] = summary[f"ewarp_{FINAL}"] / summary[f"ewarp_{STYLED}"]
    summary["ssim_final_vs_styled"] = _mean([r["ssim"] for r in rows])
    summary["psnr_final_vs_styled"] = _psnr_or_none(sq_err_sum / max(pixels, 1))
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
    ssim_v = summary.get("ssim_final_vs_styled")
    lines.append(f"  final vs stylised: SSIM {ssim_v:.4f}, PSNR "
                 + ("inf (identical)" if psnr is None else f"{psnr:.2f} dB"))
    return "\n".join(lines)


def run(plan: ShotPlan, progress: Progress = None) -> dict:
    """The metrics stage: renders/<shot>/metrics.json, then the manifest."""
    t0 = time.monotonic()
    data = compute_shot_metrics(plan, progress)
    s = plan.cfg.smoothing
    data["shot"] = plan.shot
    data["smoothing"] = {"method": s.method, "strength": s.strength,
                         "flow_scale": s.flow_scale, "flow_preset": s.flow_preset}
    data["definitions"] = {
        "ewarp": "Lai et al. 2018: mean squared RGB difference in [0, 1] between frame t and "
                 "frame t-1 warped by the plates' flow, over non-occluded pixels; pairs "
                 "across a scene cut are left out",
        "ssim_psnr": "final (smoothed) frame against the per-frame stylised frame"}
    plan.render_dir.mkdir(parents=True, exist_ok=True)
    write_json(plan.metrics_json, data)
    first, last = plan.frame_range()
    write_manifest(plan.stage_manifest(METRICS), stage=METRICS, shot=plan.shot,
                   key=plan.key(METRICS), frames=(first, last),
                   outputs={"metrics": str(plan.metrics_json)}, summary=data["summary"],
                   seconds=round(time.monotonic() - t0, 3))
    log.info("%s", format_summary(plan.shot, data["summary"]))
    return data["summary"]
