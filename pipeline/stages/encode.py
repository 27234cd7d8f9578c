"""The encode stage: the deliverables of a new version, ``renders/<shot>/vNNN/``.

``<shot>_vNNN.mov`` (ProRes 422 HQ; 4444 with the source's alpha),
``<shot>_vNNN.mp4`` (H.264; with ``output.burn_in`` the shot, version, frame
number and timecode burnt in: ``pipeline.media.burn_in``) and ``frames/<shot>_vNNN.####.png`` (the final,
display-referred sequence; RGBA with the source's alpha), each as the shot's
output config asks, and for a colour-managed source ``exr/<shot>_vNNN.####.exr``:
half float in the source's colour space, with its alpha and header metadata.
The version is the one the render delivers into, or a new one where that is
published (``ShotVersions.number_to_write``); an unpublished folder of that
number (a render that stopped) is emptied first. The report stage publishes it.
The two movies come from one FFmpeg run reading the frames once
(``pipeline.media.encode.encode_movies``); the manifest's ``timings`` name
that step ``mov+mp4``. The PNG sequence is copied beside that run, on a
thread of its own (disk work beside FFmpeg's CPU work).

The EXR frame is the final frame taken back through the inverse of the
display/view transform; where the style left a pixel alone, what the display
could not show of the source comes back on top (highlights above display
white, out-of-gamut colours): ``pipeline.media.scene_output``.
"""
from __future__ import annotations

import dataclasses
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Optional

from pipeline.errors import MediaError
from pipeline.graph.table import FINAL, PLATES
from pipeline.media.atomic import remove_stale_temporaries, staged, temporary_path
from pipeline.media.burn_in import drawtext_chain, font_option
from pipeline.media.colour_decode import source_pictures
from pipeline.media.display_tags import movie_tags
from pipeline.media.encode import EncodeJob, encode_movies, mp4_needs_444
from pipeline.media.exr import Picture, frame_rate_attribute, write_exr
from pipeline.media.geometry import copy_frame
from pipeline.media.imageio import read_alpha, read_rgb
from pipeline.media.probe import SourceInfo
from pipeline.media.scene_output import exr_rgb
from pipeline.media.sequence import frame_path, frame_pattern
from pipeline.media.stream import WriteBehind
from pipeline.stages.common import StageRun, log, source_info
from pipeline.workarea.paths import VersionPaths, version_name
from pipeline.workarea.plan import ShotPlan


def run(ctx: StageRun) -> dict:
    plan = ctx.plan
    t0 = time.monotonic()
    info = source_info(plan)
    tags = None
    first, last = plan.frames.range()
    number = plan.versions.number_to_write()
    # refused before any version folder or movie where FFmpeg cannot draw it
    burn_in = _burn_in(plan, info, first, version_name(number))
    version = _version_to_write(plan, number)
    if plan.colour is not None and version.movie_paths(plan.cfg.output):
        # the movies are made from the display-referred plates: tagged as the
        # display colour space of the shot's display and view
        tags, warning = movie_tags(plan.colour)
        if warning:
            log.warning("%s: %s", plan.shot, warning)
    count = last - first + 1
    job = EncodeJob(frame_pattern(plan.paths.stage_dir(FINAL), plan.shot), first, count, info,
                    frame_pattern(plan.paths.stage_dir(PLATES), plan.shot)
                    if info.has_alpha else None,
                    info.display_crop, tags)
    outputs: dict[str, str] = {}
    timings: dict[str, float] = {}
    targets = version.encode_outputs(plan.cfg.output, plan.settings.writes_exr)
    steps = _steps(targets)
    # every deliverable into a staging folder first, then all renamed into place:
    # a failed encode leaves its (unpublished) version without a half set in it
    # the PNG sequence is copied (disk work) on a thread of its own while FFmpeg
    # encodes the movies (CPU work); the executor is left, waiting for it, before
    # the staging folder is
    with staged(version.folder, targets) as tmp, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="frames") as beside:
        copying = None
        if "frames" in targets and steps[0][0] in MOVIES:
            copying = beside.submit(_timed, _publish_frames, plan, info, first, last,
                                    tmp["frames"], version.stem)
        for i, kinds in enumerate(steps):
            ctx.notify(i, len(steps), "writing " + ", ".join(Path(targets[k]).name
                                                             for k in kinds))
            if kinds[0] in MOVIES:
                seconds = _timed(_encode_movies, plan, info, job, {k: tmp[k] for k in kinds},
                                 burn_in)
            elif kinds[0] == "frames":
                seconds = copying.result() if copying else _timed(
                    _publish_frames, plan, info, first, last, tmp["frames"], version.stem)
            else:
                seconds = _timed(_publish_exr, plan, info, first, last, tmp["exr"], version.stem)
            timings["+".join(kinds)] = seconds
            outputs.update({k: str(targets[k]) for k in kinds})
    ctx.notify(len(steps), len(steps), "done")
    ctx.commit(frames=(first, last), outputs=outputs, version=version.number, timings=timings,
               seconds=round(time.monotonic() - t0, 3))
    return outputs


