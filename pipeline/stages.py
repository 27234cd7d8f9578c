"""The pipeline's stages as plain functions (Luigi tasks only call these).

Each stage reads its inputs from disk, writes its outputs atomically and
writes its manifest last. ``progress(done, total, message)`` is optional.
"""
from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path
from typing import Callable, Optional

from pipeline.atomic import remove_stale_temporaries, temporary_path
from pipeline.decode import decode_to_pngs
from pipeline.encode import EncodeJob, encode_h264, encode_prores, mp4_needs_444
from pipeline.errors import MediaError
from pipeline.frames import frame_path, frame_pattern
from pipeline.manifest import read_manifest, write_manifest
from pipeline.probe import SourceInfo, bits_per_component, probe_source
from pipeline.workarea import ShotPlan, StylePlan

log = logging.getLogger("shotstyle")
Progress = Optional[Callable[[int, int, str], None]]


def report(progress: Progress, done: int, total: int, message: str) -> None:
    if progress:
        progress(done, total, message)


def source_info(plan: ShotPlan) -> SourceInfo:
    data = read_manifest(plan.probe_manifest)
    if not data or "source" not in data:
        raise RuntimeError(f"{plan.shot}: source not probed yet")
    return SourceInfo.from_dict(data["source"])


def probe(plan: ShotPlan) -> SourceInfo:
    t0 = time.monotonic()
    info = probe_source(plan.cfg.source, plan.fps_override)
    log.info("%s: %s %dx%d @ %s fps, %d frames, audio=%s, timecode=%s", plan.shot,
             info.kind, info.width, info.height, info.fps, info.frame_count,
             info.audio_codec or "none", info.timecode or "none")
    bits = bits_per_component(info.pix_fmt)
    if bits > 8:
        log.warning("%s: %d-bit source (%s): the pipeline works in 8-bit RGB, so the render "
                    "carries 8-bit precision", plan.shot, bits, info.pix_fmt)
    write_manifest(plan.probe_manifest, stage="probe", shot=plan.shot, key=plan.probe_key,
                   source=info.to_dict(), seconds=round(time.monotonic() - t0, 3))
    return info


def decode(plan: ShotPlan, progress: Progress = None) -> int:
    t0 = time.monotonic()
    info = source_info(plan)
    first = plan.cfg.first_frame
    remove_stale_temporaries(plan.root)  # a killed decode's temporary folder
    count = decode_to_pngs(info, plan.stage_dir("plates"), plan.shot, first,
                           plan.pipeline.png_compression,
                           progress=lambda d, t: report(progress, d, t, "decoding"))
    report(progress, count, count, "decoded")
    seconds = time.monotonic() - t0
    write_manifest(plan.stage_manifest("plates"), stage="plates", shot=plan.shot,
                   key=plan.plates_key, frames=(first, first + count - 1), count=count,
                   seconds=round(seconds, 3))
    log.info("%s: decoded %d frames in %.1fs (%.1f frames/s)", plan.shot, count, seconds,
             count / max(seconds, 1e-6))
    return count


def check_chunk(plan: ShotPlan, first: int, last: int) -> None:
    lo, hi = plan.frame_range()
    if first < lo or last > hi or first > last:
        raise MediaError(f"{plan.shot}: frames {first}-{last} are outside the shot ({lo}-{hi})")


def stylize_chunk(plan: ShotPlan, first: int, last: int, progress: Progress = None) -> dict:
    # Imported here so that scheduling (and a worker's parent process) never
    # loads torch or touches CUDA; only the process that runs the chunk does.
    from models.inference import Stylizer, select_device, select_dtype, set_cpu_threads
    from models.loaders import load_style_model
    from pipeline.memory import fix_malloc_mmap_threshold
    from pipeline.stylize import stylize_files

    fix_malloc_mmap_threshold()
    check_chunk(plan, first, last)
    t0 = time.monotonic()
    device = select_device(plan.pipeline.device)
    dtype = select_dtype(device, plan.pipeline.precision)
    threads = set_cpu_threads(plan.pipeline.threads) if device.type == "cpu" else None
    model, info = load_style_model(plan.style.checkpoint, plan.style.format, plan.style.model)
    stylizer = Stylizer(model, device, info["input_range"], dtype, info["size_multiple"],
                        plan.pipeline.tile_size, plan.pipeline.tile_overlap)
    out_dir = plan.stage_dir("styled")
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)  # left by a killed run
    pairs = [(frame_path(plan.stage_dir("plates"), plan.shot, f),
              frame_path(out_dir, plan.shot, f)) for f in range(first, last + 1)]
    t1 = time.monotonic()
    n = stylize_files(pairs, stylizer, plan.batch_size, plan.pipeline.png_compression,
                      progress=lambda d, t: report(progress, d, t, f"stylising {first}-{last}"))
    seconds = time.monotonic() - t1
    stats = {"device": str(device), "dtype": str(dtype or "float32"), "threads": threads,
             "batch_size": plan.batch_size, "frames_per_s": round(n / max(seconds, 1e-6), 3),
             "seconds": round(time.monotonic() - t0, 3), "arch": info["arch"]}
    write_manifest(plan.chunk_manifest("styled", first, last), stage="styled", shot=plan.shot,
                   key=plan.chunk_key("styled", first, last), frames=(first, last), **stats)
    log.info("%s: stylised %d-%d on %s (%s) at %.2f frames/s", plan.shot, first, last, device,
             stats["dtype"], stats["frames_per_s"])
    return stats


