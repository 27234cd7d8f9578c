#!/usr/bin/env python3
"""Temporal smoothing: flicker (E_warp) vs. faithfulness to the per-frame style, and speed.

    python bench/bench_temporal.py                 # sample + 10 Sintel frames (~15 min, 2 cores)
    python bench/bench_temporal.py --frames 30     # 30 frames around the sample's cut (~3 min)
    python bench/bench_temporal.py --only quality  # one section (repeatable or comma list)

Markdown tables on stdout, progress on stderr. Datasets: (a) the sample shot
samples/city_s01.mpg (720x405, 190 frames; one hard cut, between 0-based
frames 115 and 116), (b) Sintel frames 0016..0025 (1024x436) from
../shared/footage/sintel/ when present. ``--frames N`` keeps N frames centred on
the sample's cut and the first N Sintel frames. Per-frame stylised frames come
from ``--style`` (default samples/styles/city_paint.pt) via models.inference.Stylizer.

Sections:

quality  E_warp (Lai et al. 2018, pipeline.temporal.metrics.warp_error) of the plates,
         the per-frame stylised frames, a flow-free blend (out = s * prev_out +
         (1-s) * styled, the naive baseline) and the smoothed frames for each
         method and strength; mean over consecutive pairs, pairs that
         pipeline.temporal.flow detects as scene cuts left out. The metric's flow is NOT
         the one the smoother uses: it is a slower, finer DIS (finest scale 0,
         patch stride 2, 50 gradient-descent and 10 variational iterations, full
         size) with its own forward-backward/motion-boundary mask, so the
         smoother is not scored with its own flow. Against the per-frame
         stylised frames: SSIM (Wang et al. 2004, mean over frames), PSNR (from
         the MSE pooled over frames), "detail" (mean |Laplacian| of the grey
         output over that of the stylised frame: < 1 = texture washed out) and
         "dev %" (share of pixels whose 2 px-blurred |out - styled| exceeds 24
         levels: ghosts, trails, frozen content). Also the scene-cut scores.
         PNG crops (stylised | flow | adaptive) go to ``--out``.
flow     DIS preset and working scale: ms per frame pair (default occlusion test), the
         photometric error of the plates warped by the flow (mean over the
         scored pairs of |plate_t - warp(plate_t-1)|^2, RGB in [0,1], pixels
         whose flow stays inside the frame), and E_warp ratio / SSIM of the
         default smoother run with that flow.
occlusion The reliability mask from two flows (forward-backward test) or from one
         (photometric test, ``smoothing.flow_occlusion``), side by side on the same
         pairs (modes alternate pair by pair): ms per pair (flows and mask), the
         share of frame t marked unreliable, cuts detected, bytes of the flow cache
         per frame, and E_warp ratio / SSIM / detail / dev % of the default smoother
         run with each; then the flow stage itself, as in "flowstage".
flowstage The flow stage (pipeline.stages.flow.run: PNG in, npz out, cut scores,
         the plates' E_warp) with each occlusion test on 24 sample frames at
         720x405 and 1920x1080, modes alternating, best of --repeats: CPU and wall
         seconds per frame and, with the one-flow test, the CPU of its DIS calls
         timed inside the stage, so "outside DIS" is the stage's own work around
         them (PNG reading, the mask, the npz, the cut score, the plates' E_warp).
         Needs no stylised frames (nothing is stylised first).
speed    Smoothing frames/s at the sample's size and at 1920x1080 (a frame
         pair of the sample upscaled): motion analysis (DIS flows,
         reliability mask, scene-cut test) and the smoothing step per method.
stage    The pipeline's own stage functions on disk, as a render runs them
         (pipeline.stages.flow.run / pipeline.stages.final.run and
         pipeline.stages.metrics.compute_shot_metrics, PNG and npz I/O included),
         on 48 sample frames at 720x405 and 24 of them upscaled to 1920x1080,
         default settings (adaptive, strength 0.9, full-size DIS MEDIUM).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import decode_frames, machine, note  # noqa: E402
from pipeline.media.imageio import read_rgb  # noqa: E402
from pipeline.config import FLOW_OCCLUSIONS, SmoothingConfig  # noqa: E402
from pipeline.temporal.cuts import scene_cut_score  # noqa: E402
from pipeline.temporal.flow import FlowPair, inside_frame, reliable_mask, warp  # noqa: E402
from pipeline.graph.table import FINAL, FLOW, PLATES, STYLED  # noqa: E402
from pipeline.temporal.metrics import psnr_from_mse, ssim, warp_error  # noqa: E402
from pipeline.temporal.smoother import FlowSmoother, Motion  # noqa: E402

DEFAULTS = SmoothingConfig()

SAMPLE_SHOT = REPO / "samples" / "city_s01.mpg"
SAMPLE_STYLE = REPO / "samples" / "styles" / "city_paint.pt"
SAMPLE_CUT = 116  # 0-based index of the first frame after the sample's hard cut
SINTEL_DIR = REPO.parent / "shared" / "footage" / "sintel"
SINTEL_CREDIT = "Sintel (c) copyright Blender Foundation | durian.blender.org, CC BY 3.0"
SECTIONS = ("quality", "flow", "occlusion", "flowstage", "speed", "stage")
#: sections that read only the plates (no stylised frames, no reference flows)
PLATES_ONLY = {"flowstage"}
STAGE_FRAMES = {"native": 48, "1080p": 24}
SMOOTHERS = [("flow", 0.7), ("flow", 0.8), ("flow", 0.9),
             ("adaptive", 0.8), ("adaptive", 0.9), ("adaptive", 0.95)]
NAIVE_STRENGTH = 0.5
FLOW_CONFIGS = [("MEDIUM", 1.0), ("MEDIUM", 0.75), ("MEDIUM", 0.5), ("FAST", 1.0), ("FAST", 0.5),
                ("ULTRAFAST", 1.0)]
DEV_LEVELS = 24.0


# --------------------------------------------------------------------------- data

@dataclass
class Dataset:
    name: str
    plates: list[np.ndarray]
    credit: str = ""
    first_index: int = 0
    styled: list[np.ndarray] = field(default_factory=list)
    motions: list[Optional[Motion]] = field(default_factory=list)  # smoother's flow
    ref_flows: list[Optional[np.ndarray]] = field(default_factory=list)  # metric's flow
    ref_masks: list[Optional[np.ndarray]] = field(default_factory=list)

    @property
    def size(self) -> str:
        h, w = self.plates[0].shape[:2]
        return f"{w}x{h}"

    def scored_pairs(self) -> list[int]:
        """Frame indices t whose pair (t-1, t) is scored: not a detected cut."""
        return [t for t in range(1, len(self.plates)) if not self.motions[t].scene_cut]


def load_datasets(limit: Optional[int]) -> list[Dataset]:
    frames = list(decode_frames(SAMPLE_SHOT).values())
    first = 0
    if limit and limit < len(frames):
        first = min(max(0, SAMPLE_CUT - limit // 2), len(frames) - limit)
        frames = frames[first:first + limit]
    datasets = [Dataset("sample s01", frames, "samples/city_s01.mpg, CC0", first)]
    paths = sorted(SINTEL_DIR.glob("frame_*.png")) if SINTEL_DIR.is_dir() else []
    if paths:
        paths = paths[:max(2, limit)] if limit else paths
        datasets.append(Dataset("Sintel", [read_rgb(p) for p in paths], SINTEL_CREDIT))
    else:
        note(f"sintel: {SINTEL_DIR} not found: skipped")
    return datasets


def stylize(datasets: list[Dataset], style: Path, batch: int = 4) -> None:
    import torch

    from models.checkpoint import load_generator
    from models.inference import Stylizer
    loaded = load_generator(style)
    stylizer = Stylizer(loaded.model, torch.device("cpu"), loaded.input_range)
    for ds in datasets:
        t0 = time.perf_counter()
        out: list[np.ndarray] = []
        for i in range(0, len(ds.plates), batch):
            out.extend(stylizer(np.stack(ds.plates[i:i + batch])))
            note(f"{ds.name}: stylised {len(out)}/{len(ds.plates)}")
        ds.styled = out
        note(f"{ds.name}: {len(out) / (time.perf_counter() - t0):.2f} frames/s stylised")


def reference_flow(a_rgb: np.ndarray, b_rgb: np.ndarray) -> np.ndarray:
    """The metric's flow from a to b: a finer, slower DIS than the smoother's."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    dis.setFinestScale(0)
    dis.setPatchStride(2)
    dis.setGradientDescentIterations(50)
    dis.setVariationalRefinementIterations(10)
    grey = (cv2.cvtColor(a_rgb, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b_rgb, cv2.COLOR_RGB2GRAY))
    return dis.calc(grey[0], grey[1], None)