def _timed(write, *args) -> float:
    """``write(*args)``; the seconds it took (the manifest's ``timings``)."""
    t = time.monotonic()
    write(*args)
    return round(time.monotonic() - t, 3)


#: The deliverables one FFmpeg run writes together, reading the frames once.
MOVIES = ("mov", "mp4")


def _steps(targets: dict[str, Path]) -> list[tuple[str, ...]]:
    """The kinds of ``targets`` in the order written, the movies as one step."""
    movies = tuple(k for k in targets if k in MOVIES)
    return ([movies] if movies else []) + [(k,) for k in targets if k not in MOVIES]


def _encode_movies(plan: ShotPlan, info: SourceInfo, job: EncodeJob, tmp: dict[str, Path],
                   burn_in: list[dict]) -> None:
    """The .mov and/or the .mp4 at their ``tmp`` paths, from one FFmpeg run."""
    if "mp4" in tmp and mp4_needs_444(info, plan.cfg.output):
        log.warning("%s: %dx%d has an odd side: the mp4 is H.264 4:4:4 to keep "
                    "the exact size (set output.mp4_odd_size: pad for 4:2:0)",
                    plan.shot, info.width, info.height)
    encode_movies(job, tmp, plan.cfg.output, burn_in)


def _burn_in(plan: ShotPlan, info: SourceInfo, first: int, version: str) -> list[dict]:
    """The review mp4's drawtext filters (``output.burn_in``) showing ``version``
    (``v002``, the one the encode writes), or none; only the mp4 gets them,
    never the ProRes, PNG or EXR."""
    if not (plan.cfg.output.burn_in and plan.cfg.output.mp4):
        return []
    return drawtext_chain(plan.shot, version, first, info.timecode,
                          info.fps_fraction, (info.width, info.height), font_option())


def _version_to_write(plan: ShotPlan, number: int) -> VersionPaths:
    """The folder of version ``number``, empty: a published one is never
    written into, an unpublished one (a render that stopped) is replaced."""
    version = plan.paths.version(number)
    if version.folder.is_dir() and not version.publish_json.exists():
        shutil.rmtree(version.folder)
    version.folder.mkdir(parents=True)
    remove_stale_temporaries(plan.paths.render_dir)  # e.g. a killed render's link
    return version


def _publish_frames(plan: ShotPlan, info: SourceInfo, first: int, last: int,
                    target: Path, stem: str) -> None:
    """vNNN/frames/<stem>.####.png: the final sequence, swapped in as a whole, with the
    plates' alpha when the source has one, cropped to the display window when the
    plates hold overscan (the EXR keeps it).

    Copies, not links: a deliverable edited in place must not change the work area.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    with temporary_path(target) as tmp:
        tmp.mkdir()
        for f in range(first, last + 1):
            src = plan.paths.frame_file(FINAL, f)
            if not src.is_file():
                raise MediaError(f"{src}: final frame missing")
            # with the source's pixel aspect (pHYs) when its pixels are not square
            alpha = read_alpha(plan.paths.frame_file(PLATES, f)) if info.has_alpha else None
            copy_frame(src, frame_path(tmp, stem, f), info.sar_fraction,
                       plan.pipeline.png_compression, alpha, info.display_crop)


def _publish_exr(plan: ShotPlan, info: SourceInfo, first: int, last: int,
                 target: Path, stem: str) -> None:
    """vNNN/exr/<stem>.####.exr: half-float EXR in the source's colour space, swapped in whole."""
    transform, compression = plan.colour, plan.cfg.output.exr_compression
    rate = frame_rate_attribute(info.fps_fraction)
    target.parent.mkdir(parents=True, exist_ok=True)

    def one(f: int, source: Picture) -> None:
        # 16-bit code values: exr_rgb makes them float a band at a time
        plate = read_rgb(plan.paths.frame_file(PLATES, f))
        final = read_rgb(plan.paths.frame_file(FINAL, f))
        picture = dataclasses.replace(source, rgb=exr_rgb(source, plate, final, transform),
                                      attributes={**source.attributes, **rate})
        write_exr(frame_path(tmp, stem, f, "exr"), picture, compression)

    with temporary_path(target) as tmp:
        tmp.mkdir()
        with WriteBehind(workers=2, limit=2) as writer, \
                closing(source_pictures(info, plan.cfg.deinterlace, layers=True)) as sources:
            for f, source in zip(range(first, last + 1), sources):
                writer.submit(one, f, source)
