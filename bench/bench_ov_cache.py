#!/usr/bin/env python3
"""Start-up of a chunk's OpenVINO generator with and without the converted-model cache.

    python bench/bench_ov_cache.py                 # sample style, 720x405 batch 4, 3 rounds
    python bench/bench_ov_cache.py --rounds 1 --size 854x480

Each measurement is a fresh process, as each StylizeChunk is: it loads the
checkpoint, makes ``models.openvino_net.OpenVINONet`` (bf16 where the CPU has
it, else fp32) and runs one batch, timing each step. Variants, in one run:

* ``convert``:    no cache (before #23): trace + convert + compile every chunk;
* ``cold``:       an empty cache folder: convert, save the entry, compile and
                  fill OpenVINO's blob cache (the first chunk on a new style);
* ``xml``:        the saved entry read back, compiled without OpenVINO's blob cache;
* ``xml+blob``:   the saved entry and the compiled blob (every later chunk and render).

The first batch is timed apart: the compiled model's first inference at a new
size builds its kernels. Figures are medians over rounds; rounds interleave
the variants so that a busy neighbour on the machine weighs on all alike.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import machine  # noqa: E402

_CHILD = r"""
import json, sys, time
t0 = time.monotonic()
import torch
from pathlib import Path
from models.inference import select_dtype
from models.loaders import load_style_model
import models.openvino_net as on
variant, cache, w, h, batch, threads = sys.argv[1:7]
torch.set_num_threads(int(threads))
loaded = load_style_model(sys.argv[7])
dtype = select_dtype(torch.device("cpu"), "auto")
t1 = time.monotonic()
cache_dir = None if variant == "convert" else Path(cache)
if variant == "xml":   # the entry, compiled without OpenVINO's blob cache
    side = max(64, -(-64 // loaded.size_multiple) * loaded.size_multiple)
    model = loaded.model.eval().float()
    converted = on._cached_conversion(model, side, cache_dir)
    t2 = time.monotonic()
    core = on._openvino().Core()
    compiled = core.compile_model(converted, "CPU", {"INFERENCE_PRECISION_HINT":
        {torch.bfloat16: "bf16"}.get(dtype, "f32"), "INFERENCE_NUM_THREADS": int(threads)})
    net = None
else:
    net = on.OpenVINONet(loaded.model, dtype, int(threads), loaded.size_multiple, cache_dir)
    t2 = t1
    compiled = net.compiled
t3 = time.monotonic()
x = torch.rand(int(batch), 3, int(h), int(w))
request = compiled.create_infer_request()
request.infer({0: x.numpy()})
t4 = time.monotonic()
request.infer({0: x.numpy()})
t5 = time.monotonic()
print(json.dumps({"imports_load": t1 - t0, "net": t3 - t1, "first_batch": t4 - t3,
                  "next_batch": t5 - t4, "start_up": t4 - t1, "dtype": str(dtype)}))
"""


def child(variant: str, cache: Path, args) -> dict:
    w, h = args.size.split("x")
    out = subprocess.run([sys.executable, "-c", _CHILD, variant, str(cache), w, h,
                          str(args.batch), str(args.threads), str(args.checkpoint)],
                         cwd=REPO, capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", type=Path, default=REPO / "samples/styles/city_paint.pt")
    ap.add_argument("--size", default="720x405")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    rows: dict[str, list[dict]] = {}
    root = Path(tempfile.mkdtemp(prefix="ovcache-"))
    try:
        for r in range(args.rounds):
            cold = root / f"cold{r}"
            order = ["convert", "cold", "xml", "xml+blob"]  # cold must precede the warm ones
            for variant in order:
                rows.setdefault(variant, []).append(child(variant, cold, args))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"# {machine()}; {args.checkpoint.name}, {args.size} batch {args.batch}, "
          f"{args.threads} threads, {rows['convert'][0]['dtype']}, median of {args.rounds}")
    print("| variant | make the net (s) | first batch (s) | start-up (s) | next batch (s) |")
    print("|---|---|---|---|---|")
    for variant, runs in rows.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("net", "first_batch",
                                                                   "start_up", "next_batch")}
        print(f"| {variant} | {med['net']:.2f} | {med['first_batch']:.2f} | "
              f"{med['start_up']:.2f} | {med['next_batch']:.2f} |")


if __name__ == "__main__":
    main()
