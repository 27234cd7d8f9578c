"""pipeline.stages.report: the contact sheet's frames, the E_warp plot's geometry,
and report.html / report.json / publish.json of a tiny shot rendered in-process."""
from __future__ import annotations

import json

import cv2

from pipeline.stages import report
from pipeline.stages.registry import run_stage


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
    out = project.renders / "st1"
    assert data["frames"] == [1001, 1006] and data["outputs"] == {
        "mov": "st1_styled.mov", "mp4": "st1_styled.mp4", "frames": "frames"}
    assert [row["frame"] for row in data["contact_sheet"]] == list(range(1001, 1007))
    for row in data["contact_sheet"]:
        for rel in row["images"].values():
            thumb = cv2.imread(str(out / rel))
            assert thumb is not None and thumb.shape == (24, 32, 3)  # never enlarged
    html = (out / "report.html").read_text()
    assert "st1" in html and "<script" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    assert json.loads((out / "report.json").read_text())["shot"] == "st1"
    assert json.loads((out / "publish.json").read_text())["shot"] == "st1"
    stages = [t["stage"] for t in data["timings"]]
    assert "report" not in stages and stages[:2] == ["probe", "plates"]
