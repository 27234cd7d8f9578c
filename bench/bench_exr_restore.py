#!/usr/bin/env python3
"""EXR restore: how the scene-linear EXR is rebuilt from a display-referred final frame.

    python bench/bench_exr_restore.py              # 4 Sintel + 4 city frames, ~1 min on 2 cores
    python bench/bench_exr_restore.py --width 512  # downscaled, ~20 s

Markdown on stdout, progress on stderr. The EXR deliverable is

    exr = inverse(final) + w * (source - inverse(plate))

(``pipeline/media/scene_output.py``). This benchmark scores the choice of ``w``
on real footage made scene-linear, for several styles.

Footage (each skipped with one line when absent): 4 Sintel frames
(../shared/footage/sintel/frame_0016/0019/0022/0025.png, 1024x436 sRGB,
CC BY 3.0) and 4 frames of ../shared/footage/city_cc0.mpg (720x405; 0-based
frames 20, 70, 130, 180, both sides of its cut at 116), falling back to
samples/city_s01.mpg when ../shared is absent. Frames are downscaled to
``--width`` px wide when given (INTER_AREA on the 8-bit sRGB frame).

Scene-linear source (ACEScg), per frame:

1. sRGB code values / 255 -> OCIO ``sRGB - Texture`` -> ``ACEScg`` in
   ``ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6``;
2. highlights: ``lin *= 1 + 15 * smoothstep(0.7, 1.0, luma) ** 2`` with ``luma``
   the Rec.709 luma of the sRGB code values (0-1): x2 at luma 0.80, x9.2 at
   0.90, x16 at 1.0;
3. gamut: the 5 % most saturated pixels (saturation = (max - min) / max in
   ACEScg, threshold = the frame's 95th percentile ``t``) get
   ``lin = Y + k * (lin - Y)`` with Y the AP1 luminance and
   ``k = 1 + 0.75 * smoothstep(t - 0.05, t + 0.05, sat)``, capped so that no
   channel goes below 0 (``k <= 0.999 * Y / (Y - min)``): colours outside
   Rec.709 but inside AP1, so the view clips them;
4. grain: ``lin *= 1 + 0.004 * N(0, 1)`` per channel (seed 19), sign kept.

Plates: ``DisplayTransform(CONFIG, "ACEScg", "sRGB - Display",
"Un-tone-mapped").to_display(source)`` clipped to [0, 1] and quantised to 16 bits
(``pipeline.media.colour_decode.to_deep_frame``). Styles, each stored at 16 bits
as the final frames are: ``identity`` (final = plate); ``city_paint``
(samples/styles/city_paint.pt through ``models.stylizer.ready_stylizer`` on
the CPU, backend and dtype as the pipeline's ``auto`` settings pick them; per
frame, no temporal smoothing);
``dark`` (plate * 0.1); ``near-identity`` (plate + N(0, 0.5/255), seed 19).

Strategies: ``old`` (``inverse(final) + source - inverse(plate)``, the code
before #19, no clamp); ``new`` (``scene_output.scene_frame`` as shipped,
UNCHANGED_WITHIN / CHANGED_FROM = 1/255, 2/255); ``new 0.5/1`` and ``new 2/4``
(``scene_frame`` with the two module constants patched to 0.5/255, 1/255 and
2/255, 4/255); ``inverse-only`` (w = 0: ``scene_frame`` with both constants
patched to 0, i.e. ``inverse(final)`` with the no-negative clamp). The EXR is
rounded to half float, as written.

Metrics, pooled over the footage's frames (pixels of every frame together):

* changed = pixels where the final frame differs from the plate by more than
  1/255 on some channel; unchanged = the others;
* display error: per pixel the largest channel of
  ``|to_display(exr).clip(0, 1) - final|`` in levels of 255; mean / 99th
  percentile / max over changed pixels, mean over all pixels;
* recovery (unchanged pixels only): per pixel ``max_c |exr - source| /
  max_c |source|``, median in % for bands of the source's AP1 luminance Y:
  mid-tones 0.05 <= Y <= 1, shadows 1e-4 <= Y <= 0.01 (a median over 2 % is
  marked "!"), highlights Y > 1;
* neg %: pixels with a channel < 0 in the EXR where that channel of the
  source is >= 0;
* w>0 %: pixels whose unshown part came back (``source_weight`` > 0; 100 for
  ``old``, 0 for ``inverse-only``);
* Y>1 kept %: of the source's highlights (Y > 1, changed or not), the share
  still above 1 in the EXR.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine, note  # noqa: E402
from pipeline.media import scene_output  # noqa: E402
from pipeline.media.colour import DisplayTransform, load_config  # noqa: E402
from pipeline.media.colour_decode import from_deep_frame, to_deep_frame  # noqa: E402
from pipeline.media.imageio import read_rgb  # noqa: E402

CONFIG = "ocio://studio-config-v5.0.0_aces-v2.1_ocio-v2.6"
VIEW = DisplayTransform(CONFIG, "ACEScg", "sRGB - Display", "Un-tone-mapped")
FOOTAGE = REPO.parent / "shared" / "footage"
SINTEL_FRAMES = ("frame_0016.png", "frame_0019.png", "frame_0022.png", "frame_0025.png")
CITY_FRAMES = [20, 70, 130, 180]
SAMPLE_CLIP = REPO / "samples" / "city_s01.mpg"
STYLE = REPO / "samples" / "styles" / "city_paint.pt"
AP1_Y = np.array([0.2722287168, 0.6740817658, 0.0536895174], np.float32)
REC709_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)
SEED = 19
LEVEL = 1.0 / 255
SHADOW_PASS = 2.0  # %

STYLES = ("identity", "city_paint", "dark", "near-identity")
# name -> (UNCHANGED_WITHIN, CHANGED_FROM) in levels of 255, or None for the old formula
STRATEGIES: dict[str, Optional[tuple[float, float]]] = {
    "old": None,
    "new (1/2, shipped)": (scene_output.UNCHANGED_WITHIN * 255, scene_output.CHANGED_FROM * 255),
    "new 0.5/1": (0.5, 1.0),
    "new 2/4": (2.0, 4.0),
    "inverse-only": (0.0, 0.0),
}


# --------------------------------------------------------------------------- footage

@dataclass
class Footage:
    name: str
    srgb: list[np.ndarray]  # HxWx3 uint8 sRGB frames
    source: list[np.ndarray] = field(default_factory=list)  # ACEScg float32
    plates: list[np.ndarray] = field(default_factory=list)  # display float32, 16-bit steps
    finals: dict[str, list[np.ndarray]] = field(default_factory=dict)

    @property
    def size(self) -> str:
        h, w = self.srgb[0].shape[:2]
        return f"{w}x{h}"


def _resize(frame: np.ndarray, width: int) -> np.ndarray:
    h, w = frame.shape[:2]
    if not width or width >= w:
        return frame
    return cv2.resize(frame, (width, round(h * width / w)), interpolation=cv2.INTER_AREA)


def load_footage(width: int) -> list[Footage]:
    out = []
    sintel = FOOTAGE / "sintel"
    paths = [sintel / name for name in SINTEL_FRAMES]
    if all(p.is_file() for p in paths):
        out.append(Footage("Sintel", [_resize(read_rgb(p), width) for p in paths]))
    else:
        note(f"sintel: {sintel} (frames {', '.join(SINTEL_FRAMES)}) not found: skipped")
    clip = FOOTAGE / "city_cc0.mpg"
    if not clip.is_file():
        note(f"city: {clip} not found: using {SAMPLE_CLIP.relative_to(REPO)}")
        clip = SAMPLE_CLIP
    if clip.is_file():
        frames = decode_frames(clip, CITY_FRAMES)
        out.append(Footage("city", [_resize(frames[i], width) for i in CITY_FRAMES]))
    else:
        note(f"city: {clip} not found: skipped")
    return out


def smoothstep(lo: float, hi, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def scene_linear(srgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An 8-bit sRGB frame -> ACEScg with highlights, out-of-Rec.709 colours and grain."""
    code = srgb.astype(np.float32) / 255.0
    lin = np.ascontiguousarray(code, dtype=np.float32)
    load_config(CONFIG).getProcessor("sRGB - Texture", "ACEScg").getDefaultCPUProcessor() \
        .applyRGB(lin)
    luma = code @ REC709_LUMA
    lin *= (1.0 + 15.0 * smoothstep(0.7, 1.0, luma) ** 2)[..., None]
    hi, lo = lin.max(axis=-1), lin.min(axis=-1)
    sat = np.where(hi > 1e-6, (hi - lo) / np.maximum(hi, 1e-6), 0.0)
    t = float(np.percentile(sat, 95))
    k = 1.0 + 0.75 * smoothstep(t - 0.05, t + 0.05, sat)
    y = lin @ AP1_Y
    room = np.where(y - lo > 1e-9, 0.999 * y / np.maximum(y - lo, 1e-9), np.inf)
    k = np.minimum(k, np.maximum(room, 1.0))[..., None]
    lin = y[..., None] + k * (lin - y[..., None])
    lin *= 1.0 + 0.004 * rng.standard_normal(lin.shape, dtype=np.float32)
    return lin.astype(np.float32)