def analyse(ds: Dataset) -> None:
    ds.motions, ds.ref_flows, ds.ref_masks = [None], [None], [None]
    for t in range(1, len(ds.plates)):
        prev, cur = ds.plates[t - 1], ds.plates[t]
        ds.motions.append(Motion.from_plates(prev, cur))
        fwd, bwd = reference_flow(cur, prev), reference_flow(prev, cur)
        ds.ref_flows.append(fwd)
        ds.ref_masks.append(reliable_mask(fwd, bwd))
        if t % 20 == 0:
            note(f"{ds.name}: flows {t}/{len(ds.plates) - 1}")


# --------------------------------------------------------------------------- scoring

@dataclass
class Score:
    label: str
    e_warp: float
    ssim: float = float("nan")
    psnr: float = float("nan")
    detail: float = float("nan")
    dev: float = float("nan")


def mean_warp_error(ds: Dataset, frames: list[np.ndarray]) -> float:
    return float(np.mean([warp_error(frames[t - 1], frames[t], ds.ref_flows[t], ds.ref_masks[t])
                          for t in ds.scored_pairs()]))


def _laplacian_energy(rgb: np.ndarray) -> float:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())


def _deviation_share(out: np.ndarray, ref: np.ndarray) -> float:
    diff = np.abs(out.astype(np.float32) - ref.astype(np.float32)).mean(axis=2)
    return float((cv2.GaussianBlur(diff, (0, 0), 2.0) > DEV_LEVELS).mean())


