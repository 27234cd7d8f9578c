#!/usr/bin/env python3
"""CPU core-seconds per 1080p frame spent outside the generator (issue #12, point 3).

    .venv/bin/python bench/bench_overhead.py                  # 48 frames at 1920x1080
    .venv/bin/python bench/bench_overhead.py --frames 96 --size 1280x720

What it measures: everything shotstyle does around the style generator's forward
pass (decode, PNG I/O, optical flow, smoothing, encodes, metrics, report, Luigi
and Python start-up), in CPU core-seconds per source frame, against the issue's
target of 0.1.

How: the sample samples/city_s01.mpg is upscaled (lanczos) to --size, its first
--frames frames stored losslessly (FFV1) in bench/out/overhead/. A fresh
throwaway project in bench/out/overhead/project gets the repo's
configs/pipeline.yaml unchanged (work/render roots inside it, default threads)
and one shot with default settings (adaptive smoothing, .mov + .mp4 + PNG
deliverables, metrics, report) whose style is an identity TorchScript module
(forward returns its input), so the generator itself costs ~nothing. The shot is
then rendered one task per process, in dependency order:
``luigi --module tasks <Task> --shot bench [--first F --last L] --local-scheduler``
for ProbeSource, DecodeFrames, FlowChunk/StylizeChunk/SmoothChunk per chunk (the
layout plan.frames.chunks() gives), EncodeClip, ShotMetrics, ShotReport. Each
process is timed with os.wait4: ru_utime + ru_stime of it and of the descendants
it waited for (ffmpeg children included), so CPU time from another job on the
machine does not count; wall time is shown alongside. A bare start-up (the
already complete ProbeSource run again: imports, config load, complete() check,
nothing to do) is measured --startups times and its median subtracted once per
invocation for the "minus start-ups" line. Markdown to stdout, progress to stderr.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, note, throwaway_project  # noqa: E402

OUT = REPO / "bench" / "out" / "overhead"
SHOT = "bench"
LUIGI = str(Path(sys.executable).parent / "luigi")
TARGET = 0.1


def prepare_source(frames: int, width: int, height: int) -> Path:
    """The sample's first ``frames`` frames upscaled to WxH, FFV1 (made once, then reused)."""
    dst = OUT / f"city_s01_{width}x{height}_{frames}f.mkv"
    if not dst.exists():
        note(f"making {dst.name}")
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i",
                        str(REPO / "samples" / "city_s01.mpg"), "-map", "0:v:0",
                        "-frames:v", str(frames), "-vf", f"scale={width}:{height}:flags=lanczos",
                        "-c:v", "ffv1", "-level", "3", str(dst) + ".tmp.mkv"], check=True)
        os.replace(str(dst) + ".tmp.mkv", dst)
    return dst


