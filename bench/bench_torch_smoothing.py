#!/usr/bin/env python3
"""Smoothing in torch against the OpenCV path (issue #23, item 3): time per frame, equality.

    python bench/bench_torch_smoothing.py                  # torch on the CPU: 720x405, 1920x1080
    python bench/bench_torch_smoothing.py --device cuda --sizes 1920x1080,3840x2160   # GPU host

What one frame of the smoothing stage computes, on real frames: the sample
shot's frames 100..100+N (``--frames``; by default 24, through the hard cut
between 115 and 116, so the history restarts once), stylised by the shipped
style (samples/styles/city_paint.pt, PyTorch fp32 on the CPU, at 720x405) and
resized bicubically to each size (``--sizes``). The flows are computed once at
720x405 (DIS, both directions, as the flow stage), resized to each size
(``resize_flow``) and then rounded and masked as the flow cache stores them
(``FlowPair.for_storage``); cuts from ``scene_cut_score``. The flow itself is
not timed: it is the flow stage's work.

Per size and method, the OpenCV path (``FlowSmoother`` + ``FrameMetrics``: what
ships) and the torch path (``TorchFlowSmoother`` + ``TorchFrameMetrics`` on
``--device``) run the stage's loop over the frames: smooth, luma SSIM and PSNR
against the stylised frame, the two E_warps; numpy frames in and out, uploads
and downloads included; no PNG I/O. Best of ``--repeats`` runs, wall and this
process's CPU time per frame. Equality: the largest difference of a final
frame from the OpenCV path's (8-bit levels) and the share of values that
differ, the largest SSIM difference, the largest relative E_warp difference.
``--threads``: torch's
CPU threads (OpenCV keeps its own pool). Markdown on stdout, progress on stderr.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine, note  # noqa: E402

SAMPLE = REPO / "samples" / "city_s01.mpg"
STYLE = REPO / "samples" / "styles" / "city_paint.pt"


def parse_size(text: str) -> tuple[int, int]:
    w, h = (int(v) for v in text.lower().split("x"))
    return w, h


def stylised_sample(first: int, n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """(plates, stylised frames) of the sample's frames first..first+n-1 at 720x405."""
    import torch

    from models.checkpoint import load_generator
    from models.inference import Stylizer
    frames = decode_frames(SAMPLE)  # all 190 (a select of many frames is too long for FFmpeg)
    plates = [frames[i] for i in range(first, min(first + n, len(frames)))]
    n = len(plates)
    loaded = load_generator(STYLE)
    stylizer = Stylizer(loaded.model, torch.device("cpu"), loaded.input_range)
    styled: list[np.ndarray] = []
    for i in range(0, n, 4):
        styled.extend(stylizer(np.stack(plates[i:i + 4])))
        note(f"stylised {len(styled)}/{n}")
    return plates, styled


def motions_at(plates: list[np.ndarray], size: tuple[int, int]) -> list:
    """Motion of each frame at ``size`` (None for the first), from flows at the plates' size."""
    from pipeline.temporal.cuts import scene_cut_score
    from pipeline.temporal.flow import FlowPair, resize_flow
    from pipeline.temporal.smoother import Motion
    w, h = size
    out = [None]
    for prev, cur in zip(plates, plates[1:]):
        pair = FlowPair.compute(prev, cur)
        cut = scene_cut_score(prev, cur, pair.cur_to_prev, pair.reliable()).is_cut
        stored = FlowPair(resize_flow(pair.cur_to_prev, (h, w)),
                          resize_flow(pair.prev_to_cur, (h, w))).for_storage()
        out.append(Motion(stored.cur_to_prev, stored.reliable(), cut))
    return out


def run_stage_loop(smoother, metrics, styled: list[np.ndarray], motions: list) -> list:
    """The smoothing stage's per-frame work (pipeline/stages/final.py), without the I/O."""
    finals = []
    previous: dict = {}
    for f, (frame, motion) in enumerate(zip(styled, motions)):
        final = smoother.smooth(frame, motion)
        current = {"styled": frame, "final": final}
        metrics.versus(f, final, frame)
        if motion is not None and not motion.scene_cut:
            metrics.warp_errors(f, previous, current, motion.flow_cur_to_prev, motion.reliable)
        previous = current
        finals.append(final)
    return finals


