"""The metrics stage: how much a shot flickers, before and after smoothing.

For every pair of consecutive frames (t-1, t) not across a scene cut, the
warping error E_warp (Lai et al. 2018, ``pipeline.metrics.warp_error``) of

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

import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Optional

import numpy as np

from pipeline.atomic import write_json
from pipeline.flow import FlowPair
from pipeline.frames import frame_path
from pipeline.imageio import read_rgb
from pipeline.manifest import read_manifest, write_manifest
from pipeline.metrics import ssim, warp_error
from pipeline.stages import Progress, report
from pipeline.workarea import ShotPlan

log = logging.getLogger("shotstyle")

SEQUENCES = ("plates", "styled", "final")


def _mean(values: list[Optional[float]]) -> Optional[float]:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.mean(finite)) if finite else None


def shot_cuts(plan: ShotPlan) -> list[int]:
    """Frames that start a new scene, from the flow chunks' manifests."""
    cuts: list[int] = []
    for a, b in plan.chunks():
        data = read_manifest(plan.chunk_manifest("flow", a, b)) or {}
        cuts.extend(int(f) for f in data.get("cuts", []))
    return sorted(cuts)


def compute_shot_metrics(plan: ShotPlan, progress: Progress = None) -> dict:
    """Per-frame and summary metrics of a shot whose flow and final stages are done."""
    first, last = plan.frame_range()
    cuts = set(shot_cuts(plan))
    dirs = [plan.stage_dir(s) for s in SEQUENCES]
    rows: list[dict] = []
    prev: Optional[list[np.ndarray]] = None
    sq_err_sum, pixels = 0.0, 0

    def load(f: int) -> tuple[list[np.ndarray], Optional[FlowPair]]:
        frames = [read_rgb(frame_path(d, plan.shot, f)) for d in dirs]
        pair = FlowPair.load(plan.flow_path(f)) if f > first and f not in cuts else None
        return frames, pair

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="metrics-read") as reader:
        ahead = reader.submit(load, first)
        for f in range(first, last + 1):
            cur, pair = ahead.result()
            if f < last:
                ahead = reader.submit(load, f + 1)  # read the next frames meanwhile
            plate, styled, final = cur
            diff = final.astype(np.float32) - styled.astype(np.float32)
            sq = float(np.dot(diff.ravel(), diff.ravel()))
            sq_err_sum += sq
            pixels += diff.size
            mse = sq / diff.size
            row: dict = {"frame": f, "cut": f in cuts, "ssim": round(ssim(final, styled), 5),
                         "psnr": None if mse == 0 else round(10 * math.log10(255.0 ** 2 / mse), 3)}
            if prev is not None and pair is not None:
                mask = pair.reliable()
                row["reliable"] = round(float(mask.mean()), 4)
                for name, a, b in zip(SEQUENCES, prev, cur):
                    row[f"ewarp_{name}"] = warp_error(a, b, pair.cur_to_prev, mask)
            rows.append(row)
            prev = cur
            report(progress, f - first + 1, last - first + 1, "metrics")
    summary: dict = {"frames": last - first + 1, "pairs": sum("ewarp_final" in r for r in rows),
                     "cuts": sorted(cuts)}
    for name in SEQUENCES:
        summary[f"ewarp_{name}"] = _mean([r.get(f"ewarp_{name}") for r in rows])
    if summary["ewarp_styled"]:
        summary["final_vs_styled"] = summary["ewarp_final"] / summary["ewarp_styled"]
    summary["ssim_final_vs_styled"] = _mean([r["ssim"] for r in rows])
    mse = sq_err_sum / max(pixels, 1)
    summary["psnr_final_vs_styled"] = None if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)
    return {"summary": summary, "per_frame": rows}


def format_summary(shot: str, summary: dict) -> str:
    """A small table for the terminal."""
    def ew(v: Optional[float]) -> str:
        return "n/a" if v is None else f"{v * 1e3:.4f}"

    styled = summary.get("ewarp_styled")
    lines = [f"{shot}: temporal metrics over {summary['frames']} frames "
             f"({summary['pairs']} pairs; scene cuts before {summary['cuts'] or 'none'})",
             f"  {'sequence':<26}{'E_warp x1e-3':>14}{'vs stylised':>13}"]
    for name, label in (("plates", "plates"), ("styled", "stylised, per frame"),
                        ("final", "final (smoothed)")):
        v = summary.get(f"ewarp_{name}")
        ratio = f"{v / styled:.3f}" if v is not None and styled else "n/a"
        lines.append(f"  {label:<26}{ew(v):>14}{ratio:>13}")
    psnr = summary.get("psnr_final_vs_styled")
    ssim_v = summary.get("ssim_final_vs_styled")
    lines.append(f"  final vs stylised: SSIM {ssim_v:.4f}, PSNR "
                 + ("inf (identical)" if psnr is None else f"{psnr:.2f} dB"))
    return "\n".join(lines)


def shot_metrics(plan: ShotPlan, progress: Progress = None) -> dict:
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
    write_manifest(plan.stage_manifest("metrics"), stage="metrics", shot=plan.shot,
                   key=plan.metrics_key, frames=(first, last),
                   outputs={"metrics": str(plan.metrics_json)}, summary=data["summary"],
                   seconds=round(time.monotonic() - t0, 3))
    log.info("%s", format_summary(plan.shot, data["summary"]))
    return data["summary"]
