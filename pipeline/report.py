"""The per-shot report: renders/<shot>/report.html and report.json.

A page a supervisor opens in a browser: the deliverables, a contact sheet of
plate / stylised / final frames, the per-frame warping error (E_warp) as an
inline SVG plot, the temporal metrics, stage timings and the configs used.
report.json holds the same data. Images are JPEG thumbnails in
renders/<shot>/report/, linked relatively, so the folder can be copied.
Self-contained: no scripts, no network.
"""
from __future__ import annotations

import html
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import cv2

from pipeline.atomic import temporary_path, write_bytes, write_json
from pipeline.frames import frame_path
from pipeline.imageio import read_rgb
from pipeline.manifest import read_manifest, write_manifest
from pipeline.workarea import ShotPlan

THUMB_WIDTH = 320
CONTACT_FRAMES = 6
SEQUENCES = (("plates", "plate"), ("styled", "stylised"), ("final", "final"))


def contact_frames(first: int, last: int, cuts: list[int], n: int = CONTACT_FRAMES) -> list[int]:
    """n frames spread over the shot, plus the first frame after each cut."""
    count = last - first + 1
    picks = {first + round(i * (count - 1) / max(n - 1, 1)) for i in range(min(n, count))}
    picks.update(c for c in cuts if first <= c <= last)
    return sorted(picks)


def _thumbnail(src: Path, dst: Path) -> None:
    rgb = read_rgb(src)
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
    for stage in ("probe", "plates"):
        data = read_manifest(plan.probe_manifest if stage == "probe"
                             else plan.stage_manifest(stage)) or {}
        rows.append({"stage": stage, "seconds": data.get("seconds"), "chunks": None})
    chunks = plan.chunks()
    for stage in ("flow", "styled", "final"):
        seconds = [(read_manifest(plan.chunk_manifest(stage, a, b)) or {}).get("seconds")
                   for a, b in chunks]
        known = [s for s in seconds if s is not None]
        rows.append({"stage": stage, "seconds": round(sum(known), 3) if known else None,
                     "chunks": len(chunks)})
    for stage in ("encode", "metrics"):
        data = read_manifest(plan.stage_manifest(stage)) or {}
        rows.append({"stage": stage, "seconds": data.get("seconds"), "chunks": None})
    return rows


def _config_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"(cannot read: {exc})"


def collect(plan: ShotPlan, image_dir_name: str) -> dict:
    """Everything the report shows, as JSON-ready data."""
    metrics = json.loads(plan.metrics_json.read_text(encoding="utf-8"))
    encode = read_manifest(plan.stage_manifest("encode")) or {}
    probe = read_manifest(plan.probe_manifest) or {}
    first, last = plan.frame_range()
    cuts = metrics["summary"].get("cuts", [])
    sheet = []
    for f in contact_frames(first, last, cuts):
        sheet.append({"frame": f, "cut": f in cuts, "images": {
            label: f"{image_dir_name}/{plan.shot}.{f:04d}.{label}.jpg" for _, label in SEQUENCES}})
    outputs = {k: Path(v).name if Path(v).parent == plan.render_dir else str(v)
               for k, v in (encode.get("outputs") or {}).items()}
    return {
        "shot": plan.shot,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "source": probe.get("source", {}),
        "frames": [first, last],
        "outputs": outputs,
        "metrics": metrics["summary"],
        "ewarp_per_frame": [{k: r.get(k) for k in ("frame", "ewarp_plates", "ewarp_styled",
                                                   "ewarp_final", "ssim")}
                            for r in metrics["per_frame"]],
        "contact_sheet": sheet,
        "timings": stage_timings(plan),
        "config": {"shot": asdict(plan.cfg), "style": asdict(plan.style),
                   "pipeline": asdict(plan.pipeline)},
        "config_files": {"shot": str(plan.config_file)},
        "config_text": {"shot": _config_text(plan.config_file)},
    }


def _fmt(value: Optional[float], scale: float = 1.0, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value * scale:.{digits}f}"


