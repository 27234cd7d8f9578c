"""The publish record: ``renders/<shot>/vNNN/publish.json``.

What a pipeline's publisher (ShotGrid, ftrack, OpenPype) reads to register a
render: the version (its number, who published it, where and when, the shot's
context in the cut, a thumbnail, what changed since the version before it and
the stage keys the next version compares with); every deliverable with its
absolute path and file URL (a frame sequence as a ``%04d`` pattern with its
frame range), its size, pixel aspect, frame rate,
codec and depth as the files hold them (the movies through ffprobe, a
sequence through its first frame's header), its colour space and alpha; the
style and its checkpoint's SHA-256; the source and the frames of it that were
read (with its timecode); for a colour-managed shot, the OCIO config, colour
space, display and view (``ocio``); each movie's colour tags as ffprobe reads
them. The report stage writes it last into the version folder: from then on
the version is published and nothing writes into it again.
"""
from __future__ import annotations

import socket
from collections.abc import Mapping
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Optional

import OpenImageIO as oiio

from pipeline.errors import MediaError
from pipeline.graph.table import ENCODE
from pipeline.media import ffmpeg_run, geometry
from pipeline.media.colour import load_config
from pipeline.media.display_tags import display_colour_space
from pipeline.media.probe import SourceInfo, bits_per_component
from pipeline.media.sequence import frame_path, frame_pattern
from pipeline.stages.common import source_info
from pipeline.workarea.manifest import current_user, file_digest, read_manifest
from pipeline.workarea.paths import SEQUENCE_EXT, VersionPaths
from pipeline.workarea.plan import ShotPlan

SCHEMA = "shotstyle-publish-1"
#: The colour space of the display-referred outputs of a shot that is not
#: colour-managed: the source's pictures as decoded (the movies carry the
#: source's matrix and its tags, see their ``colour_tags``).
AS_SOURCE = "as the source (display-referred)"
#: The edit's shot context a shot config may carry (``edit:``, written by
#: shots-from-edit): read by name, each null where the shot has none.
CONTEXT_FIELDS = ("cut_in", "cut_out", "handles")


def publisher(now: Optional[datetime] = None) -> dict:
    """Who publishes, where and when: ``user``, ``host``, ``time`` (ISO 8601, UTC)."""
    now = now or datetime.now(timezone.utc)
    return {"user": current_user(), "host": socket.gethostname(),
            "time": now.astimezone(timezone.utc).isoformat(timespec="seconds").replace(
                "+00:00", "Z")}


def context(plan: ShotPlan) -> dict:
    """The shot and, when its config has an ``edit`` section, its cut in / out and
    handles (null when unknown)."""
    edit = getattr(plan.cfg, "edit", None)
    read = edit.get if isinstance(edit, Mapping) else (lambda name: getattr(edit, name, None))
    return {"shot": plan.shot, **{name: read(name) for name in CONTEXT_FIELDS}}


def _file(path: Path) -> dict:
    """A file's absolute path and its file URL."""
    path = Path(path).absolute()
    return {"path": str(path), "url": path.as_uri()}


def record(plan: ShotPlan, number: int, stamp: Optional[dict] = None) -> dict:
    """The publish record of version ``number`` of a shot whose encode stage is done
    (JSON-ready); ``stamp``: ``publisher()``'s, made now when not given."""
    stamp = stamp or publisher()
    info = source_info(plan)
    version = plan.paths.version(number)
    encode = read_manifest(plan.paths.stage_manifest(ENCODE)) or {}
    frames = plan.frames.range()
    deliverables = [_deliverable(plan, kind, Path(path).absolute(), frames, info.fps, version)
                    for kind, path in sorted(encode.get("outputs", {}).items())]
    deliverables.append({"kind": "report", **_file(version.report_html)})
    created = datetime.fromisoformat(stamp["time"].replace("Z", "+00:00"))
    return {
        "schema": SCHEMA,
        "shot": plan.shot,
        **plan.versions.about(number),
        **stamp,
        "created": created.astimezone().isoformat(timespec="seconds"),
        "context": context(plan),
        "thumbnail": _file(version.thumbnail) if version.thumbnail.is_file() else None,
        "frame_range": list(frames),
        "fps": info.fps,
        "fps_float": float(info.fps_fraction),
        "source": _source(plan, info),
        "ocio": _ocio(plan),
        "style": {"name": plan.cfg.style, "checkpoint": str(plan.style.checkpoint.absolute()),
                  "format": plan.style.format,
                  "checkpoint_sha256": file_digest(plan.style.checkpoint)},
        "deliverables": deliverables,
    }


