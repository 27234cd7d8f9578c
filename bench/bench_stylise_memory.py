#!/usr/bin/env python3
"""Stylise: CPU and peak memory per frame at 1080p and 4K, and the pixels' change (issue #23).

    python bench/bench_stylise_memory.py                       # this checkout, the default cases
    python bench/bench_stylise_memory.py --code /tmp/before    # another checkout's code, same cases
    python bench/bench_stylise_memory.py --cases 1080:8:city:default:4 --rounds 3 --save /tmp/a

Each case runs in a process of its own (so its peak RSS is its own), with the
code of ``--code`` (default: this checkout) first on ``sys.path``: the
Stylizer that ``models.stylizer.ready_stylizer`` makes on the CPU (2 threads
unless ``--threads``; OpenVINO for the shipped style, bf16 on a CPU with native
bf16), fed as the styled stage feeds it: ``--frames`` frames in calls of
``batch`` frames. The frames are the sample clip's first frames upscaled
(lanczos) to the case's size; 16-bit cases scale them by 257.

A case is ``SIZE:BITS:STYLE:TILE:BATCH``: SIZE ``1080`` (1920x1080) or ``4k``
(4096x2160) or WxH; STYLE ``city`` (samples/styles/city_paint.pt) or
``identity`` (a TorchScript module that returns its input, as in
bench_overhead.py: the cost around the generator); TILE a tile_size or
``default`` (that checkout's ``PipelineConfig().tile_size``).

Printed per case: CPU core-s per frame (user + system of the process over the
timed rounds, after one untimed call at the size), wall s per frame, the
process's peak RSS (VmHWM: set-up, the frames held and the stylising),
minor page faults per frame. With ``--save DIR`` the last round's output frames
are kept as ``DIR/<case>.npy``; with ``--against DIR`` each case's output is
compared with the same case name's file there (mean and largest absolute
difference in output levels, share of values that differ).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CASES = ["1080:8:city:default:4", "4k:8:city:default:4", "1080:8:identity:default:4",
         "4k:16:identity:default:4"]


def _size(text: str) -> tuple[int, int]:
    named = {"1080": (1920, 1080), "4k": (4096, 2160), "sample": (720, 405)}
    if text in named:
        return named[text]
    w, h = text.lower().split("x")
    return int(w), int(h)


def worker(case: str, code: Path, frames_n: int, rounds: int, threads: int,
           save: str) -> dict:
    """Run one case in this process; returns its figures."""
    sys.path.insert(0, str(code))
    import cv2
    import numpy as np
    import torch

    from bench.common import decode_frames
    from models.stylizer import ready_stylizer
    from pipeline.config import PipelineConfig

    size, bits, style, tile, batch = case.split(":")
    w, h = _size(size)
    tile_size = PipelineConfig().tile_size if tile == "default" else int(tile)
    batch = int(batch)
    if style == "identity":
        class Identity(torch.nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return x

        path = Path(f"/tmp/bench_stylise_identity_{os.getpid()}.pt")
        torch.jit.save(torch.jit.script(Identity()), str(path))
        args = (path, "torchscript", {"input_range": [0, 1], "size_multiple": 1})
    else:
        args = (REPO / "samples" / "styles" / "city_paint.pt", "shotstyle", None)
    stylizer, setup = ready_stylizer(*args, device="cpu", tile_size=tile_size, threads=threads,
                                     openvino_cache=Path("/tmp/bench_stylise_ovc"))
    if style == "identity":
        path.unlink()
    clip = decode_frames(REPO / "samples" / "city_s01.mpg", list(range(frames_n)))
    frames = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_LANCZOS4)
                       for f in clip.values()])
    if bits == "16":
        frames = frames.astype(np.uint16) * 257
    batches = [frames[i:i + batch] for i in range(0, len(frames), batch)]
    stylizer(batches[0])  # first call at this size: kernels made
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
    for r in range(rounds):
        out = [stylizer(b) for b in batches]
        if r < rounds - 1:
            del out
    t1, r1 = time.monotonic(), resource.getrusage(resource.RUSAGE_SELF)
    if save:
        np.save(Path(save) / f"{case.replace(':', '_')}.npy", np.concatenate(out))
    n = rounds * len(frames)
    return {"case": case, "tile": tile_size, "backend": setup.backend,
            "cpu": (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) / n,
            "wall": (t1 - t0) / n, "faults": (r1.ru_minflt - r0.ru_minflt) / n,
            "rss": peak_rss_mib(r1)}


def peak_rss_mib(usage) -> float:
    """This process's peak RSS: VmHWM (its own address space's), not ru_maxrss,
    which after fork and exec can hold the parent's peak (Linux keeps the larger)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return usage.ru_maxrss / 1024


def compare(case: str, mine: str, against: str) -> str:
    import numpy as np
    name = f"{case.replace(':', '_')}.npy"
    a, b = Path(mine) / name, Path(against) / name
    if not (a.is_file() and b.is_file()):
        return "-"
    x, y = np.load(a, mmap_mode="r"), np.load(b, mmap_mode="r")
    total, top, differ = 0.0, 0, 0
    for i in range(len(x)):
        d = np.abs(x[i].astype(np.int32) - y[i])
        total, top, differ = total + d.sum(), max(top, int(d.max())), differ + (d > 0).sum()
    return f"{total / x.size:.3f} / {top} / {differ / x.size * 100:.1f} %"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--code", type=Path, default=REPO, help="checkout whose models/ run")
    ap.add_argument("--cases", nargs="+", default=CASES)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save", default="", help="keep each case's output frames here")
    ap.add_argument("--against", default="", help="compare with the outputs saved here")
    ap.add_argument("--worker", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.code, args.frames, args.rounds, args.threads,
                                args.save)))
        return 0
    if args.save:
        Path(args.save).mkdir(parents=True, exist_ok=True)
    print(f"code: {args.code}; {args.frames} frames x {args.rounds} rounds, {args.threads} "
          f"threads\n")
    print("| case (size:bits:style:tile:batch) | tile_size | backend | core-s/frame | "
          "wall s/frame | peak RSS MiB | minor faults/frame | vs --against: mean / max / "
          "share differing |")
    print("|---|---:|---|---:|---:|---:|---:|---|")
    for case in args.cases:
        cmd = [sys.executable, __file__, "--worker", case, "--code", str(args.code),
               "--frames", str(args.frames), "--rounds", str(args.rounds),
               "--threads", str(args.threads), "--save", args.save]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        diff = compare(case, args.save, args.against) if args.save and args.against else "-"
        print(f"| {case} | {r['tile']} | {r['backend']} | {r['cpu']:.3f} | {r['wall']:.3f} | "
              f"{r['rss']:.0f} | {r['faults']:.0f} | {diff} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
