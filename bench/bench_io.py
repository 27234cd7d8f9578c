#!/usr/bin/env python3
"""Cost of writing and reading one 1920x1080 frame in candidate intermediate formats.

    python bench/bench_io.py                        # 10 frames x 3 rounds, about 3 minutes
    python bench/bench_io.py --frames 4 --rounds 1  # quick look

For deep (10/12/16-bit or float) sources the pipeline needs an intermediate
format that keeps >= 16 bits per channel; today's is 8-bit PNG, zlib level 1
(OpenCV). Frames are real picture content: sample-clip frames upscaled to
1920x1080 (INTER_CUBIC, in float), plus gaussian grain of sigma 1% of full
scale so that compressors see plate-like noise. 8/16-bit integer formats hold
the sRGB-encoded values scaled to 0..255 / 0..65535; float formats hold linear
light (sRGB decoded) in [0, 1] as half floats. RGBA adds a feathered matte.

RGB rows use every frame; RGBA columns and the OIIO default-threads rows use
the first --extra-frames frames (the run must stay near 3 minutes on 2 cores).
Each write and each read is timed separately for one frame, from an array
already in the file's sample type (uint8, uint16 or float16) to a file on the
same disk as the repo, and back; OpenCV rows include the RGB<->BGR swap, as
pipeline/media/imageio.py does. No fsync: writes land in the page cache, and
reads hit the OS cache (the file was just written), so the figures are CPU
cost, not disk speed. Single thread (cv2.setNumThreads(1), OpenImageIO
threads=1 and exr_threads=-1, OpenEXR global thread count 0) except the rows
labelled "OIIO default threads". Formats are interleaved (a different order
each round) and the figure reported is the median over frames x rounds.
"core s" is process CPU time (all threads) for write + read. Lossless is checked on the first
round: max abs difference between the array written and the array read, in
the file's units (code values for integers, linear value for half).
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine, note  # noqa: E402

W, H = 1920, 1080
CLIP = REPO / "samples" / "city_s01.mpg"
CLIP_FRAMES = 190
GRAIN_SIGMA = 0.01
EXR_COMPRESSIONS = ("none", "zip", "zips", "piz", "dwaa")
LOSSY = {"dwaa"}


# ---------------------------------------------------------------- test frames

def srgb_to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def matte(index: int) -> np.ndarray:
    """A roto-like matte: ellipse, 48 px feathered edge, moving a little per frame."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    cx, cy = W * (0.45 + 0.01 * (index % 7)), H * 0.5
    r = np.sqrt(((x - cx) / (0.30 * W)) ** 2 + ((y - cy) / (0.38 * H)) ** 2)
    return np.clip((1.0 - r) * (0.30 * W) / 48.0 + 0.5, 0.0, 1.0).astype(np.float32)


@dataclass
class Frame:
    u8: dict[int, np.ndarray] = field(default_factory=dict)    # channels -> HxWxC
    u16: dict[int, np.ndarray] = field(default_factory=dict)
    f16: dict[int, np.ndarray] = field(default_factory=dict)


def make_frames(count: int, seed: int = 1) -> list[Frame]:
    indices = [round(i * (CLIP_FRAMES - 1) / max(count - 1, 1)) for i in range(count)]
    decoded = decode_frames(CLIP, indices)
    rng = np.random.default_rng(seed)
    frames = []
    for k, idx in enumerate(indices):
        src = decoded[idx].astype(np.float32) / 255.0
        up = cv2.resize(src, (W, H), interpolation=cv2.INTER_CUBIC)
        enc = np.clip(up + rng.normal(0.0, GRAIN_SIGMA, up.shape).astype(np.float32), 0.0, 1.0)
        lin = srgb_to_linear(enc)
        a = matte(k)[..., None]
        fr = Frame()
        for ch, (e, l) in {3: (enc, lin), 4: (np.concatenate([enc, a], 2),
                                              np.concatenate([lin, a], 2))}.items():
            fr.u8[ch] = np.round(e * 255.0).astype(np.uint8)
            fr.u16[ch] = np.round(e * 65535.0).astype(np.uint16)
            fr.f16[ch] = np.ascontiguousarray(l.astype(np.float16))
        frames.append(fr)
    return frames


# ---------------------------------------------------------------- formats