def score(ds: Dataset, label: str, frames: list[np.ndarray]) -> Score:
    ref = ds.styled
    mse = np.mean([np.mean((o.astype(np.float64) - r) ** 2) for o, r in zip(frames, ref)])
    return Score(label, mean_warp_error(ds, frames),
                 ssim=float(np.mean([ssim(o, r) for o, r in zip(frames, ref)])),
                 psnr=psnr_from_mse(mse),
                 detail=float(np.mean([_laplacian_energy(o) / max(_laplacian_energy(r), 1e-6)
                                       for o, r in zip(frames, ref)])),
                 dev=100.0 * float(np.mean([_deviation_share(o, r) for o, r in zip(frames, ref)])))


def run_smoother(ds: Dataset, motions: list[Optional[Motion]], method: str,
                 strength: float) -> tuple[list[np.ndarray], float]:
    smoother = FlowSmoother(strength=strength, method=method)
    t0 = time.perf_counter()
    out = [smoother.smooth(s, m) for s, m in zip(ds.styled, motions)]
    return out, time.perf_counter() - t0


def naive_blend(ds: Dataset, strength: float) -> list[np.ndarray]:
    """No flow: out = strength * previous output + (1 - strength) * styled; reset at cuts."""
    out: list[np.ndarray] = []
    for styled, motion in zip(ds.styled, ds.motions):
        if motion is None or motion.scene_cut:
            out.append(styled.copy())
            continue
        mix = strength * out[-1].astype(np.float32) + (1.0 - strength) * styled
        out.append(np.clip(np.rint(mix), 0, 255).astype(np.uint8))
    return out


