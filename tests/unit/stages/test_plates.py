"""pipeline.stages.plates: the plates stage decodes the probed source into
numbered PNG plates from the shot's first frame and records their range."""
from __future__ import annotations

import os
import time

import cv2
import numpy as np
import pytest

from pipeline.errors import NotReadyError
from pipeline.stages import plates, probe
from pipeline.stages.registry import run_stage
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan
from unit.media.footage import edit_listed_movie


def test_plates_are_numbered_from_the_first_frame_and_recorded(tiny_shot, tmp_path):
    plan = tiny_shot()
    run_stage(plan, "probe")
    seen = []
    assert run_stage(plan, "plates", progress=lambda done, total, msg: seen.append((done, total, msg))) == 6
    names = sorted(p.name for p in plan.paths.stage_dir("plates").glob("*.png"))
    assert names == [f"st1.{f}.png" for f in range(1001, 1007)]
    data = read_manifest(plan.paths.stage_manifest("plates"))
    assert data["frames"] == [1001, 1006] and data["count"] == 6
    assert data["key"] == plan.keys.key("plates") and plan.frames.range() == (1001, 1006)
    assert seen[-1] == (6, 6, "decoded")
    src = cv2.imread(str(tmp_path / ".st1_src" / "src.0006.png")).astype(int)
    assert np.abs(cv2.imread(str(plan.paths.frame_file("plates", 1006))) - src).mean() < 1.5


def test_another_first_frame_and_a_source_range(tiny_shot):
    plan = tiny_shot(first_frame=1, source_range={"start": 3, "duration": 2})
    run_stage(plan, "probe")
    assert run_stage(plan, "plates") == 2
    assert plan.frames.range() == (1, 2)
    assert plan.paths.frame_file("plates", 1).is_file() and plan.paths.frame_file("plates", 2).is_file()


def test_a_killed_decode_s_temporary_folder_is_removed(tiny_shot):
    plan = tiny_shot()
    run_stage(plan, "probe")
    stale = plan.paths.root / ".plates.tmp-999-dead"
    stale.mkdir(parents=True)
    (stale / "st1.1001.png").write_bytes(b"half")
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    run_stage(plan, "plates")
    assert not stale.exists()


def test_plates_need_the_probe(tiny_shot):
    with pytest.raises(NotReadyError, match="st1: source not probed yet"):
        run_stage(tiny_shot(), "plates")


def test_an_edit_listed_movie_s_plates_are_the_frames_it_plays(project, tmp_path):
    """30 frames in the file, 25 shown by its edit list: 25 plates, 1001-1025 (#21)."""
    _, cut = edit_listed_movie(tmp_path / "footage")
    project.add_shot("el", cut)
    plan = ShotPlan.load("el")
    assert run_stage(plan, "probe").frame_count == 25
    assert run_stage(plan, "plates") == 25
    assert read_manifest(plan.paths.stage_manifest("plates"))["frames"] == [1001, 1025]
    assert len(list(plan.paths.stage_dir("plates").glob("*.png"))) == 25


def test_nan_and_inf_in_exr_plates_are_one_warning_and_no_numpy_warning(project, tmp_path,
                                                                        caplog):
    import logging
    import warnings

    from unit.media.footage import exr_with_nan_and_inf
    project.add_shot("nan", exr_with_nan_and_inf(tmp_path / "exr"), fps=24)
    plan = ShotPlan.load("nan")
    run_stage(plan, "probe")
    caplog.clear()
    with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="shotstyle"):
        warnings.simplefilter("error")
        assert run_stage(plan, "plates") == 3
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        f"{tmp_path / 'exr' / 'plate.%04d.exr'}: 5 pixels with NaN or Inf in 2 frames "
        f"(1002-1003): NaN set to 0, Inf clipped to +/-65504"]
