#!/usr/bin/env python3
"""The smoothing stage's metrics before and after issue #23, side by side in one run.

    PYTHONPATH=. .venv/bin/luigi --module tasks RenderShot --shot s01 --local-scheduler
    PYTHONPATH=. .venv/bin/python bench/bench_metrics.py [--shot s01] [--chunks 1]

Needs a rendered shot (its work area: stylised and final frames, flow cache).
CPU time (all the process's threads: another job on the machine slows it
less than the wall clock) per frame, best of --repeats, over the shot's first
--chunks smoothing chunks:
``FrameMetrics.versus`` as it was (RGB ``ssim`` and a float32 copy of the
difference for PSNR) and as it is (``ssim_luma``, ``squared_error``), and
``FrameMetrics.warp_errors`` (the two E_warps) as it was (a sampling grid per
sequence) and as it is (one); then the smoothing stage itself
(``run_stage(plan, "final", chunk)``, which rewrites the same final frames)
with the old and the new methods, alternately, and the SSIM values of both
definitions over all the shot's frames (mean and the largest difference).
Markdown to stdout.
"""
from __future__ import annotations

import argparse
import datetime
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, note  # noqa: E402
from pipeline.graph.table import FINAL, FLOW, STYLED  # noqa: E402
from pipeline.media.imageio import read_rgb  # noqa: E402
from pipeline.stages.registry import run_stage  # noqa: E402
from pipeline.temporal import metrics as M  # noqa: E402
from pipeline.temporal.flow import FlowPair  # noqa: E402
from pipeline.workarea.plan import ShotPlan  # noqa: E402


def versus_before(self: M.FrameMetrics, frame: int, final: np.ndarray,
                  styled: np.ndarray) -> None:
    """``FrameMetrics.versus`` before issue #23 (RGB SSIM, float32 difference)."""
    diff = final.astype(np.float32) - styled.astype(np.float32)
    sq = float(np.dot(diff.ravel(), diff.ravel()))
    self.sq_err += sq
    self.values += diff.size
    row = self.rows.setdefault(frame, {})
    similarity = M.ssim(final, styled)
    row["ssim"] = None if math.isnan(similarity) else round(similarity, 5)
    row["psnr"] = round(M.psnr_from_mse(sq / diff.size), 3) if sq else None


def warp_errors_before(self: M.FrameMetrics, frame: int, prev: dict, cur: dict,
                       flow_cur_to_prev: np.ndarray, reliable: np.ndarray) -> None:
    """``FrameMetrics.warp_errors`` before issue #23 (a sampling grid per sequence)."""
    row = self.rows.setdefault(frame, {})
    row["reliable"] = round(float(np.mean(reliable)), 4)
    for name, picture in cur.items():
        row[f"ewarp_{name}"] = M.warp_error(prev[name], picture, flow_cur_to_prev, reliable)


#: (versus, warp_errors) of ``FrameMetrics``, before and after.
METHODS = {"before": (versus_before, warp_errors_before),
           "after": (M.FrameMetrics.versus, M.FrameMetrics.warp_errors)}


def per_frame_ms(fn, items: list, repeats: int) -> float:
    """Best of ``repeats`` of CPU time (this process, all its threads) per item, in ms."""
    best = math.inf
    for _ in range(repeats):
        t0 = time.process_time()
        for item in items:
            fn(*item)
        best = min(best, time.process_time() - t0)
    return 1e3 * best / len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shot", default="s01")
    ap.add_argument("--chunks", type=int, default=1, help="smoothing chunks to time")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    plan = ShotPlan.load(args.shot)
    chunks = plan.frames.chunks()[:args.chunks]
    frames = [f for c in chunks for f in range(c.first, c.last + 1)]
    path = plan.paths.frame_file
    note(f"reading {len(frames)} frames")
    pics = {f: (read_rgb(path(FINAL, f)), read_rgb(path(STYLED, f))) for f in frames}
    pairs = [(f, FlowPair.load(path(FLOW, f))) for f in frames[1:]]
    h, w = pics[frames[0]][0].shape[:2]
    rows = []
    prev = {f: {STYLED: pics[f - 1][1], FINAL: pics[f - 1][0]} for f, _ in pairs}
    cur = {f: {STYLED: pics[f][1], FINAL: pics[f][0]} for f, _ in pairs}
    for label, (versus, warp_errors) in METHODS.items():
        rows.append((f"versus: SSIM + PSNR ({label})", per_frame_ms(
            lambda f: versus(M.FrameMetrics(), f, *pics[f]), [(f,) for f in frames],
            args.repeats)))
        rows.append((f"warp_errors: 2 E_warps ({label})", per_frame_ms(
            lambda f, p: warp_errors(M.FrameMetrics(), f, prev[f], cur[f], p.cur_to_prev,
                                     p.reliable()), pairs, args.repeats)))
    stage = {"before": [], "after": []}
    original = METHODS["after"]
    try:
        for _ in range(args.repeats):
            for label, (versus, warp_errors) in METHODS.items():
                M.FrameMetrics.versus, M.FrameMetrics.warp_errors = versus, warp_errors
                t0, c0 = time.perf_counter(), time.process_time()
                for c in chunks:
                    run_stage(plan, FINAL, c)
                stage[label].append((1e3 * (time.process_time() - c0) / len(frames),
                                     1e3 * (time.perf_counter() - t0) / len(frames)))
    finally:
        M.FrameMetrics.versus, M.FrameMetrics.warp_errors = original
    for label in ("before", "after"):
        cpu, wall = min(stage[label])
        rows.append((f"smoothing stage ({label}; wall {wall:.1f} ms)", cpu))
    first, last = plan.frames.range()
    rgb, y = [], []
    for f in range(first, last + 1):
        final, styled = read_rgb(path(FINAL, f)), read_rgb(path(STYLED, f))
        rgb.append(M.ssim(final, styled))
        y.append(M.ssim_luma(final, styled))
    diff = np.abs(np.array(rgb) - np.array(y))
    print(f"machine: {machine()}  \ndate: {datetime.date.today()}  \n"
          f"command: `PYTHONPATH=. .venv/bin/python bench/bench_metrics.py --shot {args.shot} "
          f"--chunks {args.chunks} --repeats {args.repeats}`  \n"
          f"{len(frames)} frames of {w}x{h}, best of {args.repeats}\n")
    print("| what | CPU ms per frame |\n|---|---:|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} |")
    print(f"\nSSIM final vs stylised over {len(rgb)} frames: RGB (before) {np.mean(rgb):.4f}, "
          f"luma (after) {np.mean(y):.4f}; per frame the largest difference {diff.max():.4f} "
          f"(mean {diff.mean():.4f}).")


if __name__ == "__main__":
    main()
