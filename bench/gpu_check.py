#!/usr/bin/env python3
"""The Python half of bench/gpu_check.sh (issue #23, item 3): stylise speed on a GPU and
a render's GPU busy share. Run the shell script; this is what it calls.

    python bench/gpu_check.py stylise            # 1080p and 4K, fp32 and bf16, batch 1/4/8
    python bench/gpu_check.py render             # the sample end to end, nvidia-smi sampled
    python bench/gpu_check.py stylise --dry-run  # on the CPU, tiny: checks the steps only

stylise  frames/s of the shipped style (samples/styles/city_paint.pt) through
         ``models.inference.Stylizer`` on CUDA, numpy frames in and out as the
         styled stage hands them over (``bench_style.measure_inference``): at
         1920x1080 and 3840x2160, fp32 and bf16 autocast, batch 1, 4 and 8,
         with the pipeline's default tiling (``PipelineConfig().tile_size``,
         2048: what a render does) and untiled; at least ``--frames`` frames
         after a warm-up call.
render   a fresh throwaway project (bench_vs_peer's: the repo's pipeline.yaml,
         ``device: auto``, the shipped style) renders the sample with
         ``luigi --module tasks RenderShot --local-scheduler --workers N``
         while ``nvidia-smi`` samples the GPU's utilisation every 200 ms; prints
         end-to-end frames/s (source frames / wall), the GPU's busy share (mean
         utilisation over the render's samples, and the share of samples with any
         kernel running), the stage seconds from the manifests and what the
         smoothing ran on (``smoothed_with`` of the final chunks).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, note, video_size  # noqa: E402

SAMPLE = REPO / "samples" / "city_s01.mpg"


def stylise(args: argparse.Namespace) -> None:
    import torch

    from bench.bench_style import InferCase, measure_inference
    from bench.common import decode_frames
    from pipeline.config import PipelineConfig
    device = "cpu" if args.dry_run else "cuda"
    sizes = [(160, 90)] if args.dry_run else [(1920, 1080), (3840, 2160)]
    dtypes = [None] if args.dry_run else [None, torch.bfloat16]
    batches = [1, 2] if args.dry_run else [1, 4, 8]
    tiles = [PipelineConfig().tile_size, 0]
    frame = decode_frames(SAMPLE, [0])[0]
    gpu = torch.cuda.get_device_name(0) if device == "cuda" else "CPU (dry run)"
    print(f"### Stylise: {gpu}, samples/styles/city_paint.pt\n")
    print("| size | precision | batch | tiling | frames | frames/s | peak CUDA MiB |")
    print("|---|---|---:|---|---:|---:|---:|")
    for (w, h) in sizes:
        for dtype in dtypes:
            for tile in tiles:
                for batch in batches:
                    case = InferCase(device, dtype, w, h, batch, tile)
                    note(f"[stylise] {w}x{h} {case.precision} batch {batch} tile {tile or '-'}")
                    r = measure_inference(case, frame, args.frames)
                    peak = "-" if r.cuda_peak_mib is None else f"{r.cuda_peak_mib:.0f}"
                    tiling = f"{tile} px (default)" if tile else "none"
                    print(f"| {w}x{h} | {case.precision} | {batch} | {tiling} | {r.frames} | "
                          f"{r.frames / r.seconds:.1f} | {peak} |", flush=True)
    print()


def tiny_clip(folder: Path) -> Path:
    """The sample's first 12 frames at 160x90 (a dry run's render)."""
    clip = folder / "tiny.mov"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(SAMPLE), "-frames:v",
                    "12", "-vf", "scale=160:90", "-c:v", "libx264", "-qp", "0", str(clip)],
                   check=True)
    return clip


def busy_share(samples: list[float]) -> tuple[float, float]:
    """(mean utilisation / 100, share of samples above 0) of nvidia-smi's readings."""
    if not samples:
        return math.nan, math.nan
    return sum(samples) / (100.0 * len(samples)), sum(s > 0 for s in samples) / len(samples)


def render(args: argparse.Namespace) -> None:
    from bench.bench_vs_peer import SHOT, make_project, stage_seconds
    out = Path(args.out or tempfile.mkdtemp(prefix="gpu_check_"))
    out.mkdir(parents=True, exist_ok=True)
    clip = tiny_clip(out) if args.dry_run else SAMPLE
    root = out / "project"
    env = make_project(root, clip)
    cmd = [str(Path(sys.executable).parent / "luigi"), "--module", "tasks", "RenderShot",
           "--shot", SHOT, "--local-scheduler", "--workers", str(args.workers)]
    util_file = out / "nvidia-smi.csv"
    sampler = None
    if not args.dry_run:
        sampler = subprocess.Popen(["nvidia-smi", "--query-gpu=utilization.gpu,memory.used",
                                    "--format=csv,noheader,nounits", "-lms", "200"],
                                   stdout=util_file.open("w"), stderr=subprocess.DEVNULL)
    note(f"[render] {' '.join(cmd)} in {root}")
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, env={**env, "PYTHONPATH": str(REPO)},
                          stdout=(out / "render.log").open("w"), stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    if sampler is not None:
        sampler.terminate()
        sampler.wait()
    if done.returncode != 0:
        tail = (out / "render.log").read_text(errors="replace").strip().splitlines()[-5:]
        print(f"render failed (exit {done.returncode}); log {out / 'render.log'}:\n"
              + "\n".join(tail))
        sys.exit(1)
    work = root / "work" / SHOT
    frames = len(list((work / "final").glob("*.png")))
    samples = []
    if util_file.exists():
        for line in util_file.read_text().splitlines():
            try:
                samples.append(float(line.split(",")[0]))
            except ValueError:
                pass
    mean_util, share_active = busy_share(samples)
    smoothed = sorted({json.loads(p.read_text()).get("smoothed_with", "?")
                       for p in (work / "final" / "chunks").glob("*.json")})
    w, h = video_size(clip)
    print(f"### Render: {clip.name} ({w}x{h}, {frames} frames), --workers {args.workers}\n")
    print(f"- end to end: **{frames / wall:.2f} frames/s** ({wall:.1f} s wall)")
    print(f"- GPU busy: mean utilisation {mean_util:.1%}, a kernel running in "
          f"{share_active:.1%} of {len(samples)} samples (nvidia-smi every 200 ms)")
    print(f"- smoothing ran with: {', '.join(smoothed)}\n")
    print("| stage | chunks | seconds (summed over chunks) |")
    print("|---|---:|---:|")
    for name, chunks, secs in stage_seconds(work):
        print(f"| {name} | {chunks or '-'} | {secs:.1f} |")
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("section", choices=("stylise", "render", "machine"))
    ap.add_argument("--dry-run", action="store_true",
                    help="the same steps on the CPU at a tiny size (checks the script)")
    ap.add_argument("--frames", type=int, default=16, help="stylise: frames per case")
    ap.add_argument("--workers", type=int, default=4, help="render: Luigi workers")
    ap.add_argument("--out", help="render: a folder for the project and logs (default: a temp)")
    args = ap.parse_args(argv)
    if args.section == "machine":
        print(f"machine: {machine()}  ")
    else:
        {"stylise": stylise, "render": render}[args.section](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
