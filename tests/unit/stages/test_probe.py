"""pipeline.stages.probe: the probe stage's manifest describes the source (or the
shot's source range of it); notes on rotated and alpha sources."""
from __future__ import annotations

import logging
from fractions import Fraction

from helpers import make_clip, set_rotation, write_rgba_pngs
from pipeline.media.probe import SourceInfo
from pipeline.stages.registry import run_stage
from pipeline.stages import probe
from pipeline.workarea.manifest import read_manifest
from pipeline.workarea.plan import ShotPlan


def test_the_manifest_holds_what_the_source_is(tiny_shot):
    plan = tiny_shot()
    info = run_stage(plan, "probe")
    data = read_manifest(plan.paths.stage_manifest("probe"))
    assert data["key"] == plan.keys.key("probe") and data["frames"] is None
    assert SourceInfo.from_dict(data["source"]) == info
    assert (info.kind, info.width, info.height, info.frame_count, info.fps_fraction) == (
        "movie", 32, 24, 6, Fraction(24))
    assert probe.source_notes(plan, info) == []  # nothing to say about a plain movie


def test_a_source_range_is_the_shot_s_frames(tiny_shot, caplog):
    plan = tiny_shot(source_range={"start": 2, "duration": 3})
    with caplog.at_level(logging.INFO, logger="shotstyle"):
        info = run_stage(plan, "probe")
    assert (info.frame_count, info.range_start, info.ranged) == (3, 2, True)
    assert "st1: source frames 2-4 of 6 (source_range)" in caplog.text


def test_a_rotated_source_is_noted(project, tmp_path):
    clip = set_rotation(make_clip(tmp_path / "r.mov", 32, 24, frames=2, audio=False),
                        tmp_path / "rot.mov", 90)
    project.add_shot("r1", clip)
    plan = ShotPlan.load("r1")
    info = run_stage(plan, "probe")
    assert probe.source_notes(plan, info) == [(logging.INFO, (
        "r1: the source is rotated 90 degrees counter-clockwise by its metadata: decoded "
        "upright at 24x32"))]


def test_an_alpha_source_says_where_its_alpha_is_kept(project, tmp_path):
    pattern = write_rgba_pngs(tmp_path / "rgba", 16, 12, 2)
    project.add_shot("a1", pattern, fps=24)
    plan = ShotPlan.load("a1")
    info = run_stage(plan, "probe")
    [(level, line)] = probe.source_notes(plan, info)
    assert level == logging.WARNING
    assert line == (f"a1: the source has an alpha channel ({info.pix_fmt}): kept in the PNG "
                    f"frames, the .mov (ProRes 4444); the .mp4 (H.264) drops it")
    project.add_shot("a1", pattern, fps=24, output={"mp4": False, "mov": False})
    plan = ShotPlan.load("a1")
    assert probe.source_notes(plan, info) == [
        (logging.INFO, f"a1: the source has an alpha channel ({info.pix_fmt}): kept in the "
                       f"PNG frames")]