def _source(plan: ShotPlan, info: SourceInfo) -> dict:
    """The source and the frames read from it, in its own numbering (a sequence's
    frame numbers; a movie's frames counted from 0); the timecode is the first's."""
    start = info.seq_first if info.kind == "sequence" else info.range_start
    return {"path": str(Path(info.source).absolute()), "kind": info.kind,
            "frame_count": info.frame_count, "frame_range": [start, start + info.frame_count - 1],
            "timecode": info.timecode,
            "colour_space": plan.colour.colorspace if plan.colour else None}


def _ocio(plan: ShotPlan) -> Optional[dict]:
    """The OCIO names of a colour-managed shot (None for one that is not): the
    config as used ($OCIO or ``ocio_config``), its name and cache ID (which
    change with its contents: a built-in ``ocio://studio-config-latest`` names
    a newer config in a newer OpenColorIO), the source colour space, the
    display and view, and the display colour space the movies are tagged as."""
    if plan.colour is None:
        return None
    config = load_config(plan.colour.source)
    return {"config": plan.colour.source, "config_name": config.getName(),
            "config_cache_id": config.getCacheID(), "colour_space": plan.colour.colorspace,
            "display": plan.colour.display, "view": plan.colour.view,
            "display_colour_space": display_colour_space(plan.colour)}


def _colour_space(plan: ShotPlan, kind: str) -> str:
    """The EXR is in the source's colour space; everything else is display-referred."""
    if kind == "exr":
        return plan.colour.colorspace
    if plan.colour is None:
        return AS_SOURCE
    return f"{plan.colour.display} / {plan.colour.view}"


def _deliverable(plan: ShotPlan, kind: str, path: Path, frames: tuple[int, int],
                 fps: str, version: VersionPaths) -> dict:
    """One output of the encode stage; a sequence plays at the shot's rate."""
    facts = _sequence(path, version.stem, SEQUENCE_EXT[kind], frames[0], fps) \
        if kind in SEQUENCE_EXT else _movie(path)
    return {"kind": kind, "frame_range": list(frames),
            "colour_space": _colour_space(plan, kind), **facts,
            "url": Path(facts["path"]).as_uri()}


def _movie(path: Path) -> dict:
    data = ffmpeg_run.probe(str(path))
    video = next((s for s in data.get("streams", []) if s.get("codec_type") == "video"), None)
    if video is None:
        raise MediaError(f"{path}: no video stream")
    pix_fmt = video.get("pix_fmt", "?")
    return {"path": str(path), "width": int(video["width"]), "height": int(video["height"]),
            "pixel_aspect": str(geometry.parse_sar(video.get("sample_aspect_ratio"))),
            "fps": str(Fraction(video["r_frame_rate"])),
            "codec": video.get("codec_name"), "profile": video.get("profile"),
            "pixel_format": pix_fmt, "bit_depth": bits_per_component(pix_fmt),
            "alpha": geometry.has_alpha(pix_fmt),
            "colour_tags": {"matrix": video.get("color_space"),
                            "primaries": video.get("color_primaries"),
                            "transfer": video.get("color_transfer"),
                            "range": video.get("color_range")}}


def _sequence(folder: Path, stem: str, ext: str, first: int, fps: str) -> dict:
    """A frame sequence (``<stem>.%04d.<ext>``), described by its first frame's header."""
    sample = frame_path(folder, stem, first, ext)
    inp = oiio.ImageInput.open(str(sample))
    if inp is None:
        raise MediaError(f"{sample}: cannot read the header: {oiio.geterror()}")
    try:
        spec, codec = inp.spec(), inp.format_name()
    finally:
        inp.close()
    return {"path": frame_pattern(folder, stem, ext), "width": spec.full_width,
            "height": spec.full_height, "fps": fps,
            "pixel_aspect": str(geometry.image_pixel_aspect(sample)),
            "codec": codec, "data_format": str(spec.format), "bit_depth": spec.format.size() * 8,
            "alpha": spec.alpha_channel >= 0}
