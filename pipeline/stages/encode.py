"""The encode stage: the deliverables in ``renders/<shot>/``.

``<shot>_styled.mov`` (ProRes 422 HQ), ``<shot>_styled.mp4`` (H.264) and
``frames/`` (the final sequence), each as the shot's output config asks.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from pipeline.errors import MediaError
from pipeline.media.atomic import remove_stale_temporaries, temporary_path
from pipeline.media.encode import EncodeJob, encode_h264, encode_prores, mp4_needs_444
from pipeline.media.sequence import frame_path, frame_pattern
from pipeline.stages.common import Progress, log, notify, source_info
from pipeline.stages.table import ENCODE, FINAL
from pipeline.workarea.manifest import write_manifest
from pipeline.workarea.plan import ShotPlan


def run(plan: ShotPlan, progress: Progress = None) -> dict:
    t0 = time.monotonic()
    info = source_info(plan)
    first, last = plan.frame_range()
    count = last - first + 1
    remove_stale_temporaries(plan.render_dir)  # a killed encode's partial movies
    job = EncodeJob(frame_pattern(plan.stage_dir(FINAL), plan.shot), first, count, info)
    outputs: dict[str, str] = {}
    timings: dict[str, float] = {}
    steps = list(plan.movie_paths.items()) + ([("frames", plan.frames_out_dir)]
                                              if plan.cfg.output.frames else [])
    for i, (kind, target) in enumerate(steps):
        notify(progress, i, len(steps), f"writing {Path(target).name}")
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
    notify(progress, len(steps), len(steps), "done")
    write_manifest(plan.stage_manifest(ENCODE), stage=ENCODE, shot=plan.shot,
                   key=plan.key(ENCODE), frames=(first, last), outputs=outputs,
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
            src = plan.frame_file(FINAL, f)
            if not src.is_file():
                raise MediaError(f"{src}: final frame missing")
            shutil.copyfile(src, frame_path(tmp, plan.shot, f))