def ewarp_svg(rows: list[dict], cuts: list[int], width: int = 900, height: int = 260) -> str:
    """Per-frame E_warp of plates / stylised / final as an SVG line plot."""
    series = (("ewarp_styled", "stylised, per frame", "#d62728"),
              ("ewarp_final", "final (smoothed)", "#1f77b4"),
              ("ewarp_plates", "plates", "#7f7f7f"))
    frames = [r["frame"] for r in rows]
    values = [r[k] for r in rows for k, _, _ in series if r.get(k) is not None]
    left, right, top, bottom = 60, 30, 28, 30
    pw, ph = width - left - right, height - top - bottom
    f0, f1 = (frames[0], frames[-1]) if frames else (0, 1)
    vmax = max(values) if values else 1.0
    vmax = vmax if vmax > 0 else 1.0

    def x(f: float) -> float:
        return left + (f - f0) / max(f1 - f0, 1) * pw

    def y(v: float) -> float:
        return top + ph - v / vmax * ph

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="E_warp per frame">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" '
             f'stroke="#ccc"/>']
    for i in range(5):
        v = vmax * i / 4
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{v * 1e3:.2f}</text>')
    parts.append(f'<text x="12" y="{top - 10}" font-size="11">E_warp ×1e-3</text>')
    for f in (f0, (f0 + f1) // 2, f1):
        parts.append(f'<text x="{x(f):.1f}" y="{height - 10}" font-size="11" '
                     f'text-anchor="middle">{f}</text>')
    for c in cuts:
        parts.append(f'<line x1="{x(c):.1f}" y1="{top}" x2="{x(c):.1f}" y2="{top + ph}" '
                     f'stroke="#999" stroke-dasharray="4 3"><title>scene cut before {c}'
                     f'</title></line>')
    for n, (key, label, colour) in enumerate(series):
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
        for seg in segments:
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                         f'points="{" ".join(seg)}"/>')
        lx = left + 50 + n * 170  # after the axis title
        parts.append(f'<line x1="{lx}" y1="{top - 14}" x2="{lx + 18}" y2="{top - 14}" '
                     f'stroke="{colour}" stroke-width="3"/>'
                     f'<text x="{lx + 24}" y="{top - 10}" font-size="11">{label}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
h1{margin-bottom:4px} h2{margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse} td,th{padding:3px 10px;border-bottom:1px solid #eee;
text-align:left} td.n{text-align:right;font-variant-numeric:tabular-nums}
.sheet img{display:block;width:100%} .sheet td{vertical-align:top;width:33%}
.cut{color:#b00} pre{background:#f6f6f6;padding:10px;overflow:auto}
"""


def render_html(data: dict) -> str:
    e = html.escape
    m = data["metrics"]
    src = data["source"]
    styled = m.get("ewarp_styled")

    def ratio(v: Optional[float]) -> str:
        return f"{v / styled:.3f}" if v is not None and styled else "n/a"

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>shotstyle report: {e(data['shot'])}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(data['shot'])}</h1>",
           f"<p>{src.get('width', '?')}x{src.get('height', '?')}, {e(str(src.get('fps', '?')))} fps, "
           f"frames {data['frames'][0]}-{data['frames'][1]}; style "
           f"<b>{e(data['config']['shot']['style'])}</b>; generated {e(data['generated'])}</p>",
           "<h2>Deliverables</h2><ul>"]
    for kind, name in data["outputs"].items():
        out.append(f'<li>{e(kind)}: <a href="{e(name)}">{e(name)}</a></li>')
    out.append("</ul><h2>Temporal consistency</h2>")
    out.append("<table><tr><th>sequence</th><th>E_warp ×1e-3</th><th>vs stylised</th></tr>")
    for key, label in (("ewarp_plates", "plates"), ("ewarp_styled", "stylised, per frame"),
                       ("ewarp_final", "final (smoothed)")):
        out.append(f"<tr><td>{label}</td><td class=n>{_fmt(m.get(key), 1e3)}</td>"
                   f"<td class=n>{ratio(m.get(key))}</td></tr>")
    psnr = m.get("psnr_final_vs_styled")
    out.append(f"</table><p>Final vs stylised: SSIM {_fmt(m.get('ssim_final_vs_styled'))}, "
               f"PSNR {'inf' if psnr is None else f'{psnr:.2f} dB'}. Scene cuts before: "
               f"{', '.join(map(str, m.get('cuts') or [])) or 'none'}. Smoothing: "
               f"{e(json.dumps(data['config']['shot']['smoothing']))}.</p>")
    out.append(ewarp_svg(data["ewarp_per_frame"], m.get("cuts") or []))
    out.append("<h2>Contact sheet</h2><table class=sheet><tr><th>plate</th><th>stylised</th>"
               "<th>final</th></tr>")
    for row in data["contact_sheet"]:
        cut = ' <span class=cut>(first frame after a cut)</span>' if row["cut"] else ""
        out.append(f'<tr><td colspan=3><b>frame {row["frame"]}</b>{cut}</td></tr><tr>')
        for _, label in SEQUENCES:
            src_img = e(row["images"][label])
            out.append(f'<td><img src="{src_img}" alt="{label} {row["frame"]}"></td>')
        out.append("</tr>")
    out.append("</table><h2>Stage timings</h2><table><tr><th>stage</th><th>seconds</th>"
               "<th>chunks</th></tr>")
    for t in data["timings"]:
        out.append(f"<tr><td>{t['stage']}</td><td class=n>{_fmt(t['seconds'], digits=1)}</td>"
                   f"<td class=n>{t['chunks'] or ''}</td></tr>")
    out.append("</table><h2>Configuration</h2>")
    out.append(f"<p>{e(data['config_files']['shot'])}</p><pre>"
               f"{e(data['config_text']['shot'])}</pre>")
    out.append("<p>Effective settings (shot, style, pipeline):</p><pre>"
               f"{e(json.dumps(data['config'], indent=2, default=str))}</pre>")
    out.append("</body></html>")
    return "\n".join(out)


def build_report(plan: ShotPlan) -> dict:
    """The report stage: thumbnails, report.json, report.html, then the manifest."""
    t0 = time.monotonic()
    plan.render_dir.mkdir(parents=True, exist_ok=True)
    final_dir = plan.report_images_dir
    data = collect(plan, final_dir.name)
    with temporary_path(final_dir) as tmp:  # the thumbnails, swapped in as a whole
        tmp.mkdir()
        for row in data["contact_sheet"]:
            for stage, label in SEQUENCES:
                _thumbnail(frame_path(plan.stage_dir(stage), plan.shot, row["frame"]),
                           tmp / Path(row["images"][label]).name)
    write_json(plan.report_json, json.loads(json.dumps(data, default=str)))
    write_bytes(plan.report_html, render_html(data).encode("utf-8"))
    first, last = plan.frame_range()
    write_manifest(plan.stage_manifest("report"), stage="report", shot=plan.shot,
                   key=plan.report_key, frames=(first, last),
                   outputs={"html": str(plan.report_html), "json": str(plan.report_json)},
                   seconds=round(time.monotonic() - t0, 3))
    return data
