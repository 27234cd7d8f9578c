#!/usr/bin/env python3
"""Keyframe style path: quality against a fixed painter, training speed, inference speed.

    python bench/bench_style.py                    # full run, ~15 min on a 2-core CPU
    python bench/bench_style.py --minutes 0.05 --speed-seconds 3 --frames 1 \\
        --out /tmp/bench_style_smoke               # smoke test, about a minute
    python bench/bench_style.py --only infer       # one section (repeatable or comma list)

Sections (Markdown tables on stdout, progress on stderr):

quality  For each dataset one keyframe is painted with the fixed "painterly"
         procedure (samples/paint_keyframe.py) and a style is trained on that
         single (plate, painted) pair with models.training.train_keyframes for
         ``--minutes`` of wall-clock time. On evaluation frames far from the
         keyframe the target is paint(frame); it is compared with (a) the
         trained style's output, (b) Reinhard et al. 2001 colour transfer (Lab
         mean/std) of the frame to the painted keyframe, (c) the plain frame.
         Mean SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, per RGB
         channel then averaged, valid region) and mean PSNR over RGB. Datasets:
         the sample shot samples/city_s01.mpg (keyframe 0, evaluation frames
         40, 60, 80, 100; same scene, before the cut at 114/115) and, when
         ../shared/footage/sintel/ exists, Sintel frames 0016 (keyframe) and
         0019..0025. One contact sheet per dataset (plate | target | style |
         Reinhard, the evaluation frame farthest from the keyframe) is written
         to ``--out`` (default bench/out/, which is not committed). The
         training takes the defaults of TrainSettings; ``--set KEY=VALUE``
         changes one (e.g. ``--set lr_schedule=constant``).
train    Iterations/s of train_keyframes with the default settings (fewshot_unet
         generator with default kwargs, PatchGAN, the default patch, batch and
         layout) over ``--speed-seconds`` of training on the sample keyframe
         pair; also the rate after the first (warm-up) step, from per-step
         progress callbacks.
levers   Steps/s of one keyframe training step with each of its levers
         (memory layout, the discriminator's passes, precision, fused Adam,
         patch size and batch, threads, no discriminator, the patches alone;
         ``--compile`` adds torch.compile), the variants interleaved in rounds of ``--lever-steps``
         steps (``--speed-seconds`` / 2 rounds), medians: ratios hold on a
         busy machine.
infer    Frames/s of models.inference.Stylizer with samples/styles/city_paint.pt,
         fp32 on CPU (torch threads = cores): 720x405 at batch 4, 1920x1080 at
         batch 1 untiled (the pipeline's default since #23: tile_size 2048) and
         tiled (1024 px tiles, the default before, with 64 px overlap: 2x2 tiles
         of 992x576); at least
         ``--frames`` frames after one warm-up call. Peak RSS is the process's
         VmHWM, reset before each case where /proc/self/clear_refs allows it
         (else the process-wide peak so far). With CUDA, fp32 and bf16-autocast
         rows on the GPU as well.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import resource
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine, note  # noqa: E402

from models.checkpoint import load_generator  # noqa: E402
from models.inference import Stylizer, cpu_has_fast_bf16  # noqa: E402
from models.train_settings import TrainSettings  # noqa: E402
from models.training import train_keyframes  # noqa: E402
from pipeline.media.imageio import read_rgb  # noqa: E402
from pipeline.temporal.metrics import psnr, ssim  # noqa: E402
from samples.paint_keyframe import paint  # noqa: E402

SAMPLE_SHOT = REPO / "samples" / "city_s01.mpg"
SAMPLE_STYLE = REPO / "samples" / "styles" / "city_paint.pt"
SINTEL_DIR = REPO.parent / "shared" / "footage" / "sintel"
SINTEL_CREDIT = "Sintel (c) copyright Blender Foundation | durian.blender.org, CC BY 3.0"
SECTIONS = ("quality", "train", "levers", "infer", "precision")
SHEET_WIDTH = 1200


# --------------------------------------------------------------------------- frames

def _stylization(bgr: np.ndarray) -> np.ndarray:
    """OpenCV's edge-preserving painter, the fixed target of issue #12's quality test."""
    return cv2.stylization(bgr, sigma_s=60, sigma_r=0.45)


#: The fixed painters a keyframe (and every target frame) can be painted with.
PAINTERS = {"paint_keyframe": paint, "stylization": _stylization}


def paint_rgb(rgb: np.ndarray, painter: str = "paint_keyframe") -> np.ndarray:
    """Paint an RGB frame with one of ``PAINTERS`` (they work on BGR)."""
    bgr = PAINTERS[painter](cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


# --------------------------------------------------------------------------- baselines

def _to_lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def reinhard_transfer(rgb: np.ndarray, reference_rgb: np.ndarray) -> np.ndarray:
    """Reinhard et al. 2001: match the per-channel Lab mean and std of ``reference_rgb``."""
    src, ref = _to_lab(rgb).reshape(-1, 3), _to_lab(reference_rgb).reshape(-1, 3)
    mu_s, sd_s = src.mean(0), src.std(0)
    mu_r, sd_r = ref.mean(0), ref.std(0)
    lab = (src - mu_s) * (sd_r / np.maximum(sd_s, 1e-6)) + mu_r
    out = cv2.cvtColor(lab.reshape(rgb.shape).astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- quality

@dataclass
class Dataset:
    name: str
    keyframe_label: str
    keyframe: np.ndarray
    eval_frames: dict[str, np.ndarray]  # label -> RGB frame
    credit: str = ""


def load_sample_dataset() -> Dataset:
    eval_indices = [40, 60, 80, 100]
    frames = decode_frames(SAMPLE_SHOT, [0, *eval_indices])
    return Dataset("sample", "0", frames[0], {str(i): frames[i] for i in eval_indices})


def load_sintel_dataset() -> Optional[Dataset]:
    if not SINTEL_DIR.is_dir():
        return None

    def frame(n: int) -> np.ndarray:
        return read_rgb(SINTEL_DIR / f"frame_{n:04d}.png")

    return Dataset("sintel", "0016", frame(16), {f"{n:04d}": frame(n) for n in range(19, 26)},
                   credit=SINTEL_CREDIT)


def train_style(plate: np.ndarray, painted: np.ndarray, minutes: float, steps: int, seed: int,
                checkpoint: Path, precision: str = "auto",
                overrides: Optional[dict] = None) -> dict:
    """Train on one (plate, painted) pair for a wall-clock budget; returns the summary.
    ``overrides``: other TrainSettings than the defaults (``--set``)."""
    settings = TrainSettings(**{"minutes": 0 if steps else minutes, "steps": steps or 10 ** 9,
                                "seed": seed, "precision": precision, **(overrides or {})})
    return train_keyframes([(plate, painted)], settings, checkpoint, state_path=None)


def cpu_stylizer(checkpoint: Path) -> Stylizer:
    loaded = load_generator(checkpoint)
    return Stylizer(loaded.model, torch.device("cpu"), loaded.input_range)


def contact_sheet(panels: list[tuple[str, np.ndarray]], width: int = SHEET_WIDTH) -> np.ndarray:
    """Labelled panels in a grid two wide, scaled so a row is ``width`` px wide."""
    panel_w = width // 2
    tiles = []
    for label, rgb in panels:
        h, w = rgb.shape[:2]
        img = cv2.resize(rgb, (panel_w, round(h * panel_w / w)), interpolation=cv2.INTER_AREA)
        strip = np.zeros((22, panel_w, 3), np.uint8)
        cv2.putText(strip, label, (6, 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1,
                    cv2.LINE_AA)
        tiles.append(np.vstack([strip, img]))
    if len(tiles) % 2:
        tiles.append(np.zeros_like(tiles[-1]))
    return np.vstack([np.hstack(tiles[i:i + 2]) for i in range(0, len(tiles), 2)])


METHOD_NAMES = {"style": "trained style", "Reinhard": "Reinhard colour transfer (Lab)",
                "plain": "plain frame"}


@dataclass
class QualityResult:
    dataset: Dataset
    train: dict
    scores: dict[str, tuple[float, float]]  # method -> (mean SSIM, mean PSNR)
    sheet: Path


def evaluate_dataset(ds: Dataset, minutes: float, steps: int, seed: int,
                     out_dir: Path, painter: str = "paint_keyframe",
                     precision: str = "auto", overrides: Optional[dict] = None) -> QualityResult:
    note(f"[quality] {ds.name}: painting keyframe {ds.keyframe_label} with {painter}")
    painted_key = paint_rgb(ds.keyframe, painter)
    with tempfile.TemporaryDirectory(prefix="bench-style-") as tmp:
        checkpoint = Path(tmp) / f"{ds.name}.pt"
        note(f"[quality] {ds.name}: training for " + (f"{steps} steps" if steps else f"{minutes:g} min"))
        summary = train_style(ds.keyframe, painted_key, minutes, steps, seed, checkpoint,
                              precision, overrides)
        stylizer = cpu_stylizer(checkpoint)
    sheet = out_dir / f"quality_{ds.name}.png"
    sheet_label = list(ds.eval_frames)[-1]  # the frame farthest from the keyframe
    per_method: dict[str, list[tuple[float, float]]] = {m: [] for m in METHOD_NAMES}
    for label, frame in ds.eval_frames.items():
        note(f"[quality] {ds.name}: evaluating frame {label}")
        target = paint_rgb(frame, painter)
        outputs = {"style": stylizer(frame[None])[0],
                   "Reinhard": reinhard_transfer(frame, painted_key),
                   "plain": frame}
        for method, img in outputs.items():
            per_method[method].append((ssim(img, target), psnr(img, target)))
        if label == sheet_label:
            panels = [(f"plate {label}", frame), ("target: paint()", target),
                      ("style", outputs["style"]), ("Reinhard", outputs["Reinhard"])]
            cv2.imwrite(str(sheet), cv2.cvtColor(contact_sheet(panels), cv2.COLOR_RGB2BGR))
    scores = {m: (float(np.mean([s for s, _ in v])), float(np.mean([p for _, p in v])))
              for m, v in per_method.items()}
    return QualityResult(ds, summary, scores, sheet)


def print_quality(results: list[QualityResult], budget: str) -> None:
    print("| dataset | method | SSIM (RGB mean) | PSNR dB |")
    print("|---|---|---:|---:|")
    for r in results:
        for method, (s, p) in r.scores.items():
            print(f"| {r.dataset.name} | {METHOD_NAMES[method]} | {s:.4f} | {p:.2f} |")
    print()
    print(f"| dataset | keyframe | evaluation frames | training steps | training s "
          f"(budget {budget}) | contact sheet |")
    print("|---|---|---|---:|---:|---|")
    for r in results:
        labels = ", ".join(r.dataset.eval_frames)
        print(f"| {r.dataset.name} | {r.dataset.keyframe_label} | {labels} | {r.train['steps']} "
              f"| {r.train['seconds']:.1f} | {r.sheet} |")


def run_quality(args: argparse.Namespace) -> None:
    print("## Quality: trained style vs. Reinhard vs. plain frame, against paint(frame)\n")
    print("Style trained on one (keyframe plate, paint(keyframe)) pair; scored on frames far "
          "from the keyframe against paint(frame). SSIM: Wang et al. 2004, 11x11 Gaussian "
          "sigma 1.5, per RGB channel then averaged. Means over the evaluation frames; "
          "higher is better.\n")
    args.out.mkdir(parents=True, exist_ok=True)
    datasets = [load_sample_dataset()] if "sample" in args.datasets else []
    sintel = load_sintel_dataset() if "sintel" in args.datasets else None
    if sintel is None and "sintel" in args.datasets:
        print(f"sintel: {SINTEL_DIR} not found: skipped\n")
    elif sintel is not None:
        datasets.append(sintel)
    given = ", ".join(f"{k}={v!r}" for k, v in args.set.items()) or "none"
    print(f"Painter: {args.painter}; training precision: {args.train_precision}; settings "
          f"other than the defaults: {given}.\n")
    results = [evaluate_dataset(ds, args.minutes, args.steps, args.seed, args.out, args.painter,
                                args.train_precision, args.set) for ds in datasets]
    print_quality(results, f"{args.steps} steps" if args.steps else f"{args.minutes:g} min")
    for ds in datasets:
        if ds.credit:
            print(f"\n{ds.name}: {ds.credit}")
    print()


# --------------------------------------------------------------------------- training speed

def run_train_speed(args: argparse.Namespace) -> None:
    print("## Training speed: train_keyframes, fewshot_unet (default kwargs) + PatchGAN\n")
    note("[train] painting the sample keyframe")
    plate = decode_frames(SAMPLE_SHOT, [0])[0]
    painted = paint_rgb(plate)
    settings = TrainSettings(minutes=args.speed_seconds / 60, steps=10 ** 9,
                             seed=args.seed, log_every=1, precision=args.train_precision)
    step_times: list[float] = []  # progress fires after every step (log_every=1)
    note(f"[train] training for {args.speed_seconds:g} s")
    with tempfile.TemporaryDirectory(prefix="bench-style-") as tmp:
        summary = train_keyframes([(plate, painted)], settings, Path(tmp) / "speed.pt",
                                  progress=lambda *_: step_times.append(time.perf_counter()))
    rate = summary["steps"] / max(summary["seconds"], 1e-6)
    steady = (f"{(len(step_times) - 1) / (step_times[-1] - step_times[0]):.2f}"
              if len(step_times) > 1 else "-")
    print("| precision | patch | batch | channels_last | threads | steps | seconds | it/s "
          "| it/s after step 1 | patches/s |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    print(f"| {settings.precision} | {settings.patch_size} | {settings.batch_size} | "
          f"{settings.channels_last} | {torch.get_num_threads()} | "
          f"{summary['steps']} | {summary['seconds']:.1f} | {rate:.2f} | {steady} | "
          f"{rate * settings.batch_size:.1f} |\n")


# --------------------------------------------------------------------------- training levers

#: The step's levers measured by ``--only levers``: name -> StepVariant options.
LEVERS = {
    "before #23: contiguous layout, 3 D passes a step": dict(channels_last=False,
                                                          reuse_real=False, ssim=False),
    "+ channels_last": dict(reuse_real=False, ssim=False),
    "+ the real pair's D features reused (2 D passes)": dict(ssim=False),
    "**now: + SSIM term (the defaults)**": dict(),
    "now + fused Adam": dict(fused_adam=True),
    "now in fp32": dict(bf16=False),
    "now without a discriminator (L1 + SSIM only)": dict(discriminator=False),
    "now, patch 48 x batch 32": dict(patch=48, batch=32),
    "now, patch 64 x batch 8": dict(batch=8),
    "now, patch 96 x batch 8": dict(patch=96, batch=8),
    "now, patch 128 x batch 4": dict(patch=128, batch=4),
    "now, 1 thread": dict(threads=1),
    "the patches alone (sampling + augmentation, main thread)": dict(patches_only=True),
}


class StepVariant:
    """One keyframe training step as ``train_keyframes`` takes it (random patches,
    augmentation, G forward, D step, G step with L1 + SSIM + LSGAN + feature matching),
    with its levers as options, so that they can be timed side by side."""

    def __init__(self, pairs, patch: int = 64, batch: int = 16, channels_last: bool = True,
                 reuse_real: bool = True, bf16: bool = True, fused_adam: bool = False,
                 discriminator: bool = True, compile: bool = False, threads: int = 0,
                 patches_only: bool = False, ssim: bool = True):
        from models.build import build_discriminator, build_generator
        from models.losses import feature_matching_loss, lsgan_loss, ssim_loss
        from models.training import PatchSampler, augment
        torch.manual_seed(0)
        self.gen = torch.Generator().manual_seed(0)
        self.sampler = PatchSampler(pairs, patch, self.gen)
        self.augment, self.fm, self.lsgan = augment, feature_matching_loss, lsgan_loss
        self.ssim_loss = ssim_loss
        self.layout = torch.channels_last if channels_last else torch.contiguous_format
        G = build_generator("fewshot_unet").to(memory_format=self.layout)
        D = (build_discriminator("patchgan", in_channels=6).to(memory_format=self.layout)
             if discriminator else None)
        opt = dict(lr=2e-4, betas=(0.5, 0.999), **({"fused": True} if fused_adam else {}))
        self.opt_g = torch.optim.Adam(G.parameters(), **opt)
        self.opt_d = torch.optim.Adam(D.parameters(), **opt) if D is not None else None
        self.G = torch.compile(G) if compile else G
        self.D = torch.compile(D) if compile and D is not None else D
        self.batch, self.reuse_real, self.bf16 = batch, reuse_real, bf16
        self.threads, self.pixels = threads, batch * patch * patch
        self.patches_only, self.ssim = patches_only, ssim
        self.rates: list[float] = []

    def step(self) -> None:
        import torch.nn.functional as F
        amp = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16)  # noqa
        x, y = self.sampler.sample(self.batch)
        x = self.augment(x, 0.1, 0.02, self.gen).contiguous(memory_format=self.layout)
        y = y.contiguous(memory_format=self.layout)
        if self.patches_only:
            return
        G, D = self.G, self.D
        with amp():
            fake = G(x)
        loss = F.l1_loss(fake.float(), y)
        if self.ssim:
            loss = loss + self.ssim_loss(fake, y)
        if D is not None:
            with amp():
                real = D(torch.cat([x, y], 1))
                loss_d = 0.5 * (self.lsgan(real[-1], True)
                                + self.lsgan(D(torch.cat([x, fake.detach()], 1))[-1], False))
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            with amp():
                fake_feats = D(torch.cat([x, fake], 1))
                if not self.reuse_real:
                    real = D(torch.cat([x, y], 1))
            fake_feats = [f.float() for f in fake_feats]
            real = [f.detach().float() for f in real]
            loss = (loss + 0.02 * self.lsgan(fake_feats[-1], True)
                    + self.fm(fake_feats, real))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()

    def run(self, steps: int) -> float:
        """Seconds for ``steps`` steps."""
        before = torch.get_num_threads()
        if self.threads:
            torch.set_num_threads(self.threads)
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        seconds = time.perf_counter() - t0
        torch.set_num_threads(before)
        return seconds


def run_levers(args: argparse.Namespace) -> None:
    """Steps/s of the training step's levers, interleaved in rounds (medians), so that
    their ratios hold on a busy machine."""
    print("## Training levers: one keyframe training step, side by side\n")
    plate = decode_frames(SAMPLE_SHOT, [0])[0]
    pairs = [(plate, paint_rgb(plate, "stylization"))]
    levers = dict(LEVERS)
    if args.compile:
        levers["now + torch.compile (G and D)"] = dict(compile=True)
    variants = {}
    for name, options in levers.items():
        note(f"[levers] warming up {name}")
        v = StepVariant(pairs, **options)
        warm = v.run(3)  # the first steps build the kernels (and compile)
        variants[name] = (v, warm)
    rounds = max(1, round(args.speed_seconds / 2))
    for r in range(rounds):
        note(f"[levers] round {r + 1}/{rounds}")
        for v, _ in variants.values():
            v.rates.append(args.lever_steps / v.run(args.lever_steps))
    print(f"Median of {rounds} rounds of {args.lever_steps} steps per variant, the variants "
          f"interleaved; 'first 3 steps' is the warm-up (kernels built; compiled with "
          f"torch.compile).\n")
    base = float(np.median(variants[next(iter(variants))][0].rates))
    print("| variant | patch x batch | threads | it/s (median) | min-max | x first row "
          "| Mpixels/s | first 3 steps s |")
    print("|---|---|---:|---:|---|---:|---:|---:|")
    for name, (v, warm) in variants.items():
        med = float(np.median(v.rates))
        side = int(round(math.sqrt(v.pixels / v.batch)))
        print(f"| {name} | {side} x {v.batch} | {v.threads or torch.get_num_threads()} | "
              f"{med:.2f} | {min(v.rates):.2f}-{max(v.rates):.2f} | {med / base:.2f} | "
              f"{med * v.pixels / 1e6:.2f} | {warm:.1f} |", flush=True)
    print()


# --------------------------------------------------------------------------- inference speed

def _proc_status_kib(field: str) -> Optional[int]:
    try:
        with open("/proc/self/status") as fh:
            m = re.search(rf"^{field}:\s+(\d+) kB", fh.read(), re.MULTILINE)
    except OSError:
        return None
    return int(m.group(1)) if m else None


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return _proc_status_kib("VmHWM") is not None
    except OSError:
        return False


def peak_rss_mib() -> float:
    hwm = _proc_status_kib("VmHWM")
    if hwm is not None:
        return hwm / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib() -> float:
    rss = _proc_status_kib("VmRSS")
    return rss / 1024 if rss is not None else float("nan")


@dataclass
class InferCase:
    device: str
    dtype: Optional[torch.dtype]
    width: int
    height: int
    batch: int
    tile: int = 0

    @property
    def precision(self) -> str:
        return "fp32" if self.dtype is None else "bf16 autocast"


@dataclass
class InferResult:
    frames: int
    seconds: float
    rss_start_mib: float
    rss_peak_mib: float
    cuda_peak_mib: Optional[float]


def measure_inference(case: InferCase, frame: np.ndarray, min_frames: int) -> InferResult:
    loaded = load_generator(SAMPLE_STYLE)
    stylizer = Stylizer(loaded.model, torch.device(case.device), loaded.input_range,
                        dtype=case.dtype, tile_size=case.tile, tile_overlap=64)
    resized = cv2.resize(frame, (case.width, case.height), interpolation=cv2.INTER_CUBIC)
    batch = np.stack([resized] * case.batch)
    cuda = case.device == "cuda"
    reset_peak_rss()
    rss_start = current_rss_mib()
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    stylizer(batch)  # warm-up
    calls = math.ceil(min_frames / case.batch)
    t0 = time.perf_counter()
    for _ in range(calls):
        stylizer(batch)  # returns host numpy, so the GPU work is done when it returns
    seconds = time.perf_counter() - t0
    cuda_peak = torch.cuda.max_memory_allocated() / 2 ** 20 if cuda else None
    return InferResult(calls * case.batch, seconds, rss_start, peak_rss_mib(), cuda_peak)


def inference_cases(device: str, dtypes: list[Optional[torch.dtype]]) -> list[InferCase]:
    cases = []
    for dtype in dtypes:
        cases += [InferCase(device, dtype, 720, 405, batch=4),
                  InferCase(device, dtype, 1920, 1080, batch=1),
                  InferCase(device, dtype, 1920, 1080, batch=1, tile=1024)]
    return cases


def run_infer_speed(args: argparse.Namespace) -> None:
    print("## Inference speed: Stylizer, samples/styles/city_paint.pt\n")
    per_case_peak = reset_peak_rss()
    if per_case_peak:
        print("Peak RSS: the process's VmHWM, reset before each case (includes the warm-up); "
              "'start' is the RSS when the case began.\n")
    else:
        print("Peak RSS: process-wide peak since start (VmHWM could not be reset), so a case "
              "only shows if it exceeds every earlier one.\n")
    frame = decode_frames(SAMPLE_SHOT, [0])[0]
    cases = inference_cases("cpu", [None] + ([torch.bfloat16] if cpu_has_fast_bf16() else []))
    if torch.cuda.is_available():
        cases += inference_cases("cuda", [None, torch.bfloat16])
    print("| device | precision | size | batch | tiling | frames | seconds | frames/s "
          "| RSS start MiB | peak RSS MiB | peak CUDA MiB |")
    print("|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for case in cases:
        note(f"[infer] {case.device} {case.precision} {case.width}x{case.height} "
             f"batch {case.batch} tile {case.tile or '-'}")
        r = measure_inference(case, frame, args.frames)
        tiling = f"{case.tile} px, 64 overlap" if case.tile else "none"
        cuda_peak = f"{r.cuda_peak_mib:.0f}" if r.cuda_peak_mib is not None else "-"
        threads = f" ({torch.get_num_threads()} threads)" if case.device == "cpu" else ""
        print(f"| {case.device}{threads} | {case.precision} | {case.width}x{case.height} | "
              f"{case.batch} | {tiling} | {r.frames} | {r.seconds:.2f} | "
              f"{r.frames / r.seconds:.2f} | {r.rss_start_mib:.0f} | {r.rss_peak_mib:.0f} | "
              f"{cuda_peak} |", flush=True)
    if not torch.cuda.is_available():
        print("\nno CUDA device: GPU rows skipped")
    print()


def run_precision(args: argparse.Namespace) -> None:
    """fp32 against bf16 autocast on the sample: speed and 8-bit level differences."""
    print("## Precision: bf16 autocast against fp32, samples/styles/city_paint.pt on CPU\n")
    frames = decode_frames(SAMPLE_SHOT, list(range(0, 190, 12)))
    batch = np.stack(list(frames.values()))
    variants = [("PyTorch fp32", None, True, "torch"),
                ("PyTorch bf16 autocast, first layer fp32", torch.bfloat16, True, "torch"),
                ("PyTorch bf16 autocast, every layer", torch.bfloat16, False, "torch"),
                ("OpenVINO f32", None, True, "openvino"),
                ("OpenVINO bf16 (cpu_backend and precision auto)", torch.bfloat16, True,
                 "openvino")]
    print(f"CPU native bf16: {cpu_has_fast_bf16()}; {len(batch)} frames of the sample "
          f"(every 12th), 720x405, batch 4. Levels: |output - fp32 output| in 8-bit code "
          f"values over every pixel and channel.\n")
    print("| precision | frames/s | max levels | p99.99 levels | mean levels | share > 2 levels |")
    print("|---|---:|---:|---:|---:|---:|")
    reference = None
    for label, dtype, fp32_input, backend in variants:
        note(f"[precision] {label}")
        loaded = load_generator(SAMPLE_STYLE)
        stylizer = Stylizer(loaded.model, torch.device("cpu"), loaded.input_range, dtype=dtype,
                            backend=backend)
        if not fp32_input:  # undo the fp32 first layer
            stylizer.model.stem[0] = stylizer.model.stem[0].inner
        stylizer(batch[:4])  # warm-up
        t0 = time.perf_counter()
        out = np.concatenate([stylizer(batch[i:i + 4]) for i in range(0, len(batch), 4)])
        fps = len(batch) / (time.perf_counter() - t0)
        if reference is None:
            reference = out
        diff = np.abs(out.astype(np.int16) - reference.astype(np.int16))
        print(f"| {label} | {fps:.2f} | {diff.max()} | {np.percentile(diff, 99.99):.0f} | "
              f"{diff.mean():.3f} | {(diff > 2).mean():.2e} |", flush=True)
    print()


# --------------------------------------------------------------------------- CLI

def parse_sections(values: Optional[list[str]]) -> list[str]:
    if not values:
        return list(SECTIONS)
    chosen = {s.strip() for v in values for s in v.split(",") if s.strip()}
    unknown = chosen - set(SECTIONS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {', '.join(sorted(unknown))}; "
                                         f"choose from {', '.join(SECTIONS)}")
    return [s for s in SECTIONS if s in chosen]


def parse_settings(items: list[str], ap: argparse.ArgumentParser) -> dict:
    """``--set KEY=VALUE`` items as TrainSettings keyword arguments."""
    import ast
    import dataclasses

    import yaml
    known = {f.name for f in dataclasses.fields(TrainSettings)}
    chosen = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or key not in known:
            ap.error(f"--set {item}: expected KEY=VALUE with KEY a training setting "
                     f"({', '.join(sorted(known))})")
        try:  # numbers as Python reads them (YAML reads 2e-4 as a string)
            chosen[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            chosen[key] = yaml.safe_load(value)
    return chosen


def positive(kind: type):
    def check(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return check


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=positive(float), default=5.0,
                    help="training budget per quality dataset, minutes (default 5)")
    ap.add_argument("--steps", type=int, default=0,
                    help="training budget in steps instead of minutes (reproducible on a "
                         "busy machine; default 0 = use --minutes)")
    ap.add_argument("--speed-seconds", type=positive(float), default=20.0,
                    help="training time for the training-speed row, seconds (default 20)")
    ap.add_argument("--lever-steps", type=positive(int), default=8,
                    help="levers: steps per variant per round (default 8; --speed-seconds / 2 "
                         "rounds)")
    ap.add_argument("--compile", action="store_true",
                    help="levers: add a torch.compile row (needs a C++ compiler; the "
                         "first steps compile, about a minute on 2 cores)")
    ap.add_argument("--frames", type=positive(int), default=8,
                    help="frames timed per inference case, after 1 warm-up call (default 8)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out",
                    help="folder for contact sheets (default bench/out/)")
    ap.add_argument("--only", action="append", metavar="SECTION",
                    help=f"run only these sections: {', '.join(SECTIONS)} "
                         "(repeatable or comma list; default all)")
    ap.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    ap.add_argument("--painter", choices=sorted(PAINTERS), default="paint_keyframe",
                    help="how keyframes and targets are painted (stylization: OpenCV's "
                         "cv2.stylization(sigma_s=60, sigma_r=0.45), issue #12's test)")
    ap.add_argument("--datasets", type=lambda v: set(v.split(",")), default={"sample", "sintel"},
                    help="quality datasets, comma-separated (default sample,sintel)")
    ap.add_argument("--train-precision", choices=("auto", "fp32", "bf16"), default="auto",
                    help="training precision (auto: bf16 on CPUs with native bf16)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="quality: a training setting other than its default, e.g. "
                         "--set lr=2e-4 --set lr_schedule=constant (a Python literal or YAML; "
                         "repeatable)")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch threads (default 0 = one per core; use 1 on a busy machine)")
    args = ap.parse_args(argv)
    try:
        args.only = parse_sections(args.only)
    except argparse.ArgumentTypeError as exc:
        ap.error(f"--only: {exc}")
    args.set = parse_settings(args.set, ap)
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    print(f"machine: {machine()}")
    load = f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "n/a"
    print(f"torch threads: {torch.get_num_threads()}; 1-min load average at start: {load}; "
          f"sections: {', '.join(args.only)}\n")
    runners = {"quality": run_quality, "train": run_train_speed, "levers": run_levers,
               "infer": run_infer_speed,
               "precision": run_precision}
    for section in args.only:
        t0 = time.perf_counter()
        runners[section](args)
        note(f"[{section}] done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
