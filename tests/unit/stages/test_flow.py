"""pipeline.stages.flow: the flow stage caches one flow file per frame pair (a
chunk starts from the plate before it), finds scene cuts and records them, and
refuses plates of different sizes."""
from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest
import yaml

from helpers import textured_frame, write_yaml
from pipeline.errors import MediaError, NotReadyError
from pipeline.graph.chunks import Chunk
from pipeline.stages.registry import run_stage
from pipeline.stages import flow
from pipeline.temporal.flow import FlowPair
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


def test_a_flow_file_per_pair_and_chunks_continue_from_the_plate_before(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    with pytest.raises(NotReadyError, match="st1: flow 1001-1004 is not computed yet"):
        flow.chunk_cuts(plan, Chunk(1001, 1004))
    assert run_stage(plan, "flow", Chunk(1001, 1004))["cuts"] == []
    assert run_stage(plan, "flow", Chunk(1005, 1006))["cuts"] == []
    files = sorted(p.name for p in plan.paths.stage_dir("flow").glob("*.npz"))
    assert len(files) == 5 and not plan.paths.frame_file("flow", 1001).exists()  # no pair before 1001
    assert plan.paths.frame_file("flow", 1005).is_file()  # 1004 -> 1005 crosses the chunks
    pair = FlowPair.load(plan.paths.frame_file("flow", 1005))
    assert pair.cur_to_prev.shape == (24, 32, 2)
    data = read_manifest(plan.paths.chunk_manifest("flow", Chunk(1001, 1004)))
    assert data["cuts"] == [] and sorted(data["cut_scores"]) == ["1002", "1003", "1004"]
    assert data["cut_score_fields"] == ["unreliable", "residual", "histogram"]
    assert flow.chunk_cuts(plan, Chunk(1001, 1004)) == set() and flow.shot_cuts(plan) == []


def test_a_scene_cut_is_found_and_recorded(project, tmp_path, run_stages):
    folder = tmp_path / "cut"
    folder.mkdir()
    for i in range(6):  # frames 4-6 are another scene: other texture, other colours
        rgb = textured_frame(64, 48, i, seed=0 if i < 3 else 7)
        if i >= 3:
            rgb = (255 - rgb)[..., ::-1]
        cv2.imwrite(str(folder / f"c.{i + 1:04d}.png"), cv2.cvtColor(
            np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    project.add_shot("c1", str(folder / "c.####.png"), fps=24)
    plan = ShotPlan.load("c1")
    run_stages(plan, "flow")
    assert flow.shot_cuts(plan) == [1004]
    assert flow.chunk_cuts(plan, Chunk(1001, 1004)) == {1004} and flow.chunk_cuts(plan, Chunk(1005, 1006)) == set()


def test_plates_of_different_sizes_are_refused(tiny_shot, run_stages):
    plan = tiny_shot()
    run_stages(plan, "plates")
    cv2.imwrite(str(plan.paths.frame_file("plates", 1003)), np.zeros((20, 30, 3), np.uint8))
    with pytest.raises(MediaError, match=r"^st1: plate 1003 is 30x20, plate 1002 is 32x24$"):
        run_stage(plan, "flow", Chunk(1001, 1004))


def test_pairs_computed_at_once_write_what_one_pair_at_a_time_writes(project, tiny_shot, run_stages):
    """``pair_workers`` pairs at once (here 4, on a 2-frame-long chunk too) give the
    same flow files, cut scores and E_warp rows as one pair after the other."""
    outputs = {}
    for threads in (1, 4):
        cfg = yaml.safe_load((project.configs / "pipeline.yaml").read_text())
        write_yaml(project.configs / "pipeline.yaml", {**cfg, "threads": threads})
        plan = tiny_shot()
        assert flow.pair_workers(plan.pipeline.threads) == threads
        run_stages(plan, "plates")
        for chunk in plan.frames.chunks():
            run_stage(plan, "flow", chunk)
        files = {p.name: p.read_bytes() for p in plan.paths.stage_dir("flow").glob("*.npz")}
        manifests = [read_manifest(plan.paths.chunk_manifest("flow", c))
                     for c in plan.frames.chunks()]
        outputs[threads] = files, [{k: m[k] for k in ("cuts", "cut_scores", "metrics")}
                                   for m in manifests]
        shutil.rmtree(plan.paths.root)
    assert len(outputs[1][0]) == 5 and outputs[4] == outputs[1]


def test_pair_workers_follow_the_threads_setting_up_to_the_most_at_once():
    assert flow.pair_workers(1) == 1 and flow.pair_workers(3) == 3
    assert flow.pair_workers(64) == flow.MOST_PAIRS_AT_ONCE
    assert 1 <= flow.pair_workers(0) <= flow.MOST_PAIRS_AT_ONCE  # 0: one per usable core