def _swap(arr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(arr, cv2.COLOR_RGB2BGR if arr.shape[2] == 3 else cv2.COLOR_RGBA2BGRA)


def _unswap(arr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(arr, cv2.COLOR_BGR2RGB if arr.shape[2] == 3 else cv2.COLOR_BGRA2RGBA)


def cv_writer(ext: str, params: list[int]) -> Callable[[Path, np.ndarray], None]:
    def write(path: Path, arr: np.ndarray) -> None:
        ok, buf = cv2.imencode(ext, _swap(arr), params)
        if not ok:
            raise RuntimeError(f"{ext}: encoding failed")
        with open(path, "wb") as fh:
            fh.write(buf.tobytes())
    return write


def cv_read(path: Path) -> np.ndarray:
    with open(path, "rb") as fh:
        data = fh.read()
    return _unswap(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED))


def oiio_threads(default: bool) -> None:
    import OpenImageIO as oiio
    if default:
        oiio.attribute("threads", 0)
        oiio.attribute("exr_threads", os.cpu_count() or 1)
    else:
        oiio.attribute("threads", 1)
        oiio.attribute("exr_threads", -1)   # -1: no OpenEXR thread pool at all


def oiio_writer(compression: str, default_threads: bool) -> Callable[[Path, np.ndarray], None]:
    import OpenImageIO as oiio

    def write(path: Path, arr: np.ndarray) -> None:
        oiio_threads(default_threads)
        spec = oiio.ImageSpec(arr.shape[1], arr.shape[0], arr.shape[2], "half")
        spec.attribute("compression", compression)
        out = oiio.ImageOutput.create(str(path))
        if not out.open(str(path), spec) or not out.write_image(arr):
            raise RuntimeError(f"{path}: {out.geterror()}")
        out.close()
    return write


def oiio_reader(default_threads: bool) -> Callable[[Path], np.ndarray]:
    import OpenImageIO as oiio

    def read(path: Path) -> np.ndarray:
        oiio_threads(default_threads)
        inp = oiio.ImageInput.open(str(path))
        if inp is None:
            raise RuntimeError(f"{path}: {oiio.geterror()}")
        arr = inp.read_image("half")
        inp.close()
        return arr
    return read


def openexr_writer(compression: str) -> Callable[[Path, np.ndarray], None]:
    import OpenEXR
    comp = {"none": OpenEXR.NO_COMPRESSION, "zip": OpenEXR.ZIP_COMPRESSION}[compression]

    def write(path: Path, arr: np.ndarray) -> None:
        name = "RGB" if arr.shape[2] == 3 else "RGBA"
        OpenEXR.File({"compression": comp, "type": OpenEXR.scanlineimage},
                     {name: arr}).write(str(path))
    return write


def openexr_read(path: Path) -> np.ndarray:
    import OpenEXR
    with OpenEXR.File(str(path)) as f:
        ch = f.channels()
        return ch["RGB"].pixels if "RGB" in ch else ch["RGBA"].pixels


def npy_write(path: Path, arr: np.ndarray) -> None:
    np.save(path, arr)


def npy_read(path: Path) -> np.ndarray:
    return np.load(path)


def npy_read_mmap(path: Path) -> np.ndarray:
    return np.array(np.load(path, mmap_mode="r"))   # copy: every page is touched


@dataclass
class Case:
    label: str
    bits: str
    kind: str            # "u8", "u16" or "f16": which array of the Frame is written
    ext: str
    write: Callable[[Path, np.ndarray], None]
    read: Callable[[Path], np.ndarray]
    lossy: bool = False
    all_frames: bool = True     # False: RGB too on the first --extra-frames frames only
    w_ms: dict[int, list[float]] = field(default_factory=lambda: {3: [], 4: []})
    r_ms: dict[int, list[float]] = field(default_factory=lambda: {3: [], 4: []})
    core_s: dict[int, list[float]] = field(default_factory=lambda: {3: [], 4: []})
    mb: dict[int, list[float]] = field(default_factory=lambda: {3: [], 4: []})
    err: dict[int, float] = field(default_factory=lambda: {3: 0.0, 4: 0.0})


def make_cases() -> list[Case]:
    png = cv2.IMWRITE_PNG_COMPRESSION
    cases = [
        Case("PNG 8-bit, zlib 1 (today, OpenCV)", "8 int", "u8", ".png", cv_writer(".png", [png, 1]), cv_read),
        Case("PNG 16-bit, zlib 1 (OpenCV)", "16 int", "u16", ".png", cv_writer(".png", [png, 1]), cv_read),
        Case("PNG 16-bit, zlib 0 (OpenCV)", "16 int", "u16", ".png", cv_writer(".png", [png, 0]), cv_read),
        Case("TIFF 16-bit, uncompressed (OpenCV)", "16 int", "u16", ".tif",
             cv_writer(".tiff", [cv2.IMWRITE_TIFF_COMPRESSION, cv2.IMWRITE_TIFF_COMPRESSION_NONE]), cv_read),
    ]
    try:
        import OpenImageIO  # noqa: F401
        for comp in EXR_COMPRESSIONS:
            cases.append(Case(f"EXR half, {comp} (OIIO)", "16 half", "f16", ".exr",
                              oiio_writer(comp, False), oiio_reader(False), lossy=comp in LOSSY))
        for comp in EXR_COMPRESSIONS:
            cases.append(Case(f"EXR half, {comp} (OIIO default threads)", "16 half", "f16", ".exr",
                              oiio_writer(comp, True), oiio_reader(True), lossy=comp in LOSSY,
                              all_frames=False))
    except ImportError:
        note("OpenImageIO not installed (pip install openimageio): its rows are skipped")
    try:
        import OpenEXR
        OpenEXR.set_global_thread_count(0)
        for comp in ("none", "zip"):
            cases.append(Case(f"EXR half, {comp} (OpenEXR py)", "16 half", "f16", ".exr",
                              openexr_writer(comp), openexr_read))
    except ImportError:
        note("OpenEXR not installed (pip install OpenEXR): its rows are skipped")
    cases += [
        Case("npy float16 (np.save / np.load)", "16 half", "f16", ".npy", npy_write, npy_read),
        Case("npy float16, np.load mmap + copy", "16 half", "f16", ".npy", npy_write, npy_read_mmap),
        Case("npy uint16 (np.save / np.load)", "16 int", "u16", ".npy", npy_write, npy_read),
    ]
    return cases


# ---------------------------------------------------------------- timing

def timed(fn: Callable, *args):
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn(*args)
    return result, (time.perf_counter() - t0) * 1e3, time.process_time() - c0


def max_err(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a.astype(np.float32) - b.astype(np.float32))))