def timed(make: Callable, styled, motions, repeats: int):
    best = None
    for _ in range(repeats):
        smoother, metrics = make()
        w0, c0 = time.perf_counter(), time.process_time()
        finals = run_stage_loop(smoother, metrics, styled, motions)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        if best is None or wall < best[0]:
            best = (wall, cpu, finals, metrics)
    return best


def compare(a_finals, a_metrics, b_finals, b_metrics) -> dict:
    diffs = [np.abs(a.astype(np.int32) - b) for a, b in zip(a_finals, b_finals)]
    values = sum(d.size for d in diffs)
    out = {"max_levels": max(int(d.max()) for d in diffs),
           "share": sum(int(np.count_nonzero(d)) for d in diffs) / values,
           "share2": sum(int(np.count_nonzero(d > 1)) for d in diffs) / values,
           "ssim": 0.0, "ewarp_rel": 0.0, "psnr": 0.0}
    for f, row in a_metrics.rows.items():
        other = b_metrics.rows[f]
        if row.get("ssim") is not None:
            out["ssim"] = max(out["ssim"], abs(row["ssim"] - other["ssim"]))
        if row.get("psnr") is not None and other.get("psnr") is not None:
            out["psnr"] = max(out["psnr"], abs(row["psnr"] - other["psnr"]))
        for key in ("ewarp_styled", "ewarp_final"):
            if key in row and not math.isnan(row[key]):
                out["ewarp_rel"] = max(out["ewarp_rel"],
                                       abs(row[key] - other[key]) / max(abs(row[key]), 1e-12))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="torch device of the torch path")
    parser.add_argument("--sizes", default="720x405,1920x1080")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--methods", default="adaptive,flow")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch's intra-op threads (0: its default, one per core)")
    args = parser.parse_args(argv)

    import torch
    if args.threads:
        torch.set_num_threads(args.threads)

    from pipeline.temporal.metrics import FrameMetrics
    from pipeline.temporal.smoother import FlowSmoother
    from pipeline.temporal.torch_ops import DeviceFrames
    from pipeline.temporal.torch_smoother import TorchFlowSmoother, TorchFrameMetrics

    plates, styled = stylised_sample(args.first, args.frames)
    args.frames = len(plates)
    print(f"machine: {machine()}; torch threads {torch.get_num_threads()}  ")
    print(f"command: `{' '.join(['python'] + sys.argv)}`  ")
    print(f"{args.frames} sample frames from {args.first} (one cut), strength 0.9, "
          f"best of {args.repeats}; torch path on {args.device}\n")
    print("| size | method | path | ms/frame (wall) | CPU ms/frame | frames/s "
          "| max diff (levels) | values differing | by > 1 level | max SSIM diff "
          "| max E_warp rel. diff | max PSNR diff (dB) |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in (parse_size(s) for s in args.sizes.split(",")):
        w, h = size
        note(f"flows at {w}x{h}")
        motions = motions_at(plates, size)
        frames = [cv2.resize(s, size, interpolation=cv2.INTER_CUBIC) if s.shape[:2] != (h, w)
                  else s for s in styled]
        n = len(frames)
        for method in args.methods.split(","):
            note(f"{w}x{h} {method}: opencv")
            ref = timed(lambda: (FlowSmoother(0.9, method), FrameMetrics()), frames, motions,
                        args.repeats)

            def make_torch():
                shared = DeviceFrames(args.device)
                return (TorchFlowSmoother(0.9, method, frames=shared),
                        TorchFrameMetrics(frames=shared))
            note(f"{w}x{h} {method}: torch {args.device}")
            run_torch = timed(make_torch, frames, motions, args.repeats)
            eq = compare(ref[2], ref[3], run_torch[2], run_torch[3])
            for name, (wall, cpu, _, _) in (("OpenCV", ref), (f"torch {args.device}", run_torch)):
                same = name == "OpenCV"
                print(f"| {w}x{h} | {method} | {name} | {1000 * wall / n:.1f} | "
                      f"{1000 * cpu / n:.1f} | {n / wall:.1f} | "
                      + ("- | - | - | - | - | - |" if same else
                         f"{eq['max_levels']} | {100 * eq['share']:.4f} % | "
                         f"{100 * eq['share2']:.4f} % | {eq['ssim']:.1e} | "
                         f"{eq['ewarp_rel']:.1e} | {eq['psnr']:.1e} |"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