def write_crops(ds: Dataset, results: dict[str, list[np.ndarray]], out_dir: Path) -> Path:
    """stylised | each result, for the frame with the largest mean motion, at 2x."""
    mags = [0.0] + [float(np.linalg.norm(m.flow_cur_to_prev, axis=2).mean())
                    if not m.scene_cut else 0.0 for m in ds.motions[1:]]
    t = int(np.argmax(mags))
    h, w = ds.plates[t].shape[:2]
    y0, x0 = h // 4, w // 4
    crop = (lambda im: cv2.resize(im[y0:y0 + h // 2, x0:x0 + w // 3], None, fx=2, fy=2,
                                  interpolation=cv2.INTER_NEAREST))
    tiles = [crop(ds.styled[t])] + [crop(frames[t]) for frames in results.values()]
    sheet = cv2.cvtColor(np.concatenate(tiles, axis=1), cv2.COLOR_RGB2BGR)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"temporal_{ds.name.split()[0].lower()}_{ds.first_index + t:04d}.png"
    cv2.imwrite(str(path), sheet)
    return path


def run_quality(datasets: list[Dataset], out_dir: Path) -> None:
    print("## Quality: flicker (E_warp) vs. faithfulness to the per-frame style\n")
    for ds in datasets:
        plates_e, styled_e = mean_warp_error(ds, ds.plates), mean_warp_error(ds, ds.styled)
        rows = [Score("plates", plates_e), score(ds, "per-frame stylised", ds.styled),
                score(ds, f"blend, no flow, s={NAIVE_STRENGTH}", naive_blend(ds, NAIVE_STRENGTH))]
        crops: dict[str, list[np.ndarray]] = {}
        for method, strength in SMOOTHERS:
            frames, _ = run_smoother(ds, ds.motions, method, strength)
            rows.append(score(ds, f"{method}, s={strength}", frames))
            if strength == DEFAULTS.strength:
                crops[method] = frames
            note(f"{ds.name}: scored {method} s={strength}")
        cuts = [ds.first_index + t for t in range(1, len(ds.plates)) if ds.motions[t].scene_cut]
        print(f"### {ds.name} ({ds.size}, frames {ds.first_index}-"
              f"{ds.first_index + len(ds.plates) - 1}, {len(ds.scored_pairs())} pairs scored; "
              f"cuts detected before frames: {cuts or 'none'})\n")
        print("| frames | E_warp x1e-3 | vs stylised | SSIM | PSNR dB | detail | dev % |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            tail = ("| | | | |" if np.isnan(r.ssim) else
                    f"| {r.ssim:.3f} | {r.psnr:.2f} | {r.detail:.3f} | {r.dev:.2f} |")
            print(f"| {r.label} | {r.e_warp * 1e3:.3f} | {r.e_warp / styled_e:.3f} {tail}")
        print()
        print_cut_scores(ds)
        crop_path = write_crops(ds, crops, out_dir)
        shown = crop_path.relative_to(REPO) if crop_path.is_relative_to(REPO) else crop_path
        print(f"Crops (stylised | flow | adaptive, s={DEFAULTS.strength}): `{shown}`. {ds.credit}\n")


def print_cut_scores(ds: Dataset) -> None:
    scores = []
    for t in range(1, len(ds.plates)):
        m = ds.motions[t]
        scores.append((t, scene_cut_score(ds.plates[t - 1], ds.plates[t], m.flow_cur_to_prev,
                                          m.reliable)))
    top = sorted(scores, key=lambda ts: -ts[1].unreliable)[:3]
    print("| pair (t-1, t) | unreliable | residual | histogram | cut |")
    print("|---|---:|---:|---:|---|")
    for t, s in top:
        i = ds.first_index + t
        print(f"| {i - 1}, {i} | {s.unreliable:.3f} | {s.residual:.4f} | {s.histogram:.3f} | "
              f"{'yes' if s.is_cut else 'no'} |")
    print()


# --------------------------------------------------------------------------- flow

def run_flow(datasets: list[Dataset]) -> None:
    print("## Flow: DIS preset and working scale\n")
    print(f"Default: preset {preset_name(DEFAULTS.flow_preset)}, scale {DEFAULTS.flow_scale}. "
          f"E_warp ratio and SSIM: {DEFAULTS.method} smoother, s={DEFAULTS.strength}, run with "
          "that flow, scored with the reference flow.\n")
    print(f"| dataset | preset | scale | ms per pair ({DEFAULTS.flow_occlusion}) | "
          "plate warp error x1e-3 | E_warp vs stylised | SSIM |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for ds in datasets:
        styled_e = mean_warp_error(ds, ds.styled)
        for name, scale in FLOW_CONFIGS:
            preset = name.lower()
            motions: list[Optional[Motion]] = [None]
            photo, seconds = [], 0.0
            scored = set(ds.scored_pairs())
            for t in range(1, len(ds.plates)):
                prev, cur = ds.plates[t - 1], ds.plates[t]
                t0 = time.perf_counter()
                flows = FlowPair.compute(prev, cur, scale, preset)
                seconds += time.perf_counter() - t0
                motions.append(Motion.from_plates(prev, cur, flows))
                if t in scored:
                    photo.append(_photometric_error(prev, cur, flows.cur_to_prev))
            frames, _ = run_smoother(ds, motions, DEFAULTS.method, DEFAULTS.strength)
            ratio = mean_warp_error(ds, frames) / styled_e
            quality = np.mean([ssim(o, r) for o, r in zip(frames, ds.styled)])
            print(f"| {ds.name} | {name} | {scale} | {1e3 * seconds / (len(ds.plates) - 1):.1f} | "
                  f"{np.mean(photo) * 1e3:.3f} | {ratio:.3f} | {quality:.3f} |")
            note(f"{ds.name}: flow {name} {scale} done")
    print()


def _occlusion_motions(ds: Dataset) -> tuple[dict[str, list[Optional[Motion]]],
                                              dict[str, float], dict[str, int]]:
    """Per mode: the motions, seconds in ``FlowPair.compute`` + mask, cache bytes of a pair."""
    motions = {occ: [None] for occ in FLOW_OCCLUSIONS}
    seconds = dict.fromkeys(FLOW_OCCLUSIONS, 0.0)
    cache: dict[str, int] = {}
    for t in range(1, len(ds.plates)):
        prev, cur = ds.plates[t - 1], ds.plates[t]
        order = FLOW_OCCLUSIONS if t % 2 else FLOW_OCCLUSIONS[::-1]
        for occ in order:
            t0 = time.perf_counter()
            pair = FlowPair.compute(prev, cur, occlusion=occ)
            pair.reliable()
            seconds[occ] += time.perf_counter() - t0
            motions[occ].append(Motion.from_plates(prev, cur, pair))
            cache[occ] = len(pair.for_storage().to_bytes())
    return motions, seconds, cache


def run_occlusion(datasets: list[Dataset]) -> None:
    print("## Occlusion test: one flow per pair (photometric) or two (forward-backward)\n")
    print(f"Flow: preset {preset_name(DEFAULTS.flow_preset)}, scale {DEFAULTS.flow_scale}; "
          f"{DEFAULTS.method} smoother, s={DEFAULTS.strength}, run with each mask, scored "
          "with the reference flow.\n")
    print("| dataset | occlusion | ms per pair (flows + mask) | unreliable % | cuts detected | "
          "cache bytes per frame | E_warp vs stylised | SSIM | detail | dev % |")
    print("|---|---|---:|---:|---|---:|---:|---:|---:|---:|")
    for ds in datasets:
        styled_e = mean_warp_error(ds, ds.styled)
        motions, seconds, cache = _occlusion_motions(ds)
        for occ in FLOW_OCCLUSIONS:
            found = motions[occ][1:]
            cuts = [ds.first_index + t + 1 for t, m in enumerate(found) if m.scene_cut]
            unreliable = 100.0 * np.mean([1.0 - float(np.mean(m.reliable)) for m in found
                                          if not m.scene_cut])
            frames, _ = run_smoother(ds, motions[occ], DEFAULTS.method, DEFAULTS.strength)
            r = score(ds, occ, frames)
            print(f"| {ds.name} | {occ} | {1e3 * seconds[occ] / len(found):.1f} | "
                  f"{unreliable:.1f} | {cuts or 'none'} | {cache[occ]} | "
                  f"{r.e_warp / styled_e:.3f} | {r.ssim:.3f} | {r.detail:.3f} | {r.dev:.2f} |")
        note(f"{ds.name}: occlusion done")
    print()


class _DisClock:
    """CPU seconds (the process's, all threads) spent in the DIS calls of
    ``pipeline.temporal.flow`` while installed. Only meaningful where nothing
    else runs meanwhile: the one-flow test (the two-flow test runs its two DIS
    calls at once, in two threads)."""

    def __init__(self) -> None:
        import pipeline.temporal.flow as flow_module
        self.module, self.seconds = flow_module, 0.0
        self.plain = flow_module._dis_flow

    def __enter__(self) -> "_DisClock":
        def timed(*args):
            c0 = time.process_time()
            try:
                return self.plain(*args)
            finally:
                self.seconds += time.process_time() - c0
        self.module._dis_flow = timed
        return self

    def __exit__(self, *exc) -> None:
        self.module._dis_flow = self.plain


def run_flow_stage(ds: Dataset, style: Path, repeats: int = 2) -> None:
    """The flow stage as a render runs it (PNG in, npz out, cut scores, plate
    metrics), each occlusion test on the same frames, modes alternating; its DIS
    flows alone on the same plates, for the CPU spent outside them."""
    import tempfile

    from pipeline.graph.chunks import Chunk
    from pipeline.stages.registry import run_stage

    print("Flow stage (`pipeline.stages.flow.run`, one chunk, temporary work area): CPU "
          "seconds per frame (the process's, all threads) and wall seconds per frame, best "
          f"of {repeats}, modes alternating; \"DIS\": the CPU of the stage's DIS calls, "
          "timed inside it (one-flow test only: the two-flow test runs its two at once); "
          "\"outside DIS\": the rest (PNG reading, the mask, the npz, the cut score, "
          "the plates' E_warp):\n")
    print("| size | frames | occlusion | CPU s/frame | DIS | outside DIS | wall s/frame |")
    print("|---|---:|---|---:|---:|---:|---:|")
    n = STAGE_FRAMES["1080p"]
    for label, size in (("native", None), ("1080p", (1920, 1080))):
        plates, styled = ds.plates[:n], ds.styled[:n]
        if size is not None:
            plates = [cv2.resize(im, size, interpolation=cv2.INTER_CUBIC) for im in plates]
            styled = plates  # the flow stage does not read them
        # per mode: the run with the least CPU: (CPU, DIS CPU, wall) per frame
        best: dict[str, tuple[float, float, float]] = {}
        for r in range(repeats):
            for occ in (FLOW_OCCLUSIONS if r % 2 == 0 else FLOW_OCCLUSIONS[::-1]):
                with tempfile.TemporaryDirectory(prefix="bench-flow-") as tmp:
                    plan = _stage_plan(Path(tmp), plates, styled, style, {"flow_occlusion": occ})
                    first, last = plan.frames.range()
                    with _DisClock() as dis:
                        c0, t0 = time.process_time(), time.perf_counter()
                        run_stage(plan, FLOW, Chunk(first, last))
                        spent = (time.process_time() - c0, dis.seconds,
                                 time.perf_counter() - t0)
                run_ = tuple(x / n for x in spent)
                if occ not in best or run_[0] < best[occ][0]:
                    best[occ] = run_
                note(f"flow stage {label} {occ}: {run_[0]:.3f} CPU s/frame, DIS {run_[1]:.3f}")
        for occ in FLOW_OCCLUSIONS:
            cpu, dis_cpu, wall = best[occ]
            split = (f"{dis_cpu:.3f} | {cpu - dis_cpu:.3f}" if occ == "photometric"
                     else "- | -")
            print(f"| {label} | {n} | {occ} | {cpu:.3f} | {split} | {wall:.3f} |")
    print()


def preset_name(preset: str) -> str:
    return preset.upper()


def _photometric_error(prev: np.ndarray, cur: np.ndarray, flow_cur_to_prev: np.ndarray) -> float:
    aligned = warp(prev, flow_cur_to_prev).astype(np.float32) / 255.0
    err = np.mean((aligned - cur.astype(np.float32) / 255.0) ** 2, axis=2)
    return float(err[inside_frame(flow_cur_to_prev)].mean())


# --------------------------------------------------------------------------- speed

def _per_second(fn: Callable[[], object], min_seconds: float = 2.0, min_runs: int = 3) -> float:
    fn()  # warm-up
    runs, t0 = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - t0 < min_seconds:
        fn()
        runs += 1
    return runs / (time.perf_counter() - t0)


def run_speed(ds: Dataset) -> None:
    print("## Speed: smoothing frames/s (motion analysis + smoothing step)\n")
    print(f"OpenCV threads: {cv2.getNumThreads()}. Motion analysis = the DIS flows "
          f"(occlusion test {DEFAULTS.flow_occlusion}) "
          f"({preset_name(DEFAULTS.flow_preset)}, scale {DEFAULTS.flow_scale}), reliability mask "
          "and scene-cut test; it is the same for every method.\n")
    print("| size | method | motion analysis frames/s | smoothing step frames/s | "
          "total frames/s |")
    print("|---|---|---:|---:|---:|")
    scored = ds.scored_pairs()
    t = scored[len(scored) // 2]  # a pair in the middle that is not a cut
    pair = (ds.plates[t - 1], ds.plates[t], ds.styled[t - 1], ds.styled[t])
    for size in (None, (1920, 1080)):
        prev, cur, prev_styled, cur_styled = (
            pair if size is None else
            tuple(cv2.resize(im, size, interpolation=cv2.INTER_CUBIC) for im in pair))
        label = f"{cur.shape[1]}x{cur.shape[0]}"
        motion = Motion.from_plates(prev, cur)
        if motion.scene_cut:
            raise RuntimeError(f"speed: pair {t - 1}, {t} is a scene cut")
        motion_fps = _per_second(lambda: Motion.from_plates(prev, cur))
        for method in FlowSmoother.METHODS:
            smoother = FlowSmoother(method=method)

            def step() -> None:
                smoother.reset(prev_styled)
                smoother.smooth(cur_styled, motion)

            step_fps = _per_second(step)
            total = 1.0 / (1.0 / motion_fps + 1.0 / step_fps)
            print(f"| {label} | {method} | {motion_fps:.2f} | {step_fps:.1f} | {total:.2f} |")
        note(f"speed {label} done")
    print()


# --------------------------------------------------------------------------- stage

def _stage_plan(root: Path, plates: list[np.ndarray], styled: list[np.ndarray], style: Path,
                smoothing: Optional[dict] = None):
    """A throwaway project whose plates and stylised frames are already on disk
    (``smoothing``: the shot's smoothing section, defaults when None)."""
    import yaml

    from pipeline.media.imageio import write_rgb
    from pipeline.workarea.manifest import write_manifest
    from pipeline.workarea.plan import ShotPlan

    cfg = root / "configs"
    (cfg / "shots").mkdir(parents=True)
    (cfg / "styles").mkdir()
    (cfg / "pipeline.yaml").write_text(yaml.safe_dump(
        {"work_root": str(root / "work"), "render_root": str(root / "renders")}))
    (cfg / "shots" / "b01.yaml").write_text(yaml.safe_dump(
        {"source": str(SAMPLE_SHOT), "style": "bench", "chunk_size": len(plates),
         **({"smoothing": smoothing} if smoothing else {})}))
    (cfg / "styles" / "bench.yaml").write_text(yaml.safe_dump({"checkpoint": str(style)}))
    plan = ShotPlan.load("b01", cfg)
    first = plan.cfg.first_frame
    for stage in (PLATES, STYLED):
        plan.paths.stage_dir(stage).mkdir(parents=True)
    for i, (plate, frame) in enumerate(zip(plates, styled)):
        write_rgb(plan.paths.frame_file(PLATES, first + i), plate)
        write_rgb(plan.paths.frame_file(STYLED, first + i), frame)
    write_manifest(plan.paths.stage_manifest(PLATES), stage=PLATES, shot="b01",
                   key=plan.keys.key(PLATES), frames=(first, first + len(plates) - 1))
    return plan


def run_stage(ds: Dataset, style: Path) -> None:
    import tempfile

    from pipeline.graph.chunks import Chunk
    from pipeline.stages.registry import run_stage
    from pipeline.stages.metrics import compute_shot_metrics

    print("## Stage: the flow / smooth / metrics stages as a render runs them\n")
    print("Frames/s of the flow and final stages (`pipeline.stages.flow.run`, "
          "`pipeline.stages.final.run`) and of "
          "`pipeline.stages.metrics.compute_shot_metrics` on one chunk, reading and writing "
          "PNG / npz in a temporary work area (default settings). \"smoothing stage\" = "
          "flow + smooth, the time a render spends on temporal consistency.\n")
    print("| size | frames | flow frames/s | smooth frames/s | smoothing stage frames/s | "
          "metrics frames/s | flow cache MB/frame |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    scored = ds.scored_pairs()
    for label, size in (("native", None), ("1080p", (1920, 1080))):
        # the longest run of frames without a cut, at most STAGE_FRAMES of them
        runs, run = [], [0]
        for t in range(1, len(ds.plates)):
            if t in scored:
                run.append(t)
            else:
                runs.append(run)
                run = [t]
        run = max(runs + [run], key=len)
        n = min(STAGE_FRAMES[label], len(run))
        start = run[0] + 1
        plates, styled = ds.plates[start - 1:start - 1 + n], ds.styled[start - 1:start - 1 + n]
        if size is not None:
            plates = [cv2.resize(im, size, interpolation=cv2.INTER_CUBIC) for im in plates]
            styled = [cv2.resize(im, size, interpolation=cv2.INTER_CUBIC) for im in styled]
        with tempfile.TemporaryDirectory(prefix="bench-stage-") as tmp:
            plan = _stage_plan(Path(tmp), plates, styled, style)
            first, last = plan.frames.range()
            fps = {}
            for name, stage in (("flow", FLOW), ("smooth", FINAL)):
                t0 = time.perf_counter()
                run_stage(plan, stage, Chunk(first, last))
                fps[name] = n / (time.perf_counter() - t0)
                note(f"stage {label}: {name} {fps[name]:.2f} frames/s")
            t0 = time.perf_counter()
            compute_shot_metrics(plan)
            fps["metrics"] = n / (time.perf_counter() - t0)
            cache = sum(p.stat().st_size for p in plan.paths.stage_dir(FLOW).glob("*.npz"))
        h, w = plates[0].shape[:2]
        both = 1.0 / (1.0 / fps["flow"] + 1.0 / fps["smooth"])
        print(f"| {w}x{h} | {n} | {fps['flow']:.2f} | {fps['smooth']:.1f} | {both:.2f} | "
              f"{fps['metrics']:.2f} | {cache / (n - 1) / 1e6:.2f} |")
    print()


# --------------------------------------------------------------------------- main

def parse_sections(text: str) -> list[str]:
    names = [s.strip() for s in text.split(",") if s.strip()]
    unknown = set(names) - set(SECTIONS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown section(s) {', '.join(sorted(unknown))}; "
                                         f"expected {', '.join(SECTIONS)}")
    return names


def parse_args(argv: Optional[list[str]] = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=0,
                    help="limit: N sample frames around the cut, first N Sintel frames "
                         "(default: all)")
    ap.add_argument("--style", type=Path, default=SAMPLE_STYLE,
                    help="generator checkpoint for the per-frame stylised frames")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out",
                    help="folder for the PNG crops (default bench/out/)")
    ap.add_argument("--only", action="append", type=parse_sections, metavar="SECTION",
                    help=f"run only these sections ({', '.join(SECTIONS)})")
    ap.add_argument("--repeats", type=int, default=2,
                    help="flowstage / occlusion: runs of the flow stage per mode and size, "
                         "the best counted (default 2)")
    args = ap.parse_args(argv)
    if args.frames and args.frames < 2:
        ap.error("--frames must be at least 2")
    args.sections = [s for group in args.only for s in group] if args.only else list(SECTIONS)
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if not args.style.is_file():
        note(f"{args.style}: style checkpoint not found (pass --style)")
        return 2
    datasets = load_datasets(args.frames or None)
    if set(args.sections) <= PLATES_ONLY:
        for ds in datasets:
            ds.styled = ds.plates  # not read: the flow stage reads the plates only
    else:
        stylize(datasets, args.style)
        for ds in datasets:
            analyse(ds)
    print("# Temporal smoothing benchmark\n")
    print(f"Machine: {machine()}. Style: `{args.style}`.\n")
    if "quality" in args.sections:
        run_quality(datasets, args.out)
    if "flow" in args.sections:
        run_flow(datasets)
    if "occlusion" in args.sections:
        run_occlusion(datasets)
    if "occlusion" in args.sections or "flowstage" in args.sections:
        run_flow_stage(datasets[0], args.style, args.repeats)
    if "speed" in args.sections:
        run_speed(datasets[0])
    if "stage" in args.sections:
        run_stage(datasets[0], args.style)
    return 0


if __name__ == "__main__":
    sys.exit(main())