def make_sources(fs: Footage, rng: np.random.Generator) -> None:
    fs.source = [scene_linear(f, rng) for f in fs.srgb]
    fs.plates = [from_deep_frame(to_deep_frame(VIEW.to_display(s))) for s in fs.source]


# --------------------------------------------------------------------------- styles

def learned_style() -> tuple[Callable[[np.ndarray], np.ndarray], str]:
    """city_paint.pt as the styled stage runs it with the default (auto) settings."""
    import torch

    from models.stylizer import ready_stylizer

    stylizer, setup = ready_stylizer(STYLE, "shotstyle", device="cpu", tile_size=1024,
                                     tile_overlap=64)
    what = (f"{setup.arch} on CPU, {setup.backend_name}"
            f" {torch.__version__ if setup.backend == 'torch' else ''}".rstrip()
            + f", {setup.precision_reason}, {setup.threads} threads")
    return stylizer, what


def make_finals(fs: Footage, stylizer: Callable[[np.ndarray], np.ndarray],
                rng: np.random.Generator) -> None:
    deep = [to_deep_frame(p) for p in fs.plates]
    t0 = time.perf_counter()
    painted = [from_deep_frame(f) for f in stylizer(np.stack(deep))]
    note(f"{fs.name}: city_paint {len(deep) / (time.perf_counter() - t0):.2f} frames/s")
    quant = (lambda x: from_deep_frame(to_deep_frame(x)))
    fs.finals = {
        "identity": [p.copy() for p in fs.plates],
        "city_paint": painted,
        "dark": [quant(p * 0.1) for p in fs.plates],
        "near-identity": [quant(p + rng.normal(0.0, 0.5 * LEVEL, p.shape).astype(np.float32))
                          for p in fs.plates],
    }


