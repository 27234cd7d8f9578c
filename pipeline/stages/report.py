"""The report stage: publishes the version the encode stage wrote.

Into ``renders/<shot>/vNNN/``: the metrics (a copy of the metrics stage's
JSON), report.html and report.json, a thumbnail of the middle final frame and,
last, publish.json, the publish record (``pipeline.stages.publish``): the
version is published. Then ``renders/<shot>/``'s names are pointed at it
(``pipeline.stages.latest``), and the manifest is written. Where the version
the render delivers into is already published (nothing changed since it: the
stage ran because its manifest was lost or an input was redone with the same
keys), nothing is written into it: only the names are pointed at it again.

The page a supervisor opens in a browser: the version and what changed since
the one before, the deliverables, a contact sheet of plate / stylised / final
frames, the per-frame warping error (E_warp) as an inline SVG plot, the
temporal metrics, stage timings and the configs used. report.json holds the
same data. Images are JPEG thumbnails in vNNN/report/, linked relatively, so
the folder can be copied; the review movie is the version's, or through
``renders/<shot>/report.html`` today's name of it; the deliverables are linked
by file URL, which holds from either place.
Self-contained: no scripts, no network. The page is the Jinja2 template
``templates/report.html`` (autoescaped); this module only gathers the data
and the plot's geometry.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import cv2
import jinja2

from pipeline.graph.table import (ENCODE, FINAL, PICTURES, PLATES, PROBE, REPORT, STAGES,
                                  STYLED, stage)
from pipeline.media.atomic import temporary_path, write_bytes, write_json
from pipeline.media.imageio import read_rgb, to_uint8
from pipeline.errors import NotReadyError
from pipeline.stages import latest, publish
from pipeline.stages.common import StageRun
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.paths import VersionPaths
from pipeline.workarea.plan import ShotPlan

THUMB_WIDTH = 320
CONTACT_FRAMES = 6
_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.stages", "templates"),
    autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True,
    undefined=jinja2.StrictUndefined)


def contact_frames(first: int, last: int, cuts: list[int], n: int = CONTACT_FRAMES) -> list[int]:
    """n frames spread over the shot, plus the first frame after each cut."""
    count = last - first + 1
    picks = {first + round(i * (count - 1) / max(min(n, count) - 1, 1)) for i in range(min(n, count))}
    picks.update(c for c in cuts if first <= c <= last)
    return sorted(picks)


def _thumbnail(src: Path, dst: Path) -> None:
    rgb = to_uint8(read_rgb(src))
    h, w = rgb.shape[:2]
    width = min(THUMB_WIDTH, w)
    height = max(1, round(h * width / w))
    small = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise OSError(f"{dst}: JPEG encoding failed")
    write_bytes(dst, buf.tobytes())


def stage_timings(plan: ShotPlan) -> list[dict]:
    """Seconds per stage from the manifests (chunked stages summed over chunks)."""
    rows = []
    chunks = plan.frames.chunks()
    for st in STAGES:
        if st.name == REPORT:
            continue  # still running
        if not st.chunked:
            data = read_manifest(plan.paths.stage_manifest(st.name)) or {}
            rows.append({"stage": st.name, "seconds": data.get("seconds"), "chunks": None})
            continue
        seconds = [(read_manifest(plan.paths.chunk_manifest(st.name, c)) or {}).get("seconds")
                   for c in chunks]
        known = [s for s in seconds if s is not None]
        rows.append({"stage": st.name, "seconds": round(sum(known), 3) if known else None,
                     "chunks": len(chunks)})
    return rows


def _config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"(cannot read: {exc})"


def collect(plan: ShotPlan, version: VersionPaths, stamp: dict) -> dict:
    """Everything the report of ``version`` shows, as JSON-ready data; ``stamp``:
    who publishes it, where and when (``publish.publisher``)."""
    metrics = json.loads(plan.paths.metrics_json.read_text(encoding="utf-8"))
    encode = read_manifest(plan.paths.stage_manifest(ENCODE)) or {}
    probe = read_manifest(plan.paths.stage_manifest(PROBE)) or {}
    first, last = plan.frames.range()
    cuts = metrics["summary"].get("cuts", [])
    images = version.report_images_dir.name
    sheet = []
    for f in contact_frames(first, last, cuts):
        sheet.append({"frame": f, "cut": f in cuts, "images": {
            s.label: f"{images}/{plan.shot}.{f:04d}.{s.label}.jpg" for s in PICTURES}})
    outputs = {k: Path(v).name if Path(v).parent == version.folder else str(v)
               for k, v in (encode.get("outputs") or {}).items()}
    urls = {k: Path(v).absolute().as_uri() for k, v in (encode.get("outputs") or {}).items()}
    todays = {k: p.name for k, p in plan.paths.newest_names().items()}
    about = plan.versions.about(version.number)
    per_frame_keys = ["frame"] + [f"ewarp_{s.name}" for s in PICTURES] + ["ssim"]
    return {
        "shot": plan.shot,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "version": {**{k: v for k, v in about.items() if k != "keys"}, **stamp},
        "source": probe.get("source", {}),
        "frames": [first, last],
        "outputs": outputs,
        "output_urls": urls,
        "review_movie": ([outputs["mp4"], todays["mp4"]] if "mp4" in outputs else []),
        "metrics": metrics["summary"],
        "ewarp_per_frame": [{k: r.get(k) for k in per_frame_keys} for r in metrics["per_frame"]],
        "contact_sheet": sheet,
        "timings": stage_timings(plan),
        "config": {"shot": asdict(plan.cfg), "style": asdict(plan.style),
                   "pipeline": asdict(plan.pipeline)},
        "config_files": {"shot": str(plan.config_file)},
        "config_text": {"shot": _config_text(plan.config_file)},
    }


#: Plot series, drawn in this order: (stage, colour).
_SERIES = ((STYLED, "#d62728"), (FINAL, "#1f77b4"), (PLATES, "#7f7f7f"))


def ewarp_plot(rows: list[dict], cuts: list[int], width: int = 900, height: int = 260) -> dict:
    """The geometry of the per-frame E_warp plot (plates / stylised / final)."""
    keys = [f"ewarp_{name}" for name, _ in _SERIES]
    frames = [r["frame"] for r in rows]
    values = [r[k] for r in rows for k in keys if r.get(k) is not None]
    left, right, top, bottom = 60, 30, 28, 30
    pw, ph = width - left - right, height - top - bottom
    f0, f1 = (frames[0], frames[-1]) if frames else (0, 1)
    vmax = max(values) if values else 1.0
    vmax = vmax if vmax > 0 else 1.0

    def x(f: float) -> float:
        return left + (f - f0) / max(f1 - f0, 1) * pw

    def y(v: float) -> float:
        return top + ph - v / vmax * ph

    lines = []
    for n, ((name, colour), key) in enumerate(zip(_SERIES, keys)):
        segments, current = [], []
        for r in rows:
            if r.get(key) is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x(r['frame']):.1f},{y(r[key]):.1f}")
        if current:
            segments.append(current)
        lines.append({"label": stage(name).description, "colour": colour,
                      "segments": [" ".join(seg) for seg in segments],
                      "legend_x": left + 50 + n * 170})  # after the axis title
    return {
        "width": width, "height": height, "left": left, "top": top, "pw": pw, "ph": ph,
        "y_ticks": [{"y": f"{y(vmax * i / 4) + 4:.1f}", "text": f"{vmax * i / 4 * 1e3:.2f}"}
                    for i in range(5)],
        "x_ticks": [{"x": f"{x(f):.1f}", "text": f} for f in (f0, (f0 + f1) // 2, f1)],
        "cuts": [{"x": f"{x(c):.1f}", "frame": c} for c in cuts],
        "lines": lines,
    }


def _fmt(value: Optional[float], scale: float = 1.0, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value * scale:.{digits}f}"


def render_html(data: dict) -> str:
    m = data["metrics"]
    styled = m.get(f"ewarp_{STYLED}")
    temporal = [{"label": s.description, "ewarp": _fmt(m.get(f"ewarp_{s.name}"), 1e3),
                 "ratio": (f"{m[f'ewarp_{s.name}'] / styled:.3f}"
                           if m.get(f"ewarp_{s.name}") is not None and styled else "n/a")}
                for s in PICTURES]
    psnr = m.get("psnr_final_vs_styled")
    return _TEMPLATES.get_template("report.html").render(
        data=data, temporal=temporal, pictures=[s.label for s in PICTURES],
        ssim=_fmt(m.get("ssim_final_vs_styled")),
        psnr="inf" if psnr is None else f"{psnr:.2f} dB",
        cuts=", ".join(map(str, m.get("cuts") or [])) or "none",
        smoothing=json.dumps(data["config"]["shot"]["smoothing"]),
        plot=ewarp_plot(data["ewarp_per_frame"], m.get("cuts") or []),
        timings=[{"stage": t["stage"], "seconds": _fmt(t["seconds"], digits=1),
                  "chunks": t["chunks"] or ""} for t in data["timings"]],
        config_json=json.dumps(data["config"], indent=2, default=str))


def run(ctx: StageRun) -> dict:
    """The report stage: metrics, thumbnails, report.json, report.html and the
    thumbnail into the version, publish.json last, the names in renders/<shot>/
    pointed at it, then the manifest. A version already published is not written
    into: the names are pointed at it and the manifest lists it."""
    plan = ctx.plan
    t0 = time.monotonic()
    version = plan.paths.version(plan.versions.target())
    first, last = plan.frames.range()
    if plan.versions.is_published(version.number):  # nothing changed since it
        latest.point_at(plan, version)
        ctx.commit(frames=(first, last), version=version.number, published_before=True,
                   outputs={k: str(p) for k, p in version.report_outputs().items()},
                   seconds=round(time.monotonic() - t0, 3))
        return {}
    _check_encoded_into(plan, version)
    stamp = publish.publisher()
    write_bytes(version.metrics_json, plan.paths.metrics_json.read_bytes())
    data = collect(plan, version, stamp)
    with temporary_path(version.report_images_dir) as tmp:  # swapped in as a whole
        tmp.mkdir()
        for row in data["contact_sheet"]:
            for s in PICTURES:
                _thumbnail(plan.paths.frame_file(s.name, row["frame"]),
                           tmp / Path(row["images"][s.label]).name)
    _thumbnail(plan.paths.frame_file(FINAL, (first + last) // 2), version.thumbnail)
    write_json(version.report_json, json.loads(json.dumps(data, default=str)))
    write_bytes(version.report_html, render_html(data).encode("utf-8"))
    write_json(version.publish_json, publish.record(plan, version.number, stamp))
    latest.point_at(plan, version)
    ctx.commit(frames=(first, last), version=version.number,
               outputs={k: str(p) for k, p in version.report_outputs().items()},
               seconds=round(time.monotonic() - t0, 3))
    return data


def _check_encoded_into(plan: ShotPlan, version: VersionPaths) -> None:
    """The encode stage's deliverables are in ``version`` (the encode is done)."""
    encode = read_manifest(plan.paths.stage_manifest(ENCODE)) or {}
    outside = [p for p in (encode.get("outputs") or {}).values()
               if Path(p).parent != version.folder]
    if encode.get("version") != version.number or outside:
        raise NotReadyError(f"{plan.shot}: the encode stage's deliverables are not in "
                            f"{version.folder}: run the encode stage first (render the shot)")
