#!/usr/bin/env python3
"""The encode stage's two movies: separate FFmpeg runs against one run, and the mp4's x264 preset.

    python bench/bench_encode.py                 # shot s01, after a render of it; 2 rounds
    python bench/bench_encode.py --shot s01 --rounds 1 --presets medium,veryfast

Reads a rendered shot's final frames in the work area (render it first:
``luigi --module tasks RenderShot --shot s01 --local-scheduler``) and writes
the ProRes .mov and the H.264 .mp4 as the encode stage does
(``pipeline.media.encode``), into a temporary folder:

* ``separate``: one FFmpeg run per movie, each reading the frames (before #23);
* ``one run``: both from one FFmpeg run reading the frames once (``encode_movies``),
  at each preset of ``--presets``.

Wall seconds and process CPU seconds (children's user + system) are medians over
rounds; variants are interleaved within a round. Each movie's decoded frames
are compared with the separate runs' (framemd5): "same" means every frame's
picture is identical. The mp4's SSIM / PSNR (all planes, FFmpeg's filters) are
against the .mov taken to yuv420p (the mp4's padding to even cropped off), and its size is in kB.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import machine, note  # noqa: E402
from pipeline.config import OutputConfig  # noqa: E402
from pipeline.graph.table import FINAL, PLATES  # noqa: E402
from pipeline.media.encode import EncodeJob, encode_h264, encode_movies, encode_prores  # noqa: E402
from pipeline.media.sequence import frame_pattern  # noqa: E402
from pipeline.stages.common import source_info  # noqa: E402
from pipeline.workarea.plan import ShotPlan  # noqa: E402


def job_of(shot: str) -> EncodeJob:
    plan = ShotPlan.load(shot)
    info = source_info(plan)
    first, last = plan.frames.range()
    return EncodeJob(frame_pattern(plan.paths.stage_dir(FINAL), shot), first, last - first + 1,
                     info, frame_pattern(plan.paths.stage_dir(PLATES), shot)
                     if info.has_alpha else None, info.display_crop)


def timed(fn) -> tuple[float, float]:
    c0, t0 = os.times(), time.monotonic()
    fn()
    c1 = os.times()
    return (time.monotonic() - t0,
            (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system))


def frame_hashes(movie: Path) -> list[str]:
    out = subprocess.run(["ffmpeg", "-v", "error", "-i", str(movie), "-map", "0:v",
                          "-f", "framemd5", "-"], capture_output=True, text=True, check=True)
    return [ln.rsplit(",", 1)[1].strip() for ln in out.stdout.splitlines()
            if ln and not ln.startswith("#")]


def quality(mp4: Path, mov: Path, size: tuple[int, int]) -> tuple[float, float]:
    """SSIM (All) and PSNR (average) of ``mp4`` (its even padding cropped off) against
    ``mov`` at yuv420p."""
    def measure(name: str, pattern: str) -> float:
        out = subprocess.run(["ffmpeg", "-v", "info", "-nostats", "-i", str(mp4), "-i", str(mov),
                              "-lavfi", f"[0:v]crop={size[0]}:{size[1]}:0:0:exact=1,format=yuv420p[a];[1:v]format=yuv420p[b];"
                              f"[a][b]{name}", "-f", "null", "-"],
                             capture_output=True, text=True, check=True).stderr
        return float(re.search(pattern, out).group(1))
    return measure("ssim", r"SSIM .* All:([\d.]+)"), measure("psnr", r"PSNR .* average:([\d.inf]+)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shot", default="s01")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--presets", default="medium,fast,veryfast")
    args = ap.parse_args()
    job, base = job_of(args.shot), OutputConfig()
    presets = args.presets.split(",")
    out = Path(tempfile.mkdtemp(prefix="bench-encode-"))
    variants = {"separate (medium)": lambda d: (encode_prores(job, d / "a.mov"),
                                                encode_h264(job, d / "a.mp4", base))}
    for p in presets:
        cfg = dataclasses.replace(base, mp4_preset=p)
        variants[f"one run ({p})"] = (lambda d, cfg=cfg: encode_movies(
            job, {"mov": d / "a.mov", "mp4": d / "a.mp4"}, cfg))
    times: dict[str, list[tuple[float, float]]] = {v: [] for v in variants}
    for r in range(args.rounds):
        for name, fn in variants.items():
            d = out / re.sub(r"\W+", "_", name)
            d.mkdir(exist_ok=True)
            note(f"round {r + 1}: {name}")
            times[name].append(timed(lambda: fn(d)))
    ref = out / re.sub(r"\W+", "_", "separate (medium)")
    ref_mov, ref_mp4 = frame_hashes(ref / "a.mov"), frame_hashes(ref / "a.mp4")
    print(f"# {machine()}; {args.shot}: {job.count} frames {job.info.width}x{job.info.height}, "
          f"median of {args.rounds}")
    print("| variant | wall (s) | CPU (s) | .mov frames | .mp4 frames | .mp4 kB "
          "| .mp4 SSIM / PSNR vs .mov |")
    print("|---|---|---|---|---|---|---|")
    for name in variants:
        d = out / re.sub(r"\W+", "_", name)
        wall = statistics.median(t[0] for t in times[name])
        cpu = statistics.median(t[1] for t in times[name])
        same_mov = "same" if frame_hashes(d / "a.mov") == ref_mov else "differ"
        same_mp4 = "same" if frame_hashes(d / "a.mp4") == ref_mp4 else "differ"
        ssim, psnr = quality(d / "a.mp4", d / "a.mov", (job.info.width, job.info.height))
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {same_mov} | {same_mp4} | "
              f"{(d / 'a.mp4').stat().st_size / 1000:.0f} | {ssim:.4f} / {psnr:.2f} dB |")
    note(f"movies left in {out}")


if __name__ == "__main__":
    main()
