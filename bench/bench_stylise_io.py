#!/usr/bin/env python3
"""Stylise: 8-bit frames into and out of the OpenVINO generator, two ways (issue #23).

    python bench/bench_stylise_io.py                 # 16 sample frames, batch 4, 3 rounds
    python bench/bench_stylise_io.py --clip C.mov --frames 32 --rounds 5

* ``float``:    before: the frames become a float32 NCHW torch tensor mapped onto
                the style's input range, the compiled model runs on it, the output
                is mapped back, clipped, rounded and made NHWC uint8 in torch;
* ``pictures``: now (``models.openvino_net.OpenVINONet.pictures``): the float32
                arithmetic in NumPy/OpenCV on NHWC frames, the layout changes inside
                the compiled model (OpenVINO pre/post-processing).

Both run the shipped style (``configs/styles/city_paint.yaml``) at the precision a
render picks (bf16 on a CPU with native bf16), on the same frames, alternating,
in one process; CPU seconds are this process's (all threads). Also printed: how
far each is from the same network run in fp32 (mean and 99th percentile of the
absolute difference, in 8-bit levels), and how many pixels the two ways differ on.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, default=REPO / "samples" / "city_s01.mpg")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()

    import torch
    from models.inference import MIN_SIDE, select_dtype
    from models.loaders import load_style_model
    from models.openvino_net import OpenVINONet
    from pipeline.config import load_style_config

    style = load_style_config("city_paint", REPO / "configs")
    loaded = load_style_model(style.checkpoint)
    dtype = select_dtype(torch.device("cpu"), "auto")
    threads = torch.get_num_threads()
    net = OpenVINONet(loaded.model, dtype, threads, loaded.size_multiple)
    exact = OpenVINONet(loaded.model, None, threads, loaded.size_multiple)
    lo, hi = loaded.input_range
    frames = np.stack(list(decode_frames(args.clip, list(range(args.frames))).values()))
    m = loaded.size_multiple
    ph = (-max(frames.shape[1], MIN_SIDE)) % m
    pw = (-max(frames.shape[2], MIN_SIDE)) % m
    frames = np.pad(frames, ((0, 0), (0, ph), (0, pw), (0, 0)), mode="edge")

    def float_path(b: np.ndarray, model: OpenVINONet = net) -> np.ndarray:
        x = torch.from_numpy(b).permute(0, 3, 1, 2).float().div_(255.0).mul_(hi - lo).add_(lo)
        y = model(x).sub_(lo).div_(hi - lo).clamp_(0.0, 1.0).mul_(255.0).round_()
        return y.to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()

    ways = {"float": float_path, "pictures": lambda b: net.pictures(b, (lo, hi))}
    batches = [frames[i:i + args.batch] for i in range(0, len(frames), args.batch)]
    outputs, cpu, wall = {}, {k: [] for k in ways}, {k: [] for k in ways}
    for way in ways.values():
        way(batches[0])  # first inference at this size: kernels built
    for _ in range(args.rounds):
        for name, way in ways.items():
            c, w = time.process_time(), time.monotonic()
            outputs[name] = np.concatenate([way(b) for b in batches])
            cpu[name].append((time.process_time() - c) / len(frames))
            wall[name].append((time.monotonic() - w) / len(frames))
    reference = np.concatenate([float_path(b, exact) for b in batches]).astype(np.int16)

    h, w = frames.shape[1:3]
    print(f"machine: {machine()}  ")
    print(f"date: {time.strftime('%Y-%m-%dT%H:%M:%S')}  ")
    command = " ".join(["python bench/bench_stylise_io.py", *sys.argv[1:]])
    print(f"command: `{command}`  ")
    print(f"{len(frames)} frames of {args.clip.name} ({w}x{h} as the network takes them), "
          f"batch {args.batch}, {threads} threads, precision {net.precision}; medians of "
          f"{args.rounds} rounds\n")
    print("| way | CPU ms per frame | wall ms per frame | vs fp32: mean levels | p99 levels |")
    print("|---|---:|---:|---:|---:|")
    for name in ways:
        diff = np.abs(outputs[name].astype(np.int16) - reference)
        print(f"| {name} | {1000 * statistics.median(cpu[name]):.1f} | "
              f"{1000 * statistics.median(wall[name]):.1f} | {diff.mean():.3f} | "
              f"{np.percentile(diff, 99):.0f} |")
    apart = outputs["float"] != outputs["pictures"]
    print(f"\nthe two ways differ on {100 * apart.mean():.2f} % of the values "
          f"(largest {np.abs(outputs['float'].astype(int) - outputs['pictures']).max()} levels)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
