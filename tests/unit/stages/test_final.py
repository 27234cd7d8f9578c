"""pipeline.stages.final: temporal smoothing of a chunk of stylised frames; the
next chunk continues from the last final frame; 'none' passes frames through."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from pipeline.errors import NotReadyError
from pipeline.media.imageio import read_rgb
from pipeline.graph.chunks import Chunk
from pipeline.graph.table import FINAL, STYLED
from pipeline.stages.registry import run_stage
from pipeline.stages import final
from pipeline.stages.flow import chunk_cuts
from pipeline.temporal.metrics import FrameMetrics
from pipeline.temporal.smoother import FlowSmoother
from pipeline.workarea.manifest import read_manifest


def test_smoothing_keeps_the_first_frame_and_scores_in_passing(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "styled")
    stats = run_stage(plan, "final", Chunk(1001, 1004))
    assert (stats["method"], stats["strength"], stats["cuts"]) == ("adaptive", 0.9, [])
    first = read_rgb(plan.paths.frame_file("final", 1001))
    assert np.array_equal(first, read_rgb(plan.paths.frame_file("styled", 1001)))  # nothing before it
    later = [read_rgb(plan.paths.frame_file("final", f)) for f in range(1002, 1005)]
    assert any(not np.array_equal(f, read_rgb(plan.paths.frame_file("styled", n)))
               for f, n in zip(later, range(1002, 1005)))
    data = read_manifest(plan.paths.chunk_manifest("final", Chunk(1001, 1004)))
    assert data["key"] == plan.keys.chunk_key("final", Chunk(1001, 1004)) and "metrics" in data


def test_the_next_chunk_continues_from_the_last_final_frame(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "final")
    whole = {f: read_rgb(plan.paths.frame_file("final", f)) for f in (1005, 1006)}
    plan.paths.frame_file("final", 1004).write_bytes(  # another history before the chunk
        plan.paths.frame_file("plates", 1004).read_bytes())
    run_stage(plan, "final", Chunk(1005, 1006))
    assert not np.array_equal(read_rgb(plan.paths.frame_file("final", 1005)), whole[1005])


def test_method_none_passes_the_stylised_frames_through(tiny_shot, run_stages):
    plan = tiny_shot(smoothing={"method": "none"})
    run_stages(plan, "styled")
    assert run_stage(plan, "final", Chunk(1005, 1006))["cuts"] == []
    for f in (1005, 1006):
        assert plan.paths.frame_file("final", f).read_bytes() == \
            plan.paths.frame_file("styled", f).read_bytes()


def test_smoothing_needs_the_chunk_s_flow(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    with pytest.raises(NotReadyError, match="st1: flow 1001-1004 is not computed yet"):
        run_stage(plan, "final", Chunk(1001, 1004))


def test_on_a_cuda_host_the_stage_smooths_with_the_torch_path(tiny_shot, run_stages, monkeypatch):
    """The path the device setting picks (pipeline.temporal.torch_path) runs the stage's
    loop, read-ahead and write-behind included; torch on the CPU stands in for the GPU."""
    from pipeline.temporal import torch_path
    from pipeline.temporal.torch_smoother import SHOT_TOLERANCE, SSIM_TOLERANCE
    plan = tiny_shot()
    run_stages(plan, "final")
    chunk = Chunk(1001, 1004)
    opencv = {f: read_rgb(plan.paths.frame_file("final", f)) for f in range(1001, 1005)}
    rows = read_manifest(plan.paths.chunk_manifest("final", chunk))["metrics"]["rows"]
    assert read_manifest(plan.paths.chunk_manifest("final", chunk))["smoothed_with"] == "opencv"
    monkeypatch.setattr(torch_path, "torch_device", lambda requested: "cpu")
    stats = run_stage(plan, "final", chunk)
    assert stats["smoothed_with"] == "torch cpu"
    for f, frame in opencv.items():
        assert np.abs(read_rgb(plan.paths.frame_file("final", f)).astype(int) - frame).max() \
            <= SHOT_TOLERANCE
    data = read_manifest(plan.paths.chunk_manifest("final", chunk))
    assert data["key"] == plan.keys.chunk_key("final", chunk)  # the key does not know the path
    for f, row in data["metrics"]["rows"].items():
        assert row.keys() == rows[f].keys()
        if row.get("ssim") is not None:
            assert row["ssim"] == pytest.approx(rows[f]["ssim"], abs=SSIM_TOLERANCE)


def _frame_by_frame(plan, chunk: Chunk) -> tuple[dict, dict]:
    """The chunk's final frames and metrics (as its manifest holds them) computed one
    frame after the other on one thread, through the public functions: the order
    the stage kept before it scored behind (#23)."""
    settings, start = plan.cfg.smoothing, plan.cfg.first_frame
    smoother, metrics, cuts = FlowSmoother(settings.strength, settings.method), FrameMetrics(), \
        chunk_cuts(plan, chunk)
    previous: dict = {}
    if chunk.first > start:
        previous = {name: read_rgb(plan.paths.frame_file(name, chunk.first - 1))
                    for name in (STYLED, FINAL)}
        smoother.reset(previous[FINAL])
    frames = {}
    for f in range(chunk.first, chunk.last + 1):
        styled = read_rgb(plan.paths.frame_file(STYLED, f))
        motion = None if f == start else final.load_motion(plan, f, f in cuts)
        frames[f] = smoother.smooth(styled, motion)
        current = {STYLED: styled, FINAL: frames[f]}
        metrics.versus(f, frames[f], styled)
        if motion is not None and not motion.scene_cut:
            metrics.warp_errors(f, previous, current, motion.flow_cur_to_prev, motion.reliable)
        previous = current
    return frames, json.loads(json.dumps(metrics.to_json()))


def test_scored_behind_the_frames_and_manifest_are_those_of_one_frame_after_the_other(
        tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "final")
    for chunk in plan.frames.chunks():  # the first chunk, and one continuing from it
        frames, metrics = _frame_by_frame(plan, chunk)
        for f, frame in frames.items():
            assert np.array_equal(read_rgb(plan.paths.frame_file(FINAL, f)), frame)
        data = read_manifest(plan.paths.chunk_manifest(FINAL, chunk))
        assert data["metrics"] == metrics  # rows, and sq_err summed in the same order
        assert set(data["metrics"]["rows"]) == {str(f) for f in frames}


def test_the_opencv_path_scores_on_one_other_thread_in_frame_order(tiny_shot, run_stages,
                                                                   monkeypatch):
    plan = tiny_shot()
    run_stages(plan, "styled")
    run_stages(plan, "flow")
    seen: list[tuple[int, str]] = []
    versus = FrameMetrics.versus

    def spied(self, frame, *args):
        seen.append((frame, threading.current_thread().name))
        return versus(self, frame, *args)
    monkeypatch.setattr(FrameMetrics, "versus", spied)
    run_stage(plan, "final", Chunk(1001, 1004))
    assert [f for f, _ in seen] == [1001, 1002, 1003, 1004]
    assert len({name for _, name in seen}) == 1 and seen[0][1] != threading.current_thread().name
    assert isinstance(final.scoring("torch cuda:0"), final.InLine)  # the torch path: in line


def test_an_error_while_scoring_fails_the_chunk(tiny_shot, run_stages, monkeypatch):
    plan = tiny_shot()
    run_stages(plan, "flow")
    run_stages(plan, "styled")

    def broken(self, frame, *args):
        raise ValueError(f"cannot score {frame}")
    monkeypatch.setattr(FrameMetrics, "warp_errors", broken)
    with pytest.raises(ValueError, match="cannot score 1002"):
        run_stage(plan, "final", Chunk(1001, 1004))
    assert read_manifest(plan.paths.chunk_manifest(FINAL, Chunk(1001, 1004))) is None