def save_identity(path: Path) -> None:
    import torch

    class Identity(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    torch.jit.save(torch.jit.script(Identity()), str(path))


def make_project(root: Path, clip: Path) -> dict:
    """A fresh project at ``root`` (default pipeline.yaml, identity style); its env."""
    env = throwaway_project(root, clip, SHOT, "identity",
                            "checkpoint: ../../identity.pt\nformat: torchscript\n"
                            "model: {input_range: [0, 1], size_multiple: 1}\n")
    save_identity(root / "identity.pt")
    return env


def measure(cmd: list[str], env: dict, cwd: Path, log: Path) -> tuple[float, float]:
    """Run ``cmd`` to the end: (wall s, CPU core-s of it and its waited-for descendants)."""
    with open(log, "w") as fh:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"exit {proc.returncode}: {shlex.join(cmd)}\n"
                           f"{log.read_text(errors='replace')[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def task_cmd(task: str, *args: str) -> list[str]:
    return [LUIGI, "--module", "tasks", task, "--shot", SHOT, *args, "--local-scheduler"]


def chunks(env: dict, cwd: Path) -> list[tuple[int, int]]:
    """The shot's chunks as the pipeline lays them out (needs the plates; not timed)."""
    code = ("import json; from pipeline.workarea.plan import ShotPlan; "
            f"print(json.dumps([[c.first, c.last] "
            f"for c in ShotPlan.load({SHOT!r}).frames.chunks()]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True).stdout
    return [tuple(c) for c in json.loads(out.strip().splitlines()[-1])]


def render_by_stage(env: dict, root: Path) -> tuple[dict, list[str]]:
    """Run every task of the shot in its own process: task name -> [(wall, cpu)],
    and the invocations in the order they ran."""
    logs = root / "bench_logs"
    logs.mkdir()
    runs: dict[str, list[tuple[float, float]]] = {}
    order: list[str] = []

    def run(task: str, *args: str) -> None:
        cmd = task_cmd(task, *args)
        wall, cpu = measure(cmd, env, root, logs / f"{len(os.listdir(logs)):02d}_{task}.log")
        note(f"  {task} {' '.join(args)}: {wall:.1f} s wall, {cpu:.1f} core-s")
        runs.setdefault(task, []).append((wall, cpu))
        order.append(" ".join((task, *args)))

    run("ProbeSource")
    run("DecodeFrames")
    for first, last in chunks(env, root):
        for task in ("FlowChunk", "StylizeChunk", "SmoothChunk"):
            run(task, "--first", str(first), "--last", str(last))
    for task in ("EncodeClip", "ShotMetrics", "ShotReport"):
        run(task)
    return runs, order


def startup(env: dict, root: Path, repeat: int) -> list[tuple[float, float]]:
    """A luigi process that finds its task complete (ProbeSource) and does nothing."""
    out = [measure(task_cmd("ProbeSource"), env, root, root / "bench_logs" / "startup.log")
           for _ in range(repeat)]
    note("  bare start-up: " + ", ".join(f"{c:.2f}" for _, c in out) + " core-s")
    return out


def report(args, clip: Path, runs: dict, order: list[str], starts: list) -> None:
    n = args.frames
    boot = statistics.median(c for _, c in starts)
    boot_wall = statistics.median(w for w, _ in starts)
    print(f"machine: {machine()}  ")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}  ")
    print(f"command: `{shlex.join([os.path.relpath(sys.executable), *sys.argv])}`  ")
    print(f"input: {clip.relative_to(REPO)} ({args.size}, {n} frames, FFV1); style: identity "
          "TorchScript (generator forward ~0); CPU = wait4 ru_utime+ru_stime of each process "
          "tree\n")
    print("| stage (task) | invocations | wall s | CPU core-s | core-s/frame "
          "| core-s/frame minus start-ups |")
    print("|---|---:|---:|---:|---:|---:|")
    total_wall = total_cpu = 0.0
    invocations = 0
    for task, rows in runs.items():
        wall, cpu, k = sum(w for w, _ in rows), sum(c for _, c in rows), len(rows)
        total_wall, total_cpu, invocations = total_wall + wall, total_cpu + cpu, invocations + k
        print(f"| {task} | {k} | {wall:.1f} | {cpu:.1f} | {cpu / n:.3f} "
              f"| {(cpu - k * boot) / n:.3f} |")
    print(f"| **total** | {invocations} | {total_wall:.1f} | {total_cpu:.1f} "
          f"| {total_cpu / n:.3f} | {(total_cpu - invocations * boot) / n:.3f} |")
    print(f"\nbare `luigi --module tasks` start-up (complete ProbeSource, median of "
          f"{len(starts)}): {boot_wall:.2f} s wall, {boot:.2f} core-s; x {invocations} "
          f"invocations = {invocations * boot:.1f} core-s ({invocations * boot / n:.3f} per frame)")
    net = (total_cpu - invocations * boot) / n
    print(f"\n**overhead: {total_cpu / n:.3f} core-s per {args.size} frame "
          f"({net:.3f} without start-ups); target <= {TARGET}: "
          f"{'met' if total_cpu / n <= TARGET else f'{total_cpu / n / TARGET:.0f}x over'}**")
    print(f"\none process per task, in this order, from {OUT.relative_to(REPO)}/project:\n")
    cmd = shlex.join([os.path.relpath(LUIGI, OUT / "project"), *task_cmd("TASK")[1:]])
    print(f"`{cmd}` with TASK = " + "; ".join(f"`{t}`" for t in order))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48, help="source frames (default 48)")
    ap.add_argument("--size", default="1920x1080", help="WxH of the source (default 1920x1080)")
    ap.add_argument("--startups", type=int, default=3, help="bare start-ups to measure")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    OUT.mkdir(parents=True, exist_ok=True)
    clip = prepare_source(args.frames, width, height)
    root = OUT / "project"
    env = make_project(root, clip)
    note(f"rendering {args.frames} frames at {args.size}, one task per process")
    runs, order = render_by_stage(env, root)
    plates = len(list((root / "work" / SHOT / "plates").glob("*.png")))
    if plates != args.frames:
        raise SystemExit(f"decoded {plates} plates, expected {args.frames}")
    starts = startup(env, root, max(1, args.startups))
    report(args, clip, runs, order, starts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