def run(cases: list[Case], frames: list[Frame], rounds: int, extra_frames: int, tmp: Path) -> None:
    jobs = [(c, ch) for c in cases for ch in (3, 4)]
    for rnd in range(rounds):
        shift = rnd * len(jobs) // rounds            # a different format order each round
        order = jobs[shift:] + jobs[:shift]
        t_round = time.perf_counter()
        for case, ch in order:
            n = len(frames) if case.all_frames and ch == 3 else min(extra_frames, len(frames))
            paths = [tmp / f"f{i:03d}_{ch}{case.ext}" for i in range(n)]
            cpu_w = []
            for i in range(n):
                _, ms, cpu = timed(case.write, paths[i], getattr(frames[i], case.kind)[ch])
                case.w_ms[ch].append(ms)
                cpu_w.append(cpu)
                case.mb[ch].append(paths[i].stat().st_size / 1e6)
            for i in range(n):
                arr, ms, cpu = timed(case.read, paths[i])
                case.r_ms[ch].append(ms)
                case.core_s[ch].append(cpu_w[i] + cpu)
                if rnd == 0:
                    case.err[ch] = max(case.err[ch], max_err(arr, getattr(frames[i], case.kind)[ch]))
                paths[i].unlink()
        note(f"round {rnd + 1}/{rounds}: {time.perf_counter() - t_round:.1f} s")


def conversion_costs(frame: Frame) -> str:
    """ms for the dtype conversions around the half / uint16 formats (one RGB frame)."""
    f32 = frame.f16[3].astype(np.float32)
    out = []
    for name, fn in (("float32->float16", lambda: f32.astype(np.float16)),
                     ("float16->float32", lambda: frame.f16[3].astype(np.float32)),
                     ("uint16->float32 /65535", lambda: frame.u16[3].astype(np.float32) / 65535.0)):
        ms = statistics.median(timed(fn)[1] for _ in range(7))
        out.append(f"{name} {ms:.1f} ms")
    return ", ".join(out)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=10, help="distinct frames (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over all formats (default 3)")
    ap.add_argument("--extra-frames", type=int, default=4,
                    help="frames per round for RGBA and the OIIO default-threads rows (default 4)")
    ap.add_argument("--tmp", type=Path, default=REPO / "bench" / "out",
                    help="folder for the temporary files (default bench/out, same disk as the repo)")
    args = ap.parse_args()

    cv2.setNumThreads(1)
    # OpenCV's RGBA TIFF has no ExtraSamples tag; libtiff warns on every read
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    t0 = time.perf_counter()
    note(f"decoding {args.frames} frames, upscaling to {W}x{H}, adding grain ...")
    frames = make_frames(args.frames)
    cases = make_cases()
    args.tmp.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-io-", dir=args.tmp) as tmp:
        run(cases, frames, args.rounds, args.extra_frames, Path(tmp))
    conv = conversion_costs(frames[0])

    print(f"machine: {machine()}")
    print(f"date: {datetime.date.today().isoformat()}")
    print(f"frames: {args.frames} sample-clip frames at {W}x{H} + {GRAIN_SIGMA:.0%} grain, "
          f"{args.rounds} rounds, median per frame; RGBA and OIIO default-threads rows: "
          f"{min(args.extra_frames, args.frames)} frames x {args.rounds} rounds; "
          f"reads from the OS cache; total {time.perf_counter() - t0:.0f} s\n")
    print("| format | bits | lossless (max err) | RGB write ms | RGB read ms | RGB MB | RGB core s "
          "| RGBA write ms | RGBA read ms | RGBA MB | RGBA core s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cases:
        err = max(c.err.values())
        if c.lossy or err > 0:
            lossless = f"**no** ({err:.2g})" + (" lossy" if c.lossy else "")
        else:
            lossless = "yes (0)"
        cells = []
        for ch in (3, 4):
            cells += [f"{med(c.w_ms[ch]):.1f}", f"{med(c.r_ms[ch]):.1f}",
                      f"{med(c.mb[ch]):.2f}", f"{med(c.core_s[ch]):.3f}"]
        print(f"| {c.label} | {c.bits} | {lossless} | " + " | ".join(cells) + " |")
    print(f"\nconversions (one RGB frame, not in the table): {conv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
