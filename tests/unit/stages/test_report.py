"""pipeline.stages.report: the contact sheet's frames, the E_warp plot's geometry,
and report.html / report.json / publish.json of a tiny shot rendered in-process."""
from __future__ import annotations

import json

import cv2

from pipeline.stages import report
from pipeline.stages.registry import run_stage
from pipeline.workarea.manifest import read_manifest


def test_contact_frames_spread_over_the_shot_plus_each_cut():
    assert report.contact_frames(1001, 1100, []) == [1001, 1021, 1041, 1060, 1080, 1100]
    assert report.contact_frames(1001, 1100, [1050, 1200]) == [
        1001, 1021, 1041, 1050, 1060, 1080, 1100]  # a cut outside the shot is left out
    assert report.contact_frames(1001, 1003, []) == [1001, 1002, 1003]
    assert report.contact_frames(7, 7, []) == [7]


def test_the_plot_breaks_its_lines_where_a_value_is_missing():
    rows = [{"frame": 1001, "ewarp_final": None, "ewarp_styled": None, "ewarp_plates": None},
            {"frame": 1002, "ewarp_final": 0.001, "ewarp_styled": 0.004, "ewarp_plates": 0.002},
            {"frame": 1003, "ewarp_final": 0.002, "ewarp_styled": None, "ewarp_plates": 0.002},
            {"frame": 1004, "ewarp_final": 0.001, "ewarp_styled": 0.002, "ewarp_plates": 0.002}]
    plot = report.ewarp_plot(rows, [1003], width=500, height=200)
    assert (plot["pw"], plot["ph"]) == (500 - 90, 200 - 58)
    styled, final, plates = plot["lines"]
    assert len(styled["segments"]) == 2 and len(final["segments"]) == 1
    # the largest value (0.004) is at the top of the plot, frame 1002 a third across
    assert styled["segments"][0] == f"{60 + 410 / 3:.1f},28.0"
    assert plot["cuts"] == [{"x": f"{60 + 410 * 2 / 3:.1f}", "frame": 1003}]
    assert [t["text"] for t in plot["x_ticks"]] == [1001, 1002, 1004]
    assert plot["y_ticks"][-1]["text"] == "4.00"  # x1e-3


def test_the_report_of_a_rendered_shot(tiny_shot, run_stages, project):
    plan = tiny_shot()
    run_stages(plan, "metrics")
    data = run_stage(plan, "report")
    out = project.renders / "st1" / "v001"
    assert data["frames"] == [1001, 1006] and data["outputs"] == {
        "mov": "st1_v001.mov", "mp4": "st1_v001.mp4", "frames": "frames"}
    assert data["output_urls"]["mov"] == (out / "st1_v001.mov").as_uri()
    # the version's own movie, then today's name for the page seen through renders/st1/
    assert data["review_movie"] == ["st1_v001.mp4", "st1_styled.mp4"]
    assert [row["frame"] for row in data["contact_sheet"]] == list(range(1001, 1007))
    for row in data["contact_sheet"]:
        for rel in row["images"].values():
            thumb = cv2.imread(str(out / rel))
            assert thumb is not None and thumb.shape == (24, 32, 3)  # never enlarged
    assert cv2.imread(str(out / "st1_v001_thumb.jpg")).shape == (24, 32, 3)
    html = (out / "report.html").read_text()
    assert "st1" in html and "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    assert "The first version of this shot." in html
    assert json.loads((out / "report.json").read_text())["shot"] == "st1"
    assert json.loads((out / "metrics.json").read_text()) == json.loads(
        plan.paths.metrics_json.read_text())
    record = json.loads((out / "publish.json").read_text())
    assert (record["shot"], record["version"]) == ("st1", 1)
    assert record["thumbnail"]["path"] == str(out / "st1_v001_thumb.jpg")
    stages = [t["stage"] for t in data["timings"]]
    assert "report" not in stages and stages[:2] == ["probe", "plates"]
    # renders/st1/'s names point at it
    assert (project.renders / "st1" / "report.html").resolve() == (out / "report.html")

    # run again with nothing changed (its manifest lost): nothing written into v001
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    plan.paths.stage_manifest("report").unlink()
    assert run_stage(plan, "report") == {}
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert read_manifest(plan.paths.stage_manifest("report"))["outputs"]["publish"] == str(
        out / "publish.json")


def test_the_page_says_what_changed_since_the_version_before():
    data = {"shot": "s1", "version": {"version_name": "v003", "previous_version_name": "v002",
                                      "time": "2025-03-04T05:06:07Z", "user": "ana",
                                      "host": "ws12",
                                      "changes": [{"stage": "styled", "was": "a1", "now": "b2"},
                                                  {"stage": "report", "was": None, "now": "c3"}]}}
    page = _page(data)
    assert "<h1>s1 v003</h1>" in page
    assert "v003, published 2025-03-04T05:06:07Z by ana on ws12." in page
    assert "Changed since v002: styled, report." in page
    assert "<tr><td>styled</td><td><code>a1</code></td><td><code>b2</code></td></tr>" in page
    data["version"]["changes"] = []
    assert "Nothing changed since v002: rendered again." in _page(data)


def _page(data: dict) -> str:
    """The template alone around ``data``'s version: everything else empty."""
    full = {"source": {}, "frames": [1001, 1002], "outputs": {}, "output_urls": {},
            "review_movie": [], "metrics": {}, "ewarp_per_frame": [], "contact_sheet": [],
            "timings": [], "generated": "", "config": {"shot": {"style": "x", "smoothing": {}}},
            "config_files": {"shot": "x.yaml"}, "config_text": {"shot": ""}, **data}
    return report.render_html(full)
