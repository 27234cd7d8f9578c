#!/usr/bin/env python3
"""Per-stage wall time, frames/s and peak memory of the pipeline on the sample shot.

    python bench/bench_pipeline.py                 # sample shot at 1x and 2x length
    python bench/bench_pipeline.py --lengths 1 2 4 # more lengths (multiples of the sample)

Each stage runs in a fresh child process (as a Luigi worker would run it), so
its peak RSS is measured alone: 'py MiB' is the Python process, 'ffmpeg MiB'
the largest ffmpeg it started. Longer shots are the sample looped; peak memory
must stay flat as the length grows (frames are streamed, never all in memory).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine  # noqa: E402

STAGES = ("probe", "decode", "stylize", "flow", "smooth", "encode", "metrics")


def run_stage(stage: str, shot: str) -> dict:
    """Child side: run one stage for every chunk, report time and memory."""
    from pipeline.graph.table import lookup
    from pipeline.stages.registry import run_stage as run
    from pipeline.workarea.plan import ShotPlan

    plan = ShotPlan.load(shot)
    t0 = time.perf_counter()
    frames = 0
    row = lookup(stage)  # a stage name or alias of the stage table
    if row.chunked:
        for chunk in plan.frames.chunks():
            run(plan, row.name, chunk)
            frames += len(chunk)
    else:
        result = run(plan, row.name)
        if stage in ("probe", "decode"):
            frames = result.frame_count if stage == "probe" else result
        else:
            a, b = plan.frames.range()
            frames = b - a + 1
    wall = time.perf_counter() - t0
    return {"stage": stage, "frames": frames, "wall_s": wall,
            "py_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "ffmpeg_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def make_project(root: Path, loops: int) -> None:
    """Config dir for a shot 'bench' = the sample looped ``loops`` times."""
    src = REPO / "samples" / "city_s01.mpg"
    if loops > 1:
        looped = root / f"city_x{loops}.mkv"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-stream_loop", str(loops - 1),
                        "-i", str(src), "-c:v", "ffv1", "-level", "3", str(looped)], check=True)
        src = looped
    cfg = root / "configs"
    (cfg / "shots").mkdir(parents=True)
    (cfg / "styles").mkdir()
    shutil.copy(REPO / "configs" / "pipeline.yaml", cfg / "pipeline.yaml")
    style = (REPO / "configs" / "styles" / "city_paint.yaml").read_text()
    (cfg / "styles" / "city_paint.yaml").write_text(
        style.replace("../../samples", str(REPO / "samples")))
    (cfg / "shots" / "bench.yaml").write_text(
        f"source: {json.dumps(str(src))}\nstyle: city_paint\n")


def bench_length(loops: int) -> list[dict]:
    with tempfile.TemporaryDirectory(prefix="shotstyle-bench-") as tmp:
        root = Path(tmp)
        make_project(root, loops)
        env = dict(os.environ, SHOTSTYLE_CONFIG_DIR=str(root / "configs"),
                   SHOTSTYLE_WORK_ROOT=str(root / "work"),
                   SHOTSTYLE_RENDER_ROOT=str(root / "renders"))
        rows = []
        for stage in STAGES:
            out = subprocess.run([sys.executable, __file__, "--run-stage", stage], env=env,
                                 check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
        return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lengths", type=int, nargs="+", default=[1, 2],
                    help="shot lengths as multiples of the sample (default: 1 2)")
    ap.add_argument("--run-stage", choices=STAGES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run_stage:
        print(json.dumps(run_stage(args.run_stage, "bench")))
        return 0
    print(f"machine: {machine()}")
    print("shot: samples/city_s01.mpg (720x405, 25 fps), style city_paint, "
          "configs/pipeline.yaml settings\n")
    print("| frames | stage | wall s | frames/s | py MiB | ffmpeg MiB |")
    print("|---:|---|---:|---:|---:|---:|")
    for loops in args.lengths:
        rows = bench_length(loops)
        for r in rows:
            fps = r["frames"] / r["wall_s"] if r["wall_s"] > 0 else float("inf")
            print(f"| {rows[0]['frames']} | {r['stage']} | {r['wall_s']:.2f} | {fps:.1f} | "
                  f"{r['py_mib']:.0f} | {r['ffmpeg_mib']:.0f} |", flush=True)
        total = sum(r["wall_s"] for r in rows)
        print(f"| {rows[0]['frames']} | **total** | {total:.2f} | {rows[0]['frames'] / total:.1f} "
              f"| {max(r['py_mib'] for r in rows):.0f} | {max(r['ffmpeg_mib'] for r in rows):.0f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
