"""The probe stage: what the source is (size, exact rate, frame count, audio, timecode)."""
from __future__ import annotations

import dataclasses
import time

from pipeline.media.probe import SourceInfo, bits_per_component, probe_source
from pipeline.stages.common import Progress, log
from pipeline.stages.table import PROBE
from pipeline.workarea.manifest import write_manifest
from pipeline.workarea.plan import ShotPlan


def run(plan: ShotPlan, progress: Progress = None) -> SourceInfo:
    t0 = time.monotonic()
    info = probe_source(plan.cfg.source, plan.fps_override)
    log.info("%s: %s %dx%d @ %s fps, %d frames, audio=%s, timecode=%s", plan.shot,
             info.kind, info.width, info.height, info.fps, info.frame_count,
             info.audio_codec or "none", info.timecode or "none")
    bits = bits_per_component(info.pix_fmt)
    if bits > 8 and plan.colour is None:
        log.info("%s: %d-bit source (%s): plates and intermediates are 16-bit", plan.shot,
                 bits, info.pix_fmt)
    if plan.colour is not None:
        # the review movies are made from display-referred plates: tagged Rec.709
        info = dataclasses.replace(info, color_matrix="bt709")
        log.info("%s: colour-managed: %s through %s / %s (OCIO %s); 16-bit plates", plan.shot,
                 plan.colour.colorspace, plan.colour.display, plan.colour.view,
                 plan.colour.source)
    write_manifest(plan.stage_manifest(PROBE), stage=PROBE, shot=plan.shot, key=plan.key(PROBE),
                   source=info.to_dict(), seconds=round(time.monotonic() - t0, 3))
    return info
