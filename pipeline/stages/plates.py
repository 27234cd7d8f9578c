"""The plates stage: decode the source to ``work/<shot>/plates/<shot>.####.png``.

A display-referred source (a movie, an 8-bit or 16-bit image sequence without a
``colorspace``) is decoded by FFmpeg as it is; a colour-managed one (an EXR or
DPX sequence, or any source with a ``colorspace``) is read with OpenImageIO (a
sequence) or FFmpeg (a movie's code values) and taken through the shot's OCIO
display/view to 16-bit display-referred plates (``pipeline.media.colour_decode``).
A source's alpha channel is kept in the plates (RGBA PNG) for the outputs.
"""
from __future__ import annotations

import time
from functools import partial

from pipeline.graph.table import PLATES
from pipeline.media.atomic import remove_stale_temporaries
from pipeline.media.colour_decode import decode_to_display_plates
from pipeline.media.decode import decode_to_pngs
from pipeline.stages.common import StageRun, log, source_info


def run(ctx: StageRun) -> int:
    plan = ctx.plan
    t0 = time.monotonic()
    info = source_info(plan)
    first = plan.cfg.first_frame
    remove_stale_temporaries(plan.paths.root)  # a killed decode's temporary folder
    for level, line in plan.colour_notes:  # which colour space, display and view, and why
        log.log(level, "%s", line)
    decode = decode_to_pngs if plan.colour is None \
        else partial(decode_to_display_plates, transform=plan.colour)
    count = decode(info, plan.paths.stage_dir(PLATES), plan.shot, first,
                   png_compression=plan.pipeline.png_compression,
                   deinterlace=plan.cfg.deinterlace,
                   progress=lambda d, t: ctx.notify(d, t, "decoding"))
    ctx.notify(count, count, "decoded")
    seconds = time.monotonic() - t0
    ctx.commit(frames=(first, first + count - 1), count=count, seconds=round(seconds, 3))
    log.info("%s: decoded %d frames in %.1fs (%.1f frames/s)", plan.shot, count, seconds,
             count / max(seconds, 1e-6))
    return count
