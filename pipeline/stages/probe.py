"""The probe stage: what the source is (size, exact rate, frame count, audio, timecode)."""
from __future__ import annotations

import dataclasses
import logging
import time

from pipeline.errors import MediaError
from pipeline.media import geometry
from pipeline.media.decode import ffmpeg_decode_problem
from pipeline.media.probe import SourceInfo, bits_per_component, probe_source, with_range
from pipeline.stages.common import StageRun, log
from pipeline.workarea.plan import ShotPlan


def run(ctx: StageRun) -> SourceInfo:
    plan = ctx.plan
    t0 = time.monotonic()
    info = probe_source(plan.cfg.source, plan.settings.fps_override)
    cut = plan.cfg.source_range
    if cut is not None:
        whole = info.frame_count
        info = with_range(info, cut.start, cut.duration)
        log.info("%s: source frames %d-%d of %d (source_range), timecode %s", plan.shot,
                 cut.start, cut.start + cut.duration - 1, whole, info.timecode or "none")
    problem = ffmpeg_decode_problem(info) if plan.colour is None else None
    if problem:
        raise MediaError(f"{plan.cfg.source}: {problem}")
    if info.plate_window and plan.colour is None:
        # FFmpeg decodes the display window only: such a sequence's plates are that
        log.warning("%s: the frames' data window reaches outside the display window "
                    "(overscan); this shot is not colour-managed, so the plates hold the "
                    "display window only: set 'colorspace' to stylise and keep the overscan "
                    "in an EXR", plan.shot)
        info = dataclasses.replace(info, plate_window=None)
    log.info("%s: %s %dx%d @ %s fps, %d frames, audio=%s, timecode=%s", plan.shot,
             info.kind, info.width, info.height, info.fps, info.frame_count,
             info.audio_codec or "none", info.timecode or "none")
    for level, line in source_notes(plan, info):
        log.log(level, "%s", line)
    bits = bits_per_component(info.pix_fmt)
    if bits > 8 and plan.colour is None:
        log.info("%s: %d-bit source (%s): plates and intermediates are 16-bit", plan.shot,
                 bits, info.pix_fmt)
    ctx.commit(source=info.to_dict(), seconds=round(time.monotonic() - t0, 3))
    return info


def source_notes(plan: ShotPlan, info: SourceInfo) -> list[tuple[int, str]]:
    """(log level, line) for a rotated, anamorphic, interlaced or alpha source."""
    shot, notes = plan.shot, []
    if info.plate_window:
        x, y, w, h = info.plate_window
        notes.append((logging.INFO, f"{shot}: overscan: the data window reaches outside the "
                      f"{info.width}x{info.height} display window: {w}x{h} pixels from "
                      f"({x}, {y}) are stylised and kept in the EXR; the movies and PNG frames "
                      f"show the display window"))
    if info.rotation:
        notes.append((logging.INFO, f"{shot}: the source is rotated {info.rotation} degrees "
                      f"counter-clockwise by its metadata: decoded upright at "
                      f"{info.width}x{info.height}"))
    if info.sar_fraction != 1:
        sar = geometry.sar_text(info.sar_fraction)
        notes.append((logging.INFO, f"{shot}: non-square pixels (SAR {sar}): styled on the "
                      f"stored {info.width}x{info.height} pixels; every output carries "
                      f"SAR {sar}"))
    if info.interlaced:
        order = f"field order {info.field_order}: " \
                f"{geometry.INTERLACED_FIELD_ORDERS[info.field_order]}"
        if plan.cfg.deinterlace:
            notes.append((logging.INFO, f"{shot}: interlaced source ({order}): deinterlaced "
                          f"with bwdif, one frame per frame"))
        else:
            notes.append((logging.WARNING, f"{shot}: interlaced source ({order}): each frame "
                          f"holds two fields and moving edges comb; to deinterlace, set "
                          f"deinterlace: true in the shot config"))
    elif plan.cfg.deinterlace:
        notes.append((logging.INFO, f"{shot}: deinterlace: true, but the source says it is "
                      f"{info.field_order}: deinterlacing with bwdif anyway"))
    if info.has_alpha:
        kept = [name for name, on in (("the PNG frames", plan.cfg.output.frames),
                                      ("the .mov (ProRes 4444)", plan.cfg.output.mov),
                                      ("the EXR frames", plan.settings.writes_exr)) if on]
        line = f"{shot}: the source has an alpha channel ({info.pix_fmt})"
        if kept:
            line += f": kept in {', '.join(kept)}"
        if plan.cfg.output.mp4:
            notes.append((logging.WARNING, f"{line}; the .mp4 (H.264) drops it"))
        else:
            notes.append((logging.INFO, line))
    return notes
