"""pipeline.stages.metrics: the shot's temporal metrics from what the flow and
final stages scored in passing (or scored again), metrics.json, the terminal table."""
from __future__ import annotations

import json

import pytest

from pipeline.graph.chunks import Chunk
from pipeline.stages import metrics
from pipeline.stages.registry import run_stage
from pipeline.workarea.manifest import read_manifest


def test_the_shot_s_metrics_are_written_with_a_summary(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "final")
    summary = run_stage(plan, "metrics")
    assert (summary["frames"], summary["pairs"], summary["cuts"]) == (6, 5, [])
    assert 0 < summary["ewarp_final"] < summary["ewarp_styled"]  # smoothing lowers E_warp
    assert summary["final_vs_styled"] == pytest.approx(
        summary["ewarp_final"] / summary["ewarp_styled"])
    assert 0 < summary["ssim_final_vs_styled"] <= 1 and summary["psnr_final_vs_styled"] > 20
    data = json.loads(plan.paths.metrics_json.read_text())
    assert data["summary"] == summary and data["shot"] == "st1"
    assert [r["frame"] for r in data["per_frame"]] == list(range(1001, 1007))
    assert data["per_frame"][0].get("ewarp_final") is None  # no pair before the first frame
    assert data["smoothing"]["method"] == "adaptive"
    manifest = read_manifest(plan.paths.stage_manifest("metrics"))
    assert manifest["outputs"] == {"metrics": str(plan.paths.metrics_json)}


def test_scores_missing_from_the_manifests_are_computed_again(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "final")
    stored = metrics.compute_shot_metrics(plan)
    for chunk in plan.frames.chunks():
        a, b = chunk.first, chunk.last  # manifests of an older version: no scores in them
        for name in ("flow", "final"):
            path = plan.paths.chunk_manifest(name, Chunk(a, b))
            data = json.loads(path.read_text())
            data.pop("metrics", None)
            path.write_text(json.dumps(data))
    again = metrics.compute_shot_metrics(plan)
    for key in ("ewarp_plates", "ewarp_styled", "ewarp_final", "ssim_final_vs_styled"):
        assert again["summary"][key] == pytest.approx(stored["summary"][key], rel=1e-3), key


def test_the_terminal_table():
    summary = {"frames": 6, "pairs": 5, "cuts": [1004], "ewarp_plates": 0.002,
               "ewarp_styled": 0.004, "ewarp_final": 0.001, "ssim_final_vs_styled": 0.98765,
               "psnr_final_vs_styled": None}
    lines = metrics.format_summary("st1", summary).splitlines()
    assert lines[0] == "st1: temporal metrics over 6 frames (5 pairs; scene cuts before [1004])"
    assert lines[1].split() == ["sequence", "E_warp", "x1e-3", "vs", "stylised"]
    assert [line.split()[-2:] for line in lines[2:5]] == [["2.0000", "0.500"],
                                                           ["4.0000", "1.000"],
                                                           ["1.0000", "0.250"]]
    assert lines[-1] == "  final vs stylised: SSIM 0.9877 (luma), PSNR inf (identical)"
    empty = {"frames": 1, "pairs": 0, "cuts": [], "ssim_final_vs_styled": None,
             "psnr_final_vs_styled": 31.234}
    text = metrics.format_summary("x", empty)
    assert "scene cuts before none" in text and "n/a" in text
    assert text.endswith("SSIM n/a (luma), PSNR 31.23 dB")
