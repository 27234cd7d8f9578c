#!/usr/bin/env python3
"""CPU core-seconds per 1080p frame spent outside the generator (issue #12, point 3).

    .venv/bin/python bench/bench_overhead.py                  # 48 frames at 1920x1080
    .venv/bin/python bench/bench_overhead.py --frames 96 --size 1280x720
    .venv/bin/python bench/bench_overhead.py --exr-frames 4   # + the 4K scene-linear row (#23)

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

With ``--exr-frames N`` (issue #23, item 2) a second shot is rendered the same
way after the first: a 4096x2160 ACEScg scene-linear plate, the sample's first
N frames upscaled (lanczos, 16-bit), taken from sRGB to ACEScg by OCIO
(``sRGB - Texture``), scaled by 1.25 (highlights above display white, so the
EXR's unshown part is not empty) and written as half-float EXR (zip, RGB, 24
frames/s in the header) in
bench/out/overhead/; the shot has ``colorspace: ACEScg`` and default settings
otherwise (the EXR deliverable is on by default for an EXR source; the default
view). Its table is followed by one comparing core-s per frame, stage by stage,
with the first shot's (the 1080p figure) and the ratio, against the bound of
4x the 1080p figure (the pixel ratio 4096x2160 / 1920x1080 is 4.27).
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
import shutil
import time
from pathlib import Path
from typing import Optional

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import machine, note, throwaway_project  # noqa: E402

OUT = REPO / "bench" / "out" / "overhead"
SHOT = "bench"
LUIGI = str(Path(sys.executable).parent / "luigi")
TARGET = 0.1
EXR_SIZE = (4096, 2160)
EXR_BOUND = 4.0  # issue #23 item 2: 4K per-frame overhead <= 4x the 1080p one


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


def prepare_exr_source(frames: int, width: int, height: int) -> str:
    """The sample's first ``frames`` frames as a WxH ACEScg half-float EXR sequence
    (made once, then reused); its pattern."""
    folder = OUT / f"exr_acescg_{width}x{height}_{frames}f"
    pattern = folder / "plate.####.exr"
    if folder.is_dir():
        return str(pattern)
    import numpy as np
    import OpenImageIO as oiio
    import PyOpenColorIO as ocio

    from pipeline.config import BUILTIN_OCIO_CONFIG
    note(f"making {folder.name}")
    raw = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i",
                          str(REPO / "samples" / "city_s01.mpg"), "-map", "0:v:0",
                          "-frames:v", str(frames),
                          "-vf", f"scale={width}:{height}:flags=lanczos",
                          "-f", "rawvideo", "-pix_fmt", "rgb48le", "-"],
                         check=True, capture_output=True).stdout
    pixels = np.frombuffer(raw, np.uint16).reshape(-1, height, width, 3)
    if len(pixels) != frames:
        raise SystemExit(f"the sample gave {len(pixels)} frames, expected {frames}")
    config = ocio.Config.CreateFromFile(BUILTIN_OCIO_CONFIG)
    cpu = config.getProcessor("sRGB - Texture", "ACEScg").getDefaultCPUProcessor()
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i, frame in enumerate(pixels):
        rgb = np.ascontiguousarray(frame, dtype=np.float32) / np.float32(65535)
        cpu.applyRGB(rgb)
        rgb *= np.float32(1.25)  # highlights above display white
        spec = oiio.ImageSpec(width, height, 3, oiio.HALF)
        spec.channelnames = ("R", "G", "B")
        spec.attribute("compression", "zip")
        spec.attribute("FramesPerSecond", oiio.TypeRational, (24, 1))
        name = str(tmp / f"plate.{1001 + i:04d}.exr")
        out = oiio.ImageOutput.create(name)
        if not (out.open(name, spec) and out.write_image(rgb) and out.close()):
            raise SystemExit(f"{name}: {oiio.geterror()}")
    os.replace(tmp, folder)
    return str(pattern)


def save_identity(path: Path) -> None:
    import torch

    class Identity(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    torch.jit.save(torch.jit.script(Identity()), str(path))


def make_project(root: Path, clip, colorspace: Optional[str] = None) -> dict:
    """A fresh project at ``root`` (default pipeline.yaml, identity style, the shot
    with ``colorspace`` when given); its env, whose PYTHONPATH starts with this
    repository (so ``luigi --module tasks`` runs this checkout's code)."""
    env = throwaway_project(root, clip, SHOT, "identity",
                            "checkpoint: ../../identity.pt\nformat: torchscript\n"
                            "model: {input_range: [0, 1], size_multiple: 1}\n")
    if colorspace:
        with open(root / "configs" / "shots" / f"{SHOT}.yaml", "a") as fh:
            fh.write(f"colorspace: {json.dumps(colorspace)}\n")
    save_identity(root / "identity.pt")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
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


def report(size: str, n: int, source: str, runs: dict, order: list[str],
           starts: list, root: Path) -> dict:
    """The Markdown table of one shot; task -> (invocations, core-s, net core-s) per frame."""
    boot = statistics.median(c for _, c in starts)
    boot_wall = statistics.median(w for w, _ in starts)
    print("| stage (task) | invocations | wall s | CPU core-s | core-s/frame "
          "| core-s/frame minus start-ups |")
    print("|---|---:|---:|---:|---:|---:|")
    total_wall = total_cpu = 0.0
    invocations = 0
    per_frame = {}
    for task, rows in runs.items():
        wall, cpu, k = sum(w for w, _ in rows), sum(c for _, c in rows), len(rows)
        total_wall, total_cpu, invocations = total_wall + wall, total_cpu + cpu, invocations + k
        per_frame[task] = (k, cpu / n, (cpu - k * boot) / n)
        print(f"| {task} | {k} | {wall:.1f} | {cpu:.1f} | {cpu / n:.3f} "
              f"| {(cpu - k * boot) / n:.3f} |")
    per_frame["total"] = (invocations, total_cpu / n, (total_cpu - invocations * boot) / n)
    print(f"| **total** | {invocations} | {total_wall:.1f} | {total_cpu:.1f} "
          f"| {total_cpu / n:.3f} | {(total_cpu - invocations * boot) / n:.3f} |")
    print(f"\nbare `luigi --module tasks` start-up (complete ProbeSource, median of "
          f"{len(starts)}): {boot_wall:.2f} s wall, {boot:.2f} core-s; x {invocations} "
          f"invocations = {invocations * boot:.1f} core-s ({invocations * boot / n:.3f} per frame)")
    net = (total_cpu - invocations * boot) / n
    print(f"\n**overhead: {total_cpu / n:.3f} core-s per {size} {source} frame "
          f"({net:.3f} without start-ups); target <= {TARGET}: "
          f"{'met' if total_cpu / n <= TARGET else f'{total_cpu / n / TARGET:.0f}x over'}**")
    timings = encode_timings(root)
    if timings:
        print("\nencode steps (the encode manifest's `timings`, wall s): "
              + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    print(f"\none process per task, in this order, from {root.relative_to(REPO)}:\n")
    cmd = shlex.join([os.path.relpath(LUIGI, root), *task_cmd("TASK")[1:]])
    print(f"`{cmd}` with TASK = " + "; ".join(f"`{t}`" for t in order) + "\n")
    return per_frame


def encode_timings(root: Path) -> dict:
    """The encode stage's own per-step wall times (mov+mp4, frames, exr), if any."""
    try:
        manifest = json.loads((root / "work" / SHOT / "encode" / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    return dict(manifest.get("timings") or {})


def compare(base: dict, base_size: str, big: dict, big_size: str, pixel_ratio: float) -> None:
    """Per-frame core-s of the 4K EXR shot against the first (1080p) shot, stage by stage."""
    print(f"| stage (task) | {base_size} core-s/frame | {big_size} EXR core-s/frame "
          f"| ratio | {base_size} minus start-ups | {big_size} EXR minus start-ups | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for task in [*big.keys()]:
        if task not in base:
            continue
        (_, b, bn), (_, e, en) = base[task], big[task]
        name = "**total**" if task == "total" else task
        print(f"| {name} | {b:.3f} | {e:.3f} | {e / b if b else float('nan'):.2f} "
              f"| {bn:.3f} | {en:.3f} | {en / bn if bn > 0 else float('nan'):.2f} |")
    (_, b, bn), (_, e, en) = base["total"], big["total"]
    bound = EXR_BOUND * b
    print(f"\n**4K scene-linear overhead: {e:.2f} core-s per frame = {e / b:.2f}x the "
          f"{base_size} figure ({en / bn:.2f}x without start-ups; pixel ratio "
          f"{pixel_ratio:.2f}); bound <= {EXR_BOUND:g}x ({bound:.2f} core-s): "
          f"{'met' if e <= bound else 'not met'}**")


def section(frames: int, size: tuple[int, int], source, root: Path, startups: int,
            colorspace: Optional[str] = None) -> tuple[dict, list[str], list]:
    env = make_project(root, source, colorspace)
    note(f"rendering {frames} frames at {size[0]}x{size[1]} from {Path(source).name}, "
         "one task per process")
    runs, order = render_by_stage(env, root)
    plates = len(list((root / "work" / SHOT / "plates").glob("*.png")))
    if plates != frames:
        raise SystemExit(f"decoded {plates} plates, expected {frames}")
    return runs, order, startup(env, root, max(1, startups))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=48,
                    help="source frames (default 48; 0: only the --exr-frames shot)")
    ap.add_argument("--size", default="1920x1080", help="WxH of the source (default 1920x1080)")
    ap.add_argument("--startups", type=int, default=3, help="bare start-ups to measure")
    ap.add_argument("--exr-frames", type=int, default=0,
                    help="also render a 4096x2160 ACEScg EXR shot of this many frames "
                         "(issue #23; 3-8 keep it to a few minutes) and compare (default 0: off)")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))
    OUT.mkdir(parents=True, exist_ok=True)
    clip = prepare_source(args.frames, width, height) if args.frames > 0 else None
    exr = prepare_exr_source(args.exr_frames, *EXR_SIZE) if args.exr_frames > 0 else None
    if clip is None and exr is None:
        raise SystemExit("nothing to render: --frames 0 and no --exr-frames")
    root = OUT / "project"
    if clip:
        runs, order, starts = section(args.frames, (width, height), clip, root, args.startups)
    if exr:
        root_exr = OUT / "project_exr"
        exr_runs = section(args.exr_frames, EXR_SIZE, exr, root_exr, args.startups, "ACEScg")
    print(f"machine: {machine()}  ")
    print(f"date: {datetime.datetime.now().isoformat(timespec='seconds')}  ")
    print(f"command: `{shlex.join([os.path.relpath(sys.executable), *sys.argv])}`  ")
    print("style: identity TorchScript (generator forward ~0); CPU = wait4 "
          "ru_utime+ru_stime of each process tree\n")
    if clip:
        print(f"input: {clip.relative_to(REPO)} ({args.size}, {args.frames} frames, FFV1)\n")
        base = report(args.size, args.frames, "movie", runs, order, starts, root)
    if exr:
        big_size = f"{EXR_SIZE[0]}x{EXR_SIZE[1]}"
        print(f"#### {big_size} ACEScg EXR, {args.exr_frames} frames\n")
        print(f"input: {Path(exr).relative_to(REPO)} (half float, zip, RGB; the sample "
              "upscaled, sRGB - Texture -> ACEScg x 1.25); shot `colorspace: ACEScg`, "
              "default view, EXR deliverable on (the default for an EXR source)\n")
        big = report(big_size, args.exr_frames, "ACEScg EXR", *exr_runs, root_exr)
        if clip:
            compare(base, args.size, big, big_size,
                    EXR_SIZE[0] * EXR_SIZE[1] / (width * height))
    return 0


if __name__ == "__main__":
    sys.exit(main())