def encode(plan: ShotPlan, progress: Progress = None) -> dict:
    t0 = time.monotonic()
    info = source_info(plan)
    first, last = plan.frame_range()
    count = last - first + 1
    final_dir = plan.stage_dir("final")
    remove_stale_temporaries(plan.render_dir)  # a killed encode's partial movies
    job = EncodeJob(frame_pattern(final_dir, plan.shot), first, count, info)
    outputs: dict[str, str] = {}
    timings: dict[str, float] = {}
    steps = list(plan.movie_paths.items()) + ([("frames", plan.frames_out_dir)]
                                              if plan.cfg.output.frames else [])
    for i, (kind, target) in enumerate(steps):
        report(progress, i, len(steps), f"writing {Path(target).name}")
        t = time.monotonic()
        if kind == "mov":
            encode_prores(job, target)
        elif kind == "mp4":
            if mp4_needs_444(info, plan.cfg.output):
                log.warning("%s: %dx%d has an odd side: the mp4 is H.264 4:4:4 to keep the "
                            "exact size (set output.mp4_odd_size: pad for 4:2:0)", plan.shot,
                            info.width, info.height)
            encode_h264(job, target, plan.cfg.output)
        else:
            _publish_frames(plan, first, last)
        timings[kind] = round(time.monotonic() - t, 3)
        outputs[kind] = str(target)
    report(progress, len(steps), len(steps), "done")
    write_manifest(plan.stage_manifest("encode"), stage="encode", shot=plan.shot,
                   key=plan.encode_key, frames=(first, last), outputs=outputs,
                   timings=timings, seconds=round(time.monotonic() - t0, 3))
    return outputs


def _publish_frames(plan: ShotPlan, first: int, last: int) -> None:
    """renders/<shot>/frames/: the final sequence, swapped in as a whole.

    Copies, not links: a deliverable edited in place must not change the work area.
    """
    target = plan.frames_out_dir
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_path(target) as tmp:
        tmp.mkdir()
        for f in range(first, last + 1):
            src = frame_path(plan.stage_dir("final"), plan.shot, f)
            if not src.is_file():
                raise MediaError(f"{src}: final frame missing")
            shutil.copyfile(src, frame_path(tmp, plan.shot, f))


def train_style(splan: StylePlan, progress: Progress = None) -> dict:
    """Train the style's generator (config ``train``) and save its checkpoint."""
    from models.inference import set_cpu_threads
    from pipeline.imageio import read_rgb
    from pipeline.training_data import content_plates, keyframe_pairs, style_images

    t = splan.style.train
    set_cpu_threads(splan.pipeline.threads)
    shot = ShotPlan.load(t.shot)
    meta = {"style": splan.name, "shot": t.shot, "method": t.method}
    on_step = (lambda d, n, m: report(progress, d, n, m))
    common = dict(generator=t.generator, generator_kwargs=dict(t.generator_kwargs),
                  steps=t.steps, minutes=t.minutes, patch_size=t.patch_size,
                  batch_size=t.batch_size, lr=t.lr, jitter=t.jitter, noise=t.noise, seed=t.seed,
                  save_every_s=t.save_every_s)
    if t.method == "keyframes":
        from models.training import KeyframeTrainSettings, train_keyframes
        pairs = keyframe_pairs(shot, t.keyframes, read_rgb)
        settings = KeyframeTrainSettings(
            **common, l1_weight=t.l1_weight, adv_weight=t.adv_weight, fm_weight=t.fm_weight,
            perceptual_weight=t.perceptual_weight,
            vgg_weights=str(t.vgg_weights) if t.vgg_weights else None)
        meta["keyframes"] = sorted(t.keyframes)
        summary = train_keyframes(pairs, settings, splan.style.checkpoint, splan.state_path,
                                  on_step, meta)
    else:
        from models.unpaired import UnpairedTrainSettings, train_unpaired
        content = content_plates(shot, t.content_frames, read_rgb)
        refs = style_images(t.style_images, read_rgb)
        settings = UnpairedTrainSettings(**common, cycle_weight=t.cycle_weight,
                                         identity_weight=t.identity_weight)
        summary = train_unpaired(content, refs, settings, splan.style.checkpoint,
                                 splan.state_path, on_step, meta)
    log.info("style %s: trained %d steps in %.0fs -> %s", splan.name, summary["steps"],
             summary["seconds"], splan.style.checkpoint)
    return summary