# --------------------------------------------------------------------------- restore

@contextlib.contextmanager
def thresholds(unchanged: float, changed: float) -> Iterator[None]:
    """scene_output's two constants set to these levels of 255 for the block."""
    saved = scene_output.UNCHANGED_WITHIN, scene_output.CHANGED_FROM
    scene_output.UNCHANGED_WITHIN, scene_output.CHANGED_FROM = unchanged / 255, changed / 255
    try:
        yield
    finally:
        scene_output.UNCHANGED_WITHIN, scene_output.CHANGED_FROM = saved


def weight(plate: np.ndarray, final: np.ndarray) -> np.ndarray:
    """source_weight, also for the w = 0 limit (CHANGED_FROM == UNCHANGED_WITHIN == 0)."""
    if scene_output.CHANGED_FROM <= 0:
        return np.zeros(plate.shape[:2], np.float32)
    return scene_output.source_weight(plate, final)


def restore(strategy: Optional[tuple[float, float]], source: np.ndarray, plate: np.ndarray,
            final: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(EXR RGB rounded to half, w) for one frame."""
    if strategy is None:  # before #19
        exr = VIEW.from_display(final) + (source - VIEW.from_display(plate))
        w = np.ones(plate.shape[:2], np.float32)
    else:
        with thresholds(*strategy):
            if strategy[1] <= 0:
                # w = 0: scene_frame's ramp would divide by 0; same formula, no unshown part
                out = VIEW.from_display(final)
                exr = np.where((out < 0) & (source >= 0), np.float32(0), out)
            else:
                exr = scene_output.scene_frame(source, plate, final, VIEW)
            w = weight(plate, final)
    return exr.astype(np.float16).astype(np.float32), w


# --------------------------------------------------------------------------- metrics

@dataclass
class Row:
    footage: str
    style: str
    strategy: str
    changed: float
    disp_mean: float
    disp_p99: float
    disp_max: float
    disp_all: float
    rec_mid: float
    rec_shadow: float
    rec_high: float
    neg: float
    w_pos: float
    hl_kept: float


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if values.size else float("nan")


def score(fs: Footage, style: str, name: str, strategy: Optional[tuple[float, float]]) -> Row:
    disp_changed, disp_all, rel = [], [], {"mid": [], "shadow": [], "high": []}
    n_changed = n_neg = n_w = n_all = n_hl = n_hl_kept = 0
    for source, plate, final in zip(fs.source, fs.plates, fs.finals[style]):
        exr, w = restore(strategy, source, plate, final)
        changed = np.abs(final - plate).max(axis=-1) > LEVEL + 1e-7
        err = np.abs(VIEW.to_display(exr).clip(0, 1) - final).max(axis=-1) * 255
        disp_changed.append(err[changed])
        disp_all.append(err.ravel())
        keep = ~changed
        y = source @ AP1_Y
        r = 100 * np.abs(exr - source).max(axis=-1) / np.maximum(np.abs(source).max(axis=-1),
                                                                 1e-12)
        rel["mid"].append(r[keep & (y >= 0.05) & (y <= 1.0)])
        rel["shadow"].append(r[keep & (y >= 1e-4) & (y <= 0.01)])
        rel["high"].append(r[keep & (y > 1.0)])
        n_hl += int((y > 1.0).sum())
        n_hl_kept += int(((y > 1.0) & (exr @ AP1_Y > 1.0)).sum())
        n_neg += int(((exr < 0) & (source >= 0)).any(axis=-1).sum())
        n_w += int((w > 0).sum())
        n_changed += int(changed.sum())
        n_all += changed.size
    dc = np.concatenate(disp_changed)
    return Row(fs.name, style, name, 100 * n_changed / n_all,
               float(dc.mean()) if dc.size else float("nan"),
               float(np.percentile(dc, 99)) if dc.size else float("nan"),
               float(dc.max()) if dc.size else float("nan"),
               float(np.concatenate(disp_all).mean()),
               *(_median(np.concatenate(rel[b])) for b in ("mid", "shadow", "high")),
               100 * n_neg / n_all, 100 * n_w / n_all,
               100 * n_hl_kept / n_hl if n_hl else float("nan"))


def footage_stats(fs: Footage) -> str:
    src = np.stack(fs.source)
    disp = np.stack([VIEW.to_display(s) for s in fs.source])
    y = src @ AP1_Y
    over = (disp > 1).any(axis=-1).mean() * 100
    out_gamut = (disp < 0).any(axis=-1).mean() * 100
    return (f"| {fs.name} | {fs.size} x {len(fs.source)} | {100 * (y > 1).mean():.1f} | "
            f"{float(src.max()):.1f} | {over:.1f} | {out_gamut:.2f} | "
            f"{100 * ((y >= 1e-4) & (y <= 0.01)).mean():.1f} | "
            f"{100 * ((y >= 0.05) & (y <= 1)).mean():.1f} |")


def _f(v: float, digits: int = 2) -> str:
    return "-" if v != v else f"{v:.{digits}f}"


def print_table(rows: list[Row]) -> None:
    print("| footage | style | strategy | changed % | disp err changed mean / p99 / max | "
          "disp err all mean | recovery mid % | recovery shadows % | recovery highlights % | "
          "neg % | w>0 % | Y>1 kept % |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        shadow = _f(r.rec_shadow) + (" !" if r.rec_shadow > SHADOW_PASS else "")
        print(f"| {r.footage} | {r.style} | {r.strategy} | {r.changed:.1f} | "
              f"{_f(r.disp_mean)} / {_f(r.disp_p99)} / {_f(r.disp_max, 1)} | "
              f"{_f(r.disp_all, 3)} | {_f(r.rec_mid, 3)} | {shadow} | {_f(r.rec_high)} | "
              f"{r.neg:.3f} | {r.w_pos:.1f} | {_f(r.hl_kept, 1)} |")


# --------------------------------------------------------------------------- main

def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, default=0,
                    help="downscale frames to this width (default 0: their own size)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    footage = load_footage(args.width)
    if not footage:
        note("no footage found")
        return 2
    rng = np.random.default_rng(SEED)
    stylizer, style_what = learned_style()
    for fs in footage:
        make_sources(fs, rng)
        make_finals(fs, stylizer, rng)
        note(f"{fs.name}: {len(fs.source)} frames at {fs.size} ready")
    rows = []
    for fs in footage:
        for style in STYLES:
            for name, strategy in STRATEGIES.items():
                rows.append(score(fs, style, name, strategy))
            note(f"{fs.name} / {style} scored")
    print("# EXR restore benchmark\n")
    print(f"Machine: {machine()}.  ")
    now = datetime.datetime.now(datetime.timezone.utc)
    print(f"Date: {now:%Y-%m-%d %H:%M} UTC.  ")
    extra = " ".join(sys.argv[1:] if argv is None else argv)
    print(f"Command: `python bench/bench_exr_restore.py{' ' + extra if extra else ''}`.  ")
    print(f"city_paint: {style_what}.\n")
    print("| footage | frames | Y > 1 % | max | view > 1 % | out of Rec.709 % | "
          "shadows % | mid % |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for fs in footage:
        print(footage_stats(fs))
    print()
    print_table(rows)
    print(f"\nRun time: {time.perf_counter() - t0:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
